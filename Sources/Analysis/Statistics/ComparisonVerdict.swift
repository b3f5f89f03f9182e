/// What a comparison of a variant's runs with the baseline's lets the reproduction study say: whether the variant's
/// value is lower, higher, or not distinguishable at the n it was measured with — by one rule in every case.
///
/// The rule, in order:
///
/// 1. Fewer than 2 finite values on a side: `not distinguishable at n = n₁/n₂ (too few runs)` — there is neither a
///    variance nor an interval.
/// 2. Neither side varies (every run of each side has the same value): `no test at n = n₁/n₂ (zero variance)`.
///    Welch's t divides by the pooled spread, which is 0, so there is no p and no direction is claimed, whatever
///    the difference of means (which the estimate still gives): runs that do not vary over seeds show that the seed
///    does not reach the quantity, not that the difference would hold at other seeds.
/// 3. Otherwise a direction needs two methods to agree: the bootstrap interval of the difference (variant −
///    baseline) wholly below (or above) 0 *and* Welch's two-sided p below `alpha` (0.05): `lower` or `higher`. The
///    percentile bootstrap alone is too narrow at the run counts of a seed sweep — in simulation its 95% interval
///    covered a zero difference in 67% of pairs at n = 2 and 81% at n = 3 — so it would call one seed's luck a
///    direction; Welch's test with its few degrees of freedom is conservative exactly there.
/// 4. Anything else (the interval contains 0, p ≥ 0.05, or the values overflow) is `not distinguishable at n =
///    n₁/n₂`, always naming both n's, because "not distinguishable at n = 3/3" is a statement about the
///    experiment, not about the variants.
///
/// Its encoded form is one string, ``description``, whose grammar is stable:
///
/// ```
/// lower
/// higher
/// not distinguishable at n = <count>/<baseline count>
/// not distinguishable at n = <count>/<baseline count> (too few runs)
/// no test at n = <count>/<baseline count> (zero variance)
/// ```
public enum ComparisonVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The whole interval is below 0 and p < alpha.
    case lower
    /// The whole interval is above 0 and p < alpha.
    case higher
    /// The interval contains 0 or p ≥ alpha, or there is no interval (``isTooFewRuns``).
    case notDistinguishable(count: Int, baselineCount: Int)
    /// Neither side varies: Welch's test is undefined, so no direction is claimed.
    case noTest(count: Int, baselineCount: Int)

    /// The significance level Welch's p must be below for a direction.
    public static let alpha = 0.05

    /// The verdict the interval and Welch's test of the same samples support, by the rule above.
    ///
    /// A bound at exactly 0 does not exclude 0.
    ///
    /// - Parameters:
    ///   - interval: The interval of the difference, variant − baseline.
    ///   - welch: Welch's test of the same samples.
    public init(_ interval: BootstrapInterval, welch: WelchTest) {
        let (count, baselineCount) = (interval.count, interval.baselineCount)
        if min(count, baselineCount) >= 2, welch.undefined == .zeroVariance {
            self = .noTest(count: count, baselineCount: baselineCount)
        } else if welch.p < Self.alpha, interval.upper < 0 {
            self = .lower
        } else if welch.p < Self.alpha, interval.lower > 0 {
            self = .higher
        } else {
            self = .notDistinguishable(count: count, baselineCount: baselineCount)
        }
    }

    /// Whether the verdict is "not distinguishable" because a sample has fewer than 2 values.
    public var isTooFewRuns: Bool {
        guard case .notDistinguishable(let count, let baselineCount) = self else { return false }
        return min(count, baselineCount) < 2
    }

    /// `lower`, `higher`, `not distinguishable at n = 3/5`, `not distinguishable at n = 1/5 (too few runs)` or
    /// `no test at n = 2/2 (zero variance)`.
    public var description: String {
        switch self {
        case .lower: "lower"
        case .higher: "higher"
        case .notDistinguishable(let count, let baselineCount):
            "not distinguishable at n = \(count)/\(baselineCount)" + (isTooFewRuns ? " (too few runs)" : "")
        case .noTest(let count, let baselineCount):
            "no test at n = \(count)/\(baselineCount) (zero variance)"
        }
    }

    /// Parses a ``description``; nil for any other text.
    public init?(description text: String) {
        switch text {
        case "lower": self = .lower
        case "higher": self = .higher
        default:
            let forms: [(prefix: String, make: (Int, Int) -> ComparisonVerdict)] = [
                ("not distinguishable at n = ", { .notDistinguishable(count: $0, baselineCount: $1) }),
                ("no test at n = ", { .noTest(count: $0, baselineCount: $1) }),
            ]
            guard let form = forms.first(where: { text.hasPrefix($0.prefix) }) else { return nil }
            let counts = text.dropFirst(form.prefix.count).split(separator: " ", maxSplits: 1)
            let pair = counts.first.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
            guard pair.count == 2, let count = Int(pair[0]), let baselineCount = Int(pair[1]), count >= 0,
                baselineCount >= 0
            else { return nil }
            self = form.make(count, baselineCount)
            // Neither side varying is only told with 2 runs a side; below that the verdict is "too few runs".
            if case .noTest = self, min(count, baselineCount) < 2 { return nil }
            // The suffix must be there exactly when the counts call for it, so a description round-trips.
            guard text == description else { return nil }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let verdict = Self(description: text) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription:
                    "expected \"lower\", \"higher\", \"not distinguishable at n = <n>/<n>[ (too few runs)]\" or "
                    + "\"no test at n = <n>/<n> (zero variance)\", got \"\(text)\"")
        }
        self = verdict
    }
}
