import Foundation

/// A learning rate for each update: a linear warm-up to a peak, then a constant rate, fairseq's inverse square
/// root decay, or a cosine decay to a minimum.
///
/// Steps count updates from 0: `learningRate(atStep: s)` is the rate for the update made after `s` earlier updates,
/// so the first update uses step 0. The values match fairseq's: fairseq starts at `warmup_init_lr` and, after each
/// update, sets the rate for the next one with `step_update(num_updates)`, where `num_updates` (1 after the first
/// update) is exactly the number of earlier updates, `s`.
///
/// Concretely, with initial rate `lr₀`, peak `lr*`, `W` warm-up steps and, for the cosine, a minimum `lr_min`
/// reached at step `N`:
///
/// ```
/// warm-up      (s < W):  lr(s) = lr₀ + (lr* − lr₀)·s / W
/// constant     (s ≥ W):  lr(s) = lr*
/// inverse √    (s ≥ W):  lr(s) = lr*·√W / √s                       (fairseq inverse_sqrt; W ≥ 1)
/// cosine   (W ≤ s ≤ N):  lr(s) = lr_min + (lr* − lr_min)·(1 + cos(π·(s − W) / (N − W))) / 2
///          (s > N):      lr(s) = lr_min
/// ```
///
/// Every branch meets the warm-up at `lr(W) = lr*`, and the inverse square root halves the peak at `s = 4W`. The
/// cosine reaches `lr_min` at step `N`, the schedule's last step (fairseq's and Hugging Face's `max_update` and
/// `num_training_steps` play this role), and stays there.
public struct LearningRateSchedule: Sendable, Hashable {
    /// What follows the warm-up.
    public enum Decay: Sendable, Hashable {
        /// The peak rate forever.
        case constant
        /// fairseq's `inverse_sqrt`: `lr*·√W / √s`, which needs at least one warm-up step.
        case inverseSquareRoot
        /// Half a cosine period from the peak at step `W` down to `minimum` at step `totalSteps`, then `minimum`.
        case cosine(totalSteps: Int, minimum: Double)
    }

    /// The rate `lr*` reached at the end of the warm-up.
    public var peak: Double
    /// The number of warm-up steps `W`; 0 starts at the peak.
    public var warmupSteps: Int
    /// The rate `lr₀` at step 0, where the warm-up starts (fairseq's `warmup_init_lr`).
    public var initial: Double
    /// The decay after the warm-up.
    public var decay: Decay

    /// A schedule.
    ///
    /// - Parameters:
    ///   - peak: The rate `lr*` at the end of the warm-up; at least 0.
    ///   - warmupSteps: The number of warm-up steps `W`, at least 0 (at least 1 for the inverse square root);
    ///     defaults to 0.
    ///   - initial: The rate `lr₀` the warm-up starts from, at least 0; defaults to 0, which is what fairseq uses
    ///     when `warmup_init_lr` is left at −1 and there is a warm-up.
    ///   - decay: What follows the warm-up; defaults to `.constant`. A cosine's `totalSteps` exceeds `W`.
    public init(peak: Double, warmupSteps: Int = 0, initial: Double = 0, decay: Decay = .constant) {
        precondition(
            peak >= 0 && initial >= 0, "LearningRateSchedule expects rates of at least 0, got \(peak), \(initial)")
        precondition(warmupSteps >= 0, "LearningRateSchedule expects at least 0 warm-up steps, got \(warmupSteps)")
        switch decay {
        case .constant:
            break
        case .inverseSquareRoot:
            precondition(
                warmupSteps >= 1,
                "LearningRateSchedule expects at least 1 warm-up step with the inverse square root decay, got 0")
        case .cosine(let totalSteps, let minimum):
            precondition(
                totalSteps > warmupSteps,
                "LearningRateSchedule expects a cosine's total steps to exceed the \(warmupSteps) warm-up steps, "
                    + "got \(totalSteps)")
            precondition(minimum >= 0, "LearningRateSchedule expects a minimum rate of at least 0, got \(minimum)")
        }
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.initial = initial
        self.decay = decay
    }

    /// The rate for the update made after `step` earlier updates.
    ///
    /// - Parameter step: The 0-based update index `s`; at least 0.
    public func learningRate(atStep step: Int) -> Double {
        precondition(step >= 0, "LearningRateSchedule expects a step of at least 0, got \(step)")
        if step < warmupSteps {
            return initial + (peak - initial) * Double(step) / Double(warmupSteps)
        }
        switch decay {
        case .constant:
            return peak
        case .inverseSquareRoot:
            // fairseq's decay_factor = lr*·√W, so the decay meets the warm-up exactly at s = W.
            return peak * Double(warmupSteps).squareRoot() / Double(step).squareRoot()
        case .cosine(let totalSteps, let minimum):
            guard step < totalSteps else { return minimum }
            let progress = Double(step - warmupSteps) / Double(totalSteps - warmupSteps)
            return minimum + (peak - minimum) * (1 + cos(Double.pi * progress)) / 2
        }
    }
}
