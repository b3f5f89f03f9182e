import Foundation
import Recording

/// A run whose loss passed the divergence threshold although the file does not record it as diverged: traces
/// from before the recorder checked the threshold hold such runs as `completed` (AdaNorm at lr = 1e30 kept finite
/// losses near 1e30), and their numbers would be averaged with the others.
///
/// The threshold is the recorder's: the run's `divergence_loss` setting, or 1000 × its first step's loss.
struct LossBlowUp: Sendable, Equatable {
    /// The first step whose loss passed the threshold.
    var step: Int64
    var loss: Double
    var threshold: Double
    /// Why the run is counted as diverged, for the notes.
    var reason: String

    /// Follows a run's `steps` rows in order and keeps the first one whose loss passed the threshold.
    struct Watch {
        let configured: Double?
        private var threshold: Double?
        private(set) var found: LossBlowUp?

        init(configured: Double?) {
            self.configured = configured.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
            threshold = self.configured
        }

        mutating func add(_ row: StepRow) {
            guard found == nil, row.loss.isFinite else { return }
            if threshold == nil, row.loss > 0 { threshold = 1000 * row.loss }
            guard let threshold, row.loss > threshold else { return }
            let source = configured != nil ? "its divergence_loss" : "1000 × its first step's loss"
            found = LossBlowUp(
                step: row.step, loss: row.loss, threshold: threshold,
                reason: "its loss \(Self.format(row.loss)) at step \(row.step) is above \(Self.format(threshold)) "
                    + "(\(source)); counted as diverged there, although the file records it as finished")
        }

        static func format(_ value: Double) -> String { String(format: "%.4g", value) }
    }
}
