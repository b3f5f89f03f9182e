/// A preset against a baseline preset, over their seeds: differences of means with Welch's test and both n's.
public struct PresetComparison: Sendable, Codable, Equatable {
    public var preset: String
    public var baseline: String
    public var runs: Int
    public var baselineRuns: Int
    /// Best validation loss: preset − baseline.
    public var bestValidLoss: WelchTest
    /// Gap at the best-validation step: preset − baseline.
    public var gapAtBest: WelchTest
    /// Gap averaged over the last 10% of evaluations: preset − baseline.
    public var gapLastTenth: WelchTest

    /// Compares the runs of `preset` with those of `baseline`.
    public init(preset: String, baseline: String, runs: [RunSummary]) {
        let mine = runs.filter { $0.preset == preset }
        let theirs = runs.filter { $0.preset == baseline }
        self.preset = preset
        self.baseline = baseline
        self.runs = mine.count
        baselineRuns = theirs.count
        bestValidLoss = WelchTest(mine.map(\.bestValidLoss), theirs.map(\.bestValidLoss))
        gapAtBest = WelchTest(mine.map(\.gapAtBest), theirs.map(\.gapAtBest))
        gapLastTenth = WelchTest(mine.map(\.gapLastTenth), theirs.map(\.gapLastTenth))
    }
}

extension TraceSummary {
    /// Every other preset against `baseline`.
    public func comparisons(baseline: String) -> [PresetComparison] {
        presets.map(\.preset).filter { $0 != baseline }.map {
            PresetComparison(preset: $0, baseline: baseline, runs: runs)
        }
    }

    /// The comparisons as an aligned table: Δ = preset − baseline, with Welch's two-sided p and both n's.
    public func comparisonTable(baseline: String) -> String {
        func cell(_ test: WelchTest) -> String {
            let delta = String(format: "%+.4f", test.difference)
            return test.p.isFinite ? "\(delta) (p = \(String(format: "%.3f", test.p)))" : "\(delta) (p: n < 2)"
        }
        var lines = [
            "Against \(baseline): Δ = preset − baseline, Welch's t-test two-sided p, n = runs (preset/baseline)",
            pad("preset", 18) + pad("n", 8) + pad("Δ best valid loss", 26) + pad("Δ gap at best", 26)
                + "Δ gap, last 10%",
        ]
        for c in comparisons(baseline: baseline) {
            lines.append(
                pad(c.preset, 18) + pad("\(c.runs)/\(c.baselineRuns)", 8) + pad(cell(c.bestValidLoss), 26)
                    + pad(cell(c.gapAtBest), 26) + cell(c.gapLastTenth))
        }
        return lines.joined(separator: "\n")
    }
}
