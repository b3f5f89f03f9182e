/// What the stability rule says of one run (analysis/METHODS.md, "Stability over a learning-rate grid", rules
/// 1–3): it diverged, it stalled at the data's prior loss, it trained, or it did not finish and is left out.
public enum RunStability: String, Sendable, Codable, CaseIterable {
    case diverged, stalled, stable, unfinished

    /// A run stalls when its best validation loss is NaN or above this fraction of its prior loss: it learned
    /// less than 5% beyond the data's frequencies.
    public static let stallFraction = 0.95

    /// The rule applied to a run's summary, from the values every other table uses: its divergence step (the
    /// recorded one, or the one analysis found) and its `best_valid_loss` from before it (METHODS.md, "Comparing
    /// groups", rule 4).
    public init(_ run: RunSummary) {
        // A run recorded as diverged whose step is unreadable is still diverged: judged by its evaluations before
        // the blow-up it would pass for stable, and could lift its cell's largest stable rate.
        if run.divergedAtStep != nil || run.status == .diverged {
            self = .diverged
        } else if !run.isFinished {
            self = .unfinished
        } else if let prior = run.priorLoss, prior.isFinite, prior > 0,
            // Written so that a NaN best loss (no usable evaluation) stalls too.
            !(run.bestValidLoss <= Self.stallFraction * prior)
        {
            self = .stalled
        } else {
            self = .stable
        }
    }
}
