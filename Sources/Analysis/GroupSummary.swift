/// A quantity over a group's runs: mean, sample standard deviation and n — never a number without its n.
public struct Aggregate: Sendable, Codable, Equatable {
    public var mean: Double
    /// Sample standard deviation (n − 1); NaN for n < 2.
    public var standardDeviation: Double
    public var count: Int

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        let average = finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        count = finite.count
        mean = average
        standardDeviation =
            finite.count < 2
            ? .nan
            : (finite.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(finite.count - 1)).squareRoot()
    }

    /// `mean ± sd (n)`.
    public func formatted(_ digits: Int = 4) -> String {
        guard count > 0 else { return "—" }
        let m = Self.format(mean, digits)
        return standardDeviation.isFinite
            ? "\(m) ± \(Self.format(standardDeviation, digits)) (\(count))" : "\(m) (\(count))"
    }

    /// Fixed digits for ordinary magnitudes; scientific beyond 10⁶ (a diverging loss), where fixed digits would
    /// print a 30-digit number.
    static func format(_ value: Double, _ digits: Int) -> String {
        abs(value) >= 1e6 ? String(format: "%.\(max(1, digits - 1))e", value) : String(format: "%.\(digits)f", value)
    }
}

/// One group's runs (a preset at one setting of the grouping keys) aggregated over seeds.
public struct GroupSummary: Sendable, Codable, Equatable {
    /// The group's name: `layernorm`, or `layernorm lr=0.0003` when settings vary.
    public var group: String
    public var preset: String
    /// The group's values of the grouping keys.
    public var settings: [String: SettingValue]
    public var runs: Int
    public var diverged: Int
    /// Runs still running (or whose recorder was killed), interrupted, or of unknown status.
    public var unfinished: Int
    public var finalValidLoss: Aggregate
    public var finalValidAccuracy: Aggregate
    public var bestValidLoss: Aggregate
    public var bestValidAccuracy: Aggregate
    public var gapAtEnd: Aggregate
    public var gapAtBest: Aggregate
    public var gapLastTenth: Aggregate
    /// The test split at the best-validation evaluation (n 0 where the trace did not measure it).
    public var testLossAtBest: Aggregate
    public var testAccuracyAtBest: Aggregate
    /// For language models, in bits per character: the best validation loss and the test loss at its step.
    public var bestValidBitsPerCharacter: Aggregate
    public var testBitsPerCharacterAtBest: Aggregate

    /// Aggregates the runs of one group.
    public init(group: String, preset: String, settings: [String: SettingValue], runs: [RunSummary]) {
        self.group = group
        self.preset = preset
        self.settings = settings
        self.runs = runs.count
        diverged = runs.filter { $0.divergedAtStep != nil }.count
        unfinished = runs.filter { !$0.isFinished }.count
        finalValidLoss = Aggregate(runs.map(\.finalValidLoss))
        finalValidAccuracy = Aggregate(runs.map(\.finalValidAccuracy))
        bestValidLoss = Aggregate(runs.map(\.bestValidLoss))
        bestValidAccuracy = Aggregate(runs.map(\.bestValidAccuracy))
        gapAtEnd = Aggregate(runs.map(\.gapAtEnd))
        gapAtBest = Aggregate(runs.map(\.gapAtBest))
        gapLastTenth = Aggregate(runs.map(\.gapLastTenth))
        testLossAtBest = Aggregate(runs.map(\.testLossAtBest))
        testAccuracyAtBest = Aggregate(runs.map(\.testAccuracyAtBest))
        bestValidBitsPerCharacter = Aggregate(runs.map { $0.bitsPerCharacter($0.bestValidLoss) })
        testBitsPerCharacterAtBest = Aggregate(runs.map { $0.bitsPerCharacter($0.testLossAtBest) })
    }
}
