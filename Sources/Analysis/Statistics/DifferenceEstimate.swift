/// One comparison of a variant's runs with the baseline's, for one quantity: the difference of means with Welch's
/// test, a bootstrap confidence interval, Hedges' g, both n's and the verdict they support.
///
/// This is the record a comparison table row or JSON entry holds. Every part drops non-finite values first, so all
/// of them describe the same `count` and `baselineCount` runs.
///
/// Encoded, its keys are the property names (snake_case under `JSONEncoder.KeyEncodingStrategy.convertToSnakeCase`)
/// and every NaN or ±inf is `null` rather than a string, including Welch's fields:
///
/// ```json
/// {"difference": -0.12, "mean": 1.03, "baseline_mean": 1.15, "count": 5, "baseline_count": 5,
///  "welch": {"difference": -0.12, "t": -3.1, "degrees_of_freedom": 7.6, "p": 0.015, "reason": null},
///  "interval": {"method": "percentile bootstrap, B = 4000, seed 20191107", "level": 0.95, "lower": -0.19, …},
///  "effect_size": {"g": -1.7, "cohens_d": -1.9, …}, "verdict": "lower"}
/// ```
public struct DifferenceEstimate: Sendable, Codable, Equatable {
    /// mean(a) − mean(b), over the finite values.
    public var difference: Double
    /// mean(a), the variant's.
    public var mean: Double
    /// mean(b), the baseline's.
    public var baselineMean: Double
    /// n₁, the variant's finite values.
    public var count: Int
    /// n₂, the baseline's finite values.
    public var baselineCount: Int
    public var welch: WelchTest
    public var interval: BootstrapInterval
    public var effectSize: EffectSize
    /// What ``interval`` and ``welch`` support (see ``ComparisonVerdict/init(_:welch:)``).
    public var verdict: ComparisonVerdict

    /// Compares sample `a` with the baseline sample `b`.
    ///
    /// - Parameters:
    ///   - a: The variant's values, one per run; non-finite values are dropped.
    ///   - b: The baseline's values, one per run; non-finite values are dropped.
    ///   - level: The interval's nominal coverage.
    ///   - resamples: The bootstrap's B, at least ``BootstrapInterval/minimumResamples``.
    ///   - seed: The bootstrap's seed.
    public init(
        _ a: [Double], baseline b: [Double], level: Double = 0.95,
        resamples: Int = BootstrapInterval.defaultResamples, seed: UInt64 = BootstrapInterval.defaultSeed
    ) {
        let x = Aggregate(a)
        let y = Aggregate(b)
        mean = x.mean
        baselineMean = y.mean
        count = x.count
        baselineCount = y.count
        welch = WelchTest(a, b)
        difference = welch.difference
        interval = BootstrapInterval(a, b, level: level, resamples: resamples, seed: seed)
        effectSize = EffectSize(a, b)
        verdict = ComparisonVerdict(interval, welch: welch)
    }

    // MARK: - Codable and Equatable

    private enum CodingKeys: String, CodingKey {
        case difference, mean, baselineMean, count, baselineCount, welch, interval, effectSize, verdict
    }

    /// `WelchTest`'s own keys; its synthesized coding would write NaN as a number JSON cannot hold. `reason` says
    /// why `p` is null, in a sentence (``WelchTest/Undefined/sentence``), as the interval's and effect size's do.
    private enum WelchKeys: String, CodingKey {
        case difference, t, degreesOfFreedom, p, reason
    }

    /// Writes every NaN and ±inf as `null` (see ``KeyedEncodingContainer/encodeFinite(_:forKey:)``).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeFinite(difference, forKey: .difference)
        try container.encodeFinite(mean, forKey: .mean)
        try container.encodeFinite(baselineMean, forKey: .baselineMean)
        try container.encode(count, forKey: .count)
        try container.encode(baselineCount, forKey: .baselineCount)
        var test = container.nestedContainer(keyedBy: WelchKeys.self, forKey: .welch)
        try test.encodeFinite(welch.difference, forKey: .difference)
        try test.encodeFinite(welch.t, forKey: .t)
        try test.encodeFinite(welch.degreesOfFreedom, forKey: .degreesOfFreedom)
        try test.encodeFinite(welch.p, forKey: .p)
        try test.encode(welch.reason, forKey: .reason)
        try container.encode(interval, forKey: .interval)
        try container.encode(effectSize, forKey: .effectSize)
        try container.encode(verdict, forKey: .verdict)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        difference = try container.decodeFinite(forKey: .difference)
        mean = try container.decodeFinite(forKey: .mean)
        baselineMean = try container.decodeFinite(forKey: .baselineMean)
        count = try container.decode(Int.self, forKey: .count)
        baselineCount = try container.decode(Int.self, forKey: .baselineCount)
        let test = try container.nestedContainer(keyedBy: WelchKeys.self, forKey: .welch)
        // WelchTest has no memberwise initializer; an empty test (all NaN) is filled in instead.
        welch = WelchTest([], [])
        welch.difference = try test.decodeFinite(forKey: .difference)
        welch.t = try test.decodeFinite(forKey: .t)
        welch.degreesOfFreedom = try test.decodeFinite(forKey: .degreesOfFreedom)
        welch.p = try test.decodeFinite(forKey: .p)
        let reason = try test.decodeIfPresent(String.self, forKey: .reason)
        welch.undefined = WelchTest.Undefined.allCases.first { $0.sentence == reason }
        interval = try container.decode(BootstrapInterval.self, forKey: .interval)
        effectSize = try container.decode(EffectSize.self, forKey: .effectSize)
        verdict = try container.decode(ComparisonVerdict.self, forKey: .verdict)
    }

    /// Field by field, with NaN equal to NaN (Welch's fields included, which `WelchTest`'s own `==` does not do).
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.difference.isSameValue(as: rhs.difference) && lhs.mean.isSameValue(as: rhs.mean)
            && lhs.baselineMean.isSameValue(as: rhs.baselineMean) && lhs.count == rhs.count
            && lhs.baselineCount == rhs.baselineCount && lhs.welch.difference.isSameValue(as: rhs.welch.difference)
            && lhs.welch.t.isSameValue(as: rhs.welch.t)
            && lhs.welch.degreesOfFreedom.isSameValue(as: rhs.welch.degreesOfFreedom)
            && lhs.welch.p.isSameValue(as: rhs.welch.p) && lhs.welch.undefined == rhs.welch.undefined
            && lhs.interval == rhs.interval
            && lhs.effectSize == rhs.effectSize && lhs.verdict == rhs.verdict
    }
}
