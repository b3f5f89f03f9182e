/// How a configuration's adaptive factor is named in a trace's `norm_adaptive` setting and in run names.
public enum AdaptiveKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// AdaNorm as the paper has it: Φ(y) detached in backward.
    case adanorm
    /// Φ(y) = C(1 − k·y) kept in backward (`adanorm_detached: false`).
    case adanormUndetached = "adanorm-undetached"
    /// No adaptive factor.
    case none

    /// The kind of `factor` (nil: none).
    public init(_ factor: AdaptiveFactor?) {
        self = factor.map { $0.detached ? .adanorm : .adanormUndetached } ?? .none
    }
}
