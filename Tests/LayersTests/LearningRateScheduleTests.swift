import Foundation
import Layers
import TestSupport
import Testing

@Suite("LearningRateSchedule")
struct LearningRateScheduleTests {
    @Test(
        "warm-up rises linearly from the initial rate at step 0 to the peak at step W",
        arguments: [LearningRateSchedule.Decay.constant, .inverseSquareRoot, .cosine(totalSteps: 100, minimum: 1e-5)])
    func warmup(decay: LearningRateSchedule.Decay) {
        let schedule = LearningRateSchedule(peak: 5e-4, warmupSteps: 40, initial: 1e-7, decay: decay)
        #expect(schedule.learningRate(atStep: 0) == 1e-7)
        #expect(
            isApproximatelyEqual(schedule.learningRate(atStep: 10), 1e-7 + (5e-4 - 1e-7) / 4, relativeTolerance: 1e-14))
        #expect(isApproximatelyEqual(schedule.learningRate(atStep: 20), (1e-7 + 5e-4) / 2, relativeTolerance: 1e-14))
        #expect(
            isApproximatelyEqual(schedule.learningRate(atStep: 39), 5e-4 - (5e-4 - 1e-7) / 40, relativeTolerance: 1e-14)
        )
        #expect(schedule.learningRate(atStep: 40) == 5e-4)
        let rates = (0...40).map(schedule.learningRate(atStep:))
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test("the default initial rate is 0, and without warm-up the schedule starts at the peak")
    func defaults() {
        #expect(LearningRateSchedule(peak: 0.1, warmupSteps: 10).learningRate(atStep: 0) == 0)
        let noWarmup = LearningRateSchedule(peak: 0.1)
        #expect(noWarmup.learningRate(atStep: 0) == 0.1 && noWarmup.learningRate(atStep: 1000) == 0.1)
    }

    @Test("inverse square root meets the warm-up at the peak, halves it at 4W, and follows fairseq's formula")
    func inverseSquareRoot() {
        let (peak, warmup) = (7e-4, 4000)
        let schedule = LearningRateSchedule(peak: peak, warmupSteps: warmup, decay: .inverseSquareRoot)
        #expect(schedule.learningRate(atStep: warmup) == peak)
        // Continuity: one step either side of W moves the rate by less than one warm-up increment.
        let increment = peak / Double(warmup)
        #expect(abs(schedule.learningRate(atStep: warmup - 1) - peak) <= increment * (1 + 1e-12))
        #expect(abs(schedule.learningRate(atStep: warmup + 1) - peak) < increment)
        #expect(schedule.learningRate(atStep: warmup + 1) < peak)
        #expect(isApproximatelyEqual(schedule.learningRate(atStep: 4 * warmup), peak / 2, relativeTolerance: 1e-15))
        // fairseq: decay_factor = lr·√warmup_updates, lr = decay_factor · num_updates^(−1/2).
        let decayFactor = peak * pow(Double(warmup), 0.5)
        for step in [warmup, 5000, 12_345, 100_000] {
            let fairseq = decayFactor * pow(Double(step), -0.5)
            #expect(isApproximatelyEqual(schedule.learningRate(atStep: step), fairseq, relativeTolerance: 1e-14))
        }
    }

    @Test("cosine decays from the peak at W through the midpoint to the minimum at the last step, and stays there")
    func cosine() {
        let (peak, minimum, warmup, total) = (1e-3, 1e-5, 100, 1100)
        let schedule = LearningRateSchedule(
            peak: peak, warmupSteps: warmup, decay: .cosine(totalSteps: total, minimum: minimum))
        #expect(schedule.learningRate(atStep: warmup) == peak)
        #expect(
            isApproximatelyEqual(schedule.learningRate(atStep: 600), (peak + minimum) / 2, relativeTolerance: 1e-14))
        // A quarter of the way: (1 + cos(π/4)) / 2 of the range above the minimum.
        let quarter = minimum + (peak - minimum) * (1 + 0.5.squareRoot()) / 2
        #expect(isApproximatelyEqual(schedule.learningRate(atStep: 350), quarter, relativeTolerance: 1e-14))
        #expect(schedule.learningRate(atStep: total - 1) > minimum)
        #expect(schedule.learningRate(atStep: total) == minimum)
        #expect(schedule.learningRate(atStep: total + 500) == minimum)
        let rates = (warmup...total).map(schedule.learningRate(atStep:))
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test("a constant schedule holds the peak after the warm-up")
    func constant() {
        let schedule = LearningRateSchedule(peak: 0.01, warmupSteps: 5, initial: 0.001)
        #expect([5, 6, 1000, 1_000_000].allSatisfy { schedule.learningRate(atStep: $0) == 0.01 })
    }
}
