/// A group against the baseline preset's group at the same settings — they differ in the preset alone — over
/// their seeds: for each quantity the difference of means with Welch's test, a seeded bootstrap interval, Hedges' g,
/// both n's and a verdict.
public struct GroupComparison: Sendable, Codable, Equatable {
    public var group: String
    public var preset: String
    /// The baseline's group: the baseline preset with the same values of every grouping key.
    public var baselineGroup: String
    public var baseline: String
    /// The grouping keys' values both groups share.
    public var settings: [String: SettingValue]
    public var runs: Int
    public var baselineRuns: Int
    /// Best validation loss: group − baseline group.
    public var bestValidLoss: DifferenceEstimate
    /// Gap at the best-validation step: group − baseline group.
    public var gapAtBest: DifferenceEstimate
    /// Gap averaged over the last 10% of evaluations: group − baseline group.
    public var gapLastTenth: DifferenceEstimate

    /// Compares the runs of `group` with those of `baseline`.
    public init(group: GroupSummary, baseline: GroupSummary, runs: [RunSummary]) {
        let mine = runs.filter { $0.group == group.group }
        let theirs = runs.filter { $0.group == baseline.group }
        self.group = group.group
        preset = group.preset
        baselineGroup = baseline.group
        self.baseline = baseline.preset
        settings = group.settings
        self.runs = mine.count
        baselineRuns = theirs.count
        bestValidLoss = DifferenceEstimate(mine.map(\.bestValidLoss), baseline: theirs.map(\.bestValidLoss))
        gapAtBest = DifferenceEstimate(mine.map(\.gapAtBest), baseline: theirs.map(\.gapAtBest))
        gapLastTenth = DifferenceEstimate(mine.map(\.gapLastTenth), baseline: theirs.map(\.gapLastTenth))
    }
}

extension GroupComparison {
    /// The compared quantities with their names as the tables show them.
    public var estimates: [(name: String, estimate: DifferenceEstimate)] {
        [("best valid loss", bestValidLoss), ("gap at best", gapAtBest), ("gap, last 10%", gapLastTenth)]
    }
}

extension TraceSummary {
    /// Every group of another preset against the `baseline` preset's group at the same settings; groups without
    /// such a baseline group are not compared (`uncomparedGroups` names them).
    public func comparisons(baseline: String) -> [GroupComparison] {
        groups.filter { $0.preset != baseline }.compactMap { group in
            baselineGroup(for: group, baseline: baseline).map {
                GroupComparison(group: group, baseline: $0, runs: runs)
            }
        }
    }

    /// The groups of other presets that have no `baseline` group at their settings.
    public func uncomparedGroups(baseline: String) -> [String] {
        groups.filter { $0.preset != baseline && baselineGroup(for: $0, baseline: baseline) == nil }.map(\.group)
    }

    private func baselineGroup(for group: GroupSummary, baseline: String) -> GroupSummary? {
        groups.first { $0.preset == baseline && $0.settings == group.settings }
    }
}
