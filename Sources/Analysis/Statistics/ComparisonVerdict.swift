/// What a comparison of a variant's runs with the baseline's lets the reproduction study say: whether the variant's
/// value is lower, higher, or not distinguishable at the n it was measured with.
///
/// The verdict reads only the confidence interval of the difference (variant − baseline): "lower" when the whole
/// interval is below 0, "higher" when it is wholly above 0, and otherwise not distinguishable, always naming both
/// n's, because "not distinguishable at n = 3/3" is a statement about the experiment, not about the variants.
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

    /// The verdict the interval supports.
    ///
    /// A bound at exactly 0 does not exclude 0; an interval with a NaN bound (too few runs) supports no direction.
    ///
    /// - Parameter interval: The interval of the difference, variant − baseline.
    public init(_ interval: BootstrapInterval) {
        if interval.upper < 0 {
            self = .lower
        } else if interval.lower > 0 {
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
