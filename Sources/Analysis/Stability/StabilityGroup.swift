/// One group's runs under the stability rule (METHODS.md, "Stability over a learning-rate grid", rule 4).
public struct StabilityGroup: Sendable, Equatable, Encodable {
    /// The group's name, preset and values of the grouping keys, as its ``GroupSummary`` has them.
    public var group: String
    public var preset: String
    public var settings: [String: SettingValue]
    /// The group's learning rate (its value of the grouping key `lr`).
    public var lr: SettingValue
    /// n: the runs counted, unfinished runs that did not diverge left out.
    public var runs: Int
    public var diverged: Int
    public var stalled: Int
    public var stable: Int
    public var unfinished: Int
    /// The median of the diverged runs' divergence steps (the mean of the middle two for an even count); nil
    /// without a diverged run.
    public var medianDivergenceStep: Double?
    /// `best_valid_loss` over the stable runs.
    public var stableBestValidLoss: Aggregate

    /// The rule over one group's runs.
    init(_ summary: GroupSummary, runs members: [RunSummary]) {
        group = summary.group
        preset = summary.preset
        settings = summary.settings
        lr = summary.settings[Stability.key] ?? .null
        let verdicts = members.map(RunStability.init)
        func count(_ kind: RunStability) -> Int { verdicts.filter { $0 == kind }.count }
        (diverged, stalled, stable, unfinished) = (
            count(.diverged), count(.stalled), count(.stable), count(.unfinished)
        )
        runs = diverged + stalled + stable
        medianDivergenceStep = Self.median(members.compactMap(\.divergedAtStep))
        stableBestValidLoss = Aggregate(zip(members, verdicts).filter { $0.1 == .stable }.map(\.0.bestValidLoss))
    }

    /// Every counted run stable: the learning rate trains this group.
    var isStable: Bool { runs > 0 && stable == runs }

    /// The middle value, or the mean of the middle two; nil for no values.
    static func median(_ steps: [Int64]) -> Double? {
        steps.isEmpty ? nil : Analysis.median(steps.map(Double.init))
    }

    private enum CodingKeys: String, CodingKey {
        case group, preset, settings, lr, runs, diverged, stalled, stable, unfinished, medianDivergenceStep,
            stableBestValidLoss
    }

    /// As analysis/ANALYZE_JSON.md says: `median_divergence_step` is null, not absent, without a diverged run.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group, forKey: .group)
        try container.encode(preset, forKey: .preset)
        try container.encode(settings, forKey: .settings)
        try container.encode(lr, forKey: .lr)
        try container.encode(runs, forKey: .runs)
        try container.encode(diverged, forKey: .diverged)
        try container.encode(stalled, forKey: .stalled)
        try container.encode(stable, forKey: .stable)
        try container.encode(unfinished, forKey: .unfinished)
        try container.encodeFinite(medianDivergenceStep ?? .nan, forKey: .medianDivergenceStep)
        try container.encode(stableBestValidLoss, forKey: .stableBestValidLoss)
    }
}
