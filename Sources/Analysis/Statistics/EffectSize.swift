/// Hedges' g: the difference of two samples' means in units of their pooled standard deviation, corrected for the
/// bias of small samples.
///
/// Concretely, with the finite values of `a` (n₁, mean m₁, sample variance s₁²) and `b` (n₂, m₂, s₂²):
///
/// ```
/// s_p = √(((n₁ − 1)s₁² + (n₂ − 1)s₂²) / (n₁ + n₂ − 2))     (pooled standard deviation)
/// d   = (m₁ − m₂) / s_p                                      (Cohen's d)
/// J   = 1 − 3 / (4(n₁ + n₂) − 9)                             (Hedges' approximation of the exact correction)
/// g   = J · d
/// ```
///
/// Undefined and unbounded cases, each with a ``reason``:
/// - fewer than 2 finite values in either sample: g = NaN (there is no variance to pool);
/// - s_p = 0 and m₁ = m₂: g = NaN (0/0);
/// - s_p = 0 and m₁ ≠ m₂: g = ±inf with the sign of m₁ − m₂. Runs that do not vary at all but differ are infinitely
///   many standard deviations apart; a large finite stand-in would invite comparison with real effect sizes. JSON
///   writes it as `null`, so the sign survives there only in the difference of means next to it.
///
/// Values that are NaN or ±inf on input (a diverged run's loss) are dropped before anything is computed, as in
/// ``Aggregate``.
///
/// ### References
/// - L. Hedges, "Distribution theory for Glass's estimator of effect size and related estimators", Journal of
///   Educational Statistics 6 (1981).
public struct EffectSize: Sendable, Codable, Equatable {
    /// Hedges' g, J · d.
    public var g: Double
    /// Cohen's d with the pooled standard deviation, before the correction.
    public var cohensD: Double
    /// n₁, the finite values of `a`.
    public var count: Int
    /// n₂, the finite values of `b` (the baseline).
    public var baselineCount: Int
    /// Why g is NaN or ±inf, or nil when it is finite.
    public var reason: String?

    /// The standardized difference of `a` and `b`'s means, a − b.
    ///
    /// - Parameters:
    ///   - a: The sample compared, such as a variant's runs.
    ///   - b: The baseline sample.
    public init(_ a: [Double], _ b: [Double]) {
        let x = Aggregate(a)
        let y = Aggregate(b)
        count = x.count
        baselineCount = y.count
        guard x.count >= 2, y.count >= 2 else {
            (g, cohensD) = (.nan, .nan)
            reason =
                "too few runs: n = \(x.count)/\(y.count), pooling a variance needs at least 2 finite values in each"
            return
        }
        let (n1, n2) = (Double(x.count), Double(y.count))
        let difference: Double
        let pooledVariance: Double
        if let u = a.constantFiniteValue, let v = b.constantFiniteValue {
            // Tested as such: the two-pass mean and variance of a constant sample can carry a rounding residue, which
            // would turn "no spread" into a g of 1e15 and equal means into ±inf.
            (difference, pooledVariance) = (u - v, 0)
        } else {
            difference = x.mean - y.mean
            pooledVariance =
                ((n1 - 1) * x.standardDeviation * x.standardDeviation + (n2 - 1) * y.standardDeviation
                    * y.standardDeviation)
                / (n1 + n2 - 2)
        }
        let correction = 1 - 3 / (4 * (n1 + n2) - 9)
        cohensD = difference / pooledVariance.squareRoot()
        g = correction * cohensD
        if pooledVariance == 0 {
            reason =
                difference == 0
                ? "undefined: neither sample varies and their means are equal"
                : "unbounded: neither sample varies but their means differ"
        } else {
            reason = g.isFinite ? nil : "not finite: the values overflow Double"
        }
    }

    // MARK: - Codable and Equatable

    private enum CodingKeys: String, CodingKey {
        case g, cohensD, count, baselineCount, reason
    }

    /// Writes NaN and ±inf as `null` (see ``KeyedEncodingContainer/encodeFinite(_:forKey:)``); ``reason`` says which.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeFinite(g, forKey: .g)
        try container.encodeFinite(cohensD, forKey: .cohensD)
        try container.encode(count, forKey: .count)
        try container.encode(baselineCount, forKey: .baselineCount)
        try container.encode(reason, forKey: .reason)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        g = try container.decodeFinite(forKey: .g)
        cohensD = try container.decodeFinite(forKey: .cohensD)
        count = try container.decode(Int.self, forKey: .count)
        baselineCount = try container.decode(Int.self, forKey: .baselineCount)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
    }

    /// Field by field, with NaN equal to NaN.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.g.isSameValue(as: rhs.g) && lhs.cohensD.isSameValue(as: rhs.cohensD) && lhs.count == rhs.count
            && lhs.baselineCount == rhs.baselineCount && lhs.reason == rhs.reason
    }
}
