/// A cell of the learning-rate grid: the groups that agree in every grouping key but `lr` (a variant at one depth
/// and placement, say), and the largest learning rate at which all its runs were stable (METHODS.md, "Stability over
/// a learning-rate grid", rule 5).
public struct FrontierCell: Sendable, Equatable, Encodable {
    /// The preset, then `key=value` per grouping key but `lr`.
    public var cell: String
    public var preset: String
    /// The values of the grouping keys but `lr`.
    public var settings: [String: SettingValue]
    /// The cell's learning rates, ascending.
    public var learningRates: [Double]
    /// Those whose counted runs (at least one) were all stable, ascending.
    public var stableLearningRates: [Double]
    /// The largest of `stableLearningRates`; nil when every rate had an unstable run.
    public var largestStableLR: Double?
    /// Whether `largestStableLR` is the largest rate of the grid: the variant may be stable beyond it.
    public var atGridEdge: Bool

    /// The cell of `groups`, which share every grouping key but `lr` and have numeric learning rates.
    init(cell: String, preset: String, settings: [String: SettingValue], groups: [(lr: Double, group: StabilityGroup)])
    {
        self.cell = cell
        self.preset = preset
        self.settings = settings
        learningRates = Set(groups.map(\.lr)).sorted()
        stableLearningRates = Set(groups.filter(\.group.isStable).map(\.lr)).sorted()
        largestStableLR = stableLearningRates.last
        atGridEdge = largestStableLR != nil && largestStableLR == learningRates.last
    }

    private enum CodingKeys: String, CodingKey {
        case cell, preset, settings, learningRates, stableLearningRates, atGridEdge
        // Spelt as the document has it: the key strategy would split an upper-case "LR" letter by letter.
        case largestStableLR = "largest_stable_lr"
    }

    /// As analysis/ANALYZE_JSON.md says: `largest_stable_lr` is null, not absent, when no rate was stable.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(cell, forKey: .cell)
        try container.encode(preset, forKey: .preset)
        try container.encode(settings, forKey: .settings)
        try container.encode(learningRates, forKey: .learningRates)
        try container.encode(stableLearningRates, forKey: .stableLearningRates)
        try container.encodeFinite(largestStableLR ?? .nan, forKey: .largestStableLR)
        try container.encode(atGridEdge, forKey: .atGridEdge)
    }
}
