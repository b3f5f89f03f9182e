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
    /// The test split at each run's best-validation evaluation: group − baseline group; nil when the runs did not
    /// measure it. Accuracy for classifiers, bits per character for language models.
    public var testLossAtBest: DifferenceEstimate?
    public var testAccuracyAtBest: DifferenceEstimate?
    public var testBitsPerCharacterAtBest: DifferenceEstimate?

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
        func measured(_ value: (RunSummary) -> Double) -> DifferenceEstimate? {
            let (a, b) = (mine.map(value), theirs.map(value))
            guard a.contains(where: \.isFinite), b.contains(where: \.isFinite) else { return nil }
            return DifferenceEstimate(a, baseline: b)
        }
        testLossAtBest = measured(\.testLossAtBest)
        let languageModels = (mine + theirs).allSatisfy(\.isLanguageModel)
        testAccuracyAtBest = languageModels ? nil : measured(\.testAccuracyAtBest)
        testBitsPerCharacterAtBest = languageModels ? measured { $0.bitsPerCharacter($0.testLossAtBest) } : nil
    }
}

extension GroupComparison {
    /// The compared quantities with their names as the tables show them.
    public var estimates: [(name: String, estimate: DifferenceEstimate)] {
        let test: [(String, DifferenceEstimate?)] = [
            ("test loss at best", testLossAtBest), ("test acc at best", testAccuracyAtBest),
            ("test bpc at best", testBitsPerCharacterAtBest),
        ]
        return [("best valid loss", bestValidLoss), ("gap at best", gapAtBest), ("gap, last 10%", gapLastTenth)]
            + test.compactMap { name, estimate in estimate.map { (name, $0) } }
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

    /// The baseline group at exactly the group's settings; failing that, the one baseline group at the same
    /// settings but for the normalization overrides (`RunGrouping.variantKeys`): AdaNorm at C = 1 against
    /// LayerNorm, which has no C.
    private func baselineGroup(for group: GroupSummary, baseline: String) -> GroupSummary? {
        let candidates = groups.filter { $0.preset == baseline }
        if let exact = candidates.first(where: { $0.settings == group.settings }) { return exact }
        func common(_ settings: [String: SettingValue]) -> [String: SettingValue] {
            settings.filter { !RunGrouping.variantKeys.contains($0.key) }
        }
        let near = candidates.filter { common($0.settings) == common(group.settings) }
        return near.count == 1 ? near[0] : nil
    }
}
