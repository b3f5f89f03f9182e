/// What a comparison of a variant's runs with the baseline's lets the reproduction study say: whether the variant's
/// value is lower, higher, or not distinguishable at the n it was measured with.
///
/// A direction needs two methods to agree: the bootstrap interval of the difference (variant − baseline) must lie
/// wholly below (or above) 0 *and* Welch's two-sided p must be below `alpha` (0.05). The percentile bootstrap alone
/// is too narrow at the run counts of a seed sweep — in simulation its 95% interval covered a zero difference in
/// 67% of pairs at n = 2 and 81% at n = 3 — so it would call one seed's luck a direction; Welch's test with its few
/// degrees of freedom is conservative exactly there. Otherwise the verdict is "not distinguishable", always naming
/// both n's, because "not distinguishable at n = 3/3" is a statement about the experiment, not about the variants.
///
/// Its encoded form is one string, ``description``, whose grammar is stable:
///
/// ```
/// lower
/// higher
/// not distinguishable at n = <count>/<baseline count>
/// not distinguishable at n = <count>/<baseline count> (too few runs)
/// ```
///
/// "too few runs" is added when either sample has fewer than 2 values, so that there is no interval at all.
public enum ComparisonVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The whole interval is below 0.
    case lower
    /// The whole interval is above 0.
    case higher
    /// The interval contains 0, or there is none (``isTooFewRuns``).
    case notDistinguishable(count: Int, baselineCount: Int)

    /// The significance level Welch's p must be below for a direction.
    public static let alpha = 0.05

    /// The verdict the interval supports.
    ///
    /// A bound at exactly 0 does not exclude 0; an interval with a NaN bound (too few runs) supports no direction.
    ///
    /// - Parameters:
    ///   - interval: The interval of the difference, variant − baseline.
    ///   - welch: Welch's test of the same samples; when given, a direction also needs `p < alpha`.
    public init(_ interval: BootstrapInterval, welch: WelchTest? = nil) {
        // Welch's p is NaN with two runs or more a side only when neither sample varies: the difference is then
        // exact, and the interval (a single point) decides.
        let exact = min(interval.count, interval.baselineCount) >= 2
        let significant = welch.map { $0.p < Self.alpha || ($0.p.isNaN && exact) } ?? true
        if interval.upper < 0, significant {
            self = .lower
        } else if interval.lower > 0, significant {
            self = .higher
        } else {
            self = .notDistinguishable(count: interval.count, baselineCount: interval.baselineCount)
        }
    }

    /// Whether the verdict is "not distinguishable" because a sample has fewer than 2 values.
    public var isTooFewRuns: Bool {
        guard case .notDistinguishable(let count, let baselineCount) = self else { return false }
        return min(count, baselineCount) < 2
    }

    /// `lower`, `higher`, `not distinguishable at n = 3/5`, or `not distinguishable at n = 1/5 (too few runs)`.
    public var description: String {
        switch self {
        case .lower: "lower"
        case .higher: "higher"
        case .notDistinguishable(let count, let baselineCount):
            "not distinguishable at n = \(count)/\(baselineCount)" + (isTooFewRuns ? " (too few runs)" : "")
        }
    }

    /// Parses a ``description``; nil for any other text.
    public init?(description text: String) {
        switch text {
        case "lower": self = .lower
        case "higher": self = .higher
        default:
            let prefix = "not distinguishable at n = "
            guard text.hasPrefix(prefix) else { return nil }
            let counts = text.dropFirst(prefix.count).split(separator: " ", maxSplits: 1)
            let pair = counts.first.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
            guard pair.count == 2, let count = Int(pair[0]), let baselineCount = Int(pair[1]), count >= 0,
                baselineCount >= 0
            else { return nil }
            self = .notDistinguishable(count: count, baselineCount: baselineCount)
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
                    "expected \"lower\", \"higher\" or \"not distinguishable at n = <n>/<n>[ (too few runs)]\", "
                    + "got \"\(text)\"")
        }
        self = verdict
    }
}
