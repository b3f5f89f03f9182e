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
        private var threshold: DivergenceThreshold
        private(set) var found: LossBlowUp?

        /// - Parameter configured: the run's `divergence_loss`; ignored unless finite and positive.
        init(configured: Double?) {
            threshold = DivergenceThreshold(configured: configured.flatMap { $0.isFinite && $0 > 0 ? $0 : nil })
        }

        mutating func add(_ row: StepRow) {
            // Non-finite losses are the recorder's own divergences, recorded as such.
            guard found == nil, row.loss.isFinite, threshold.isPassed(by: row.loss), let limit = threshold.limit
            else { return }
            let format = DivergenceThreshold.format
            found = LossBlowUp(
                step: row.step, loss: row.loss, threshold: limit,
                reason: "its loss \(format(row.loss)) at step \(row.step) is above \(format(limit)) "
                    + "(\(threshold.source)); counted as diverged there, although the file records it as finished")
        }
    }
}
