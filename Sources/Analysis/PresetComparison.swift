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

}
