import Foundation

/// When a run counts as diverged: a loss or gradient norm that is not finite, or a loss above a threshold —
/// `divergence_loss` when the run sets it, otherwise 1000 × the first step's loss. Training that has blown up
/// (AdaNorm at lr = 1e30 keeps finite losses near 1e30) would otherwise be recorded as completed, and its numbers
/// averaged with the others.
public struct DivergenceThreshold: Sendable, Equatable {
    /// The default threshold's multiple of the first step's loss.
    public static let firstLossMultiple = 1000.0

    /// The run's `divergence_loss`, nil for the default.
    public let configured: Double?
    /// The threshold in force, once known (the configured one, or set by the first finite positive loss).
    public private(set) var limit: Double?

    public init(configured: Double?) {
        self.configured = configured
        limit = configured
    }

    /// Why the step with this loss and gradient norm diverged, or nil when it did not. Call once per step, in
    /// order: the first step's loss sets the default threshold.
    public mutating func reason(loss: Double, gradientNorm: Double) -> String? {
        if loss.isNaN { return "the loss is NaN" }
        if !loss.isFinite { return "the loss is infinite" }
        if !gradientNorm.isFinite { return "the gradient norm is not finite (\(gradientNorm))" }
        guard isPassed(by: loss), let limit else { return nil }
        return "the loss \(Self.format(loss)) is above the divergence threshold \(Self.format(limit)) (\(source))"
    }

    /// Whether a finite `loss` is above the threshold; the first positive one sets the default threshold. Call
    /// once per step, in order (also what analysis does with the `steps` rows of a finished run).
    public mutating func isPassed(by loss: Double) -> Bool {
        if limit == nil, loss > 0 { limit = Self.firstLossMultiple * loss }
        guard let limit else { return false }
        return loss > limit
    }

    /// Where the threshold in force comes from, for messages.
    public var source: String { configured != nil ? "divergence_loss" : "1000 × the first step's loss" }

    /// Short and exact enough for a message: 4 significant digits (`2303`, `1e+30`).
    public static func format(_ value: Double) -> String { String(format: "%.4g", value) }
}
