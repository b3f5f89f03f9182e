import Foundation
import Tensors
import Testing

@testable import Analysis

@Suite("Bootstrap interval of a difference of means")
struct BootstrapIntervalTests {
    @Test("two clearly separated samples give the exact ends of the resampled distribution")
    func separated() {
        // Resampled means of [0, 2] are 0, 1, 2 with probabilities 1/4, 1/2, 1/4; of [10, 12], 10, 11, 12. Their
        // difference runs from −12 to −8, each end with probability 1/16 > 2.5%, so the 95% interval is [−12, −8].
        let interval = BootstrapInterval([0, 2], [10, 12])
        #expect(interval.lower == -12)
        #expect(interval.upper == -8)
        #expect(interval.reason == nil)
        #expect(!interval.contains(0))
        #expect(ComparisonVerdict(interval, welch: WelchTest([0, 2], [10, 12])) == .lower)
        let reversed = BootstrapInterval([10, 12], [0, 2])
        #expect(ComparisonVerdict(reversed, welch: WelchTest([10, 12], [0, 2])) == .higher)
    }

    @Test("identical samples give an interval around 0")
    func identical() {
        let values: [Double] = [0.31, 0.27, 0.35, 0.29, 0.33]
        let interval = BootstrapInterval(values, values)
        #expect(interval.lower < 0 && interval.upper > 0)
        #expect(
            ComparisonVerdict(interval, welch: WelchTest(values, values))
                == .notDistinguishable(count: 5, baselineCount: 5))
    }

    @Test("the interval is the linear-interpolation quantile of the replicates")
    func quantile() {
        // h = (4 − 1)·0.025 = 0.075 → 1 + 0.075·(2 − 1); h = 3·0.975 = 2.925 → 3 + 0.925·(4 − 3).
        var values: [Double] = [4, 2, 1, 3]
        #expect(abs(BootstrapInterval.quantile(&values, 0.025) - 1.075) < 1e-15)
        #expect(abs(BootstrapInterval.quantile(&values, 0.975) - 3.925) < 1e-15)
        var one: [Double] = [5]
        #expect(BootstrapInterval.quantile(&one, 0.5) == 5)
    }

    @Test("selection finds the same order statistics as sorting, ties included")
    func selection() {
        var random = SeededRandom(seed: 3)
        for count in [1, 2, 3, 7, 100, 2001] {
            // Few distinct values, as the resampled means of small samples are.
            let values = (0..<count).map { _ in Double(random.index(below: 6)) * 0.5 }
            let sorted = values.sorted()
            for k in Set([0, count / 40, count / 2, count - 1 - count / 40, count - 1]) {
                var scratch = values
                #expect(BootstrapInterval.select(k, in: &scratch) == sorted[k], "k = \(k) of \(count)")
                #expect(scratch[..<k].allSatisfy { $0 <= sorted[k] } && scratch[k...].allSatisfy { $0 >= sorted[k] })
            }
        }
    }

    @Test("equal inputs give the same interval bit for bit; the seed and B are in the method")
    func determinism() {
        let a: [Double] = [1.02, 0.97, 1.11, 1.05, 0.99, 1.08]
        let b: [Double] = [1.10, 1.04, 1.16, 1.12, 1.01]
        let first = BootstrapInterval(a, b, seed: 7)
        let second = BootstrapInterval(a, b, seed: 7)
        #expect(first.lower.bitPattern == second.lower.bitPattern)
        #expect(first.upper.bitPattern == second.upper.bitPattern)
        #expect(first == second)
        let other = BootstrapInterval(a, b, seed: 8)
        #expect(other.lower != first.lower || other.upper != first.upper)
        #expect(first.method == "percentile bootstrap, B = 4000, seed 7")
        #expect(BootstrapInterval(a, b).method == "percentile bootstrap, B = 4000, seed 20191107")
        #expect(BootstrapInterval(a, b, resamples: 2000).resamples == 2000)
    }

    @Test("the interval narrows as the level falls")
    func level() {
        let a: [Double] = [1.02, 0.97, 1.11, 1.05, 0.99, 1.08]
        let b: [Double] = [1.10, 1.04, 1.16, 1.12, 1.01]
        let wide = BootstrapInterval(a, b, level: 0.95)
        let narrow = BootstrapInterval(a, b, level: 0.5)
        #expect(narrow.level == 0.5)
        #expect(wide.lower < narrow.lower && narrow.upper < wide.upper)
    }

    @Test("non-finite values are dropped; fewer than 2 in a sample gives NaN bounds and a reason")
    func tooFew() {
        let dropped = BootstrapInterval([0, .nan, 2, .infinity], [10, -.infinity, 12])
        #expect(dropped.count == 2 && dropped.baselineCount == 2)
        #expect(dropped.lower == -12 && dropped.upper == -8)

        let one = BootstrapInterval([1, .nan], [1, 2, 3, 4, 5])
        #expect(one.count == 1 && one.baselineCount == 5)
        #expect(one.lower.isNaN && one.upper.isNaN)
        #expect(one.reason?.contains("n = 1/5") == true)
        #expect(!one.contains(0))
        #expect(one == one)
        #expect(
            ComparisonVerdict(one, welch: WelchTest([1, .nan], [1, 2, 3, 4, 5])).description
                == "not distinguishable at n = 1/5 (too few runs)")
        #expect(BootstrapInterval([1, 2], []).reason != nil)
    }

    @Test("constant samples give a point interval, without rounding residue")
    func constant() {
        // Three 0.1s average to 0.10000000000000002 and two to 0.1: the runs are the same, not "higher".
        let same = BootstrapInterval([0.1, 0.1, 0.1], [0.1, 0.1])
        #expect(same.lower == 0 && same.upper == 0)
        #expect(
            ComparisonVerdict(same, welch: WelchTest([0.1, 0.1, 0.1], [0.1, 0.1]))
                == .noTest(count: 3, baselineCount: 2))
        let apart = BootstrapInterval([1, 1, 1], [3, 3])
        #expect(apart.lower == -2 && apart.upper == -2)
    }

    @Test(
        "the ends are the (1 − level)/2 and (1 + level)/2 quantiles of the replicates, at every level",
        arguments: [0.5, 0.8, 0.9, 0.95, 0.99])
    func twoSidedLevel(level: Double) {
        // Ten distinct values a side, so that the replicates barely tie: the share of them beyond each end is the
        // tail's probability to within one replicate. Taking α instead of α/2 per tail would put twice as many
        // outside (200 of 4000 instead of 100 at 95%), a margin no tolerance here can absorb.
        var random = SeededRandom(seed: 5)
        let a = (0..<10).map { _ in random.normal(mean: 1, standardDeviation: 0.3) }
        let b = (0..<10).map { _ in random.normal(mean: 1.2, standardDeviation: 0.2) }
        let interval = BootstrapInterval(a, b, level: level)
        let replicates = BootstrapInterval.replicates(
            a, b, resamples: interval.resamples, seed: BootstrapInterval.defaultSeed
        ).sorted()
        #expect(Set(replicates).count > replicates.count * 9 / 10)
        let count = Double(replicates.count)
        let tail = (1 - level) / 2
        let below = Double(replicates.filter { $0 < interval.lower }.count)
        let above = Double(replicates.filter { $0 > interval.upper }.count)
        // Type 7 interpolates between the order statistics ⌊h⌋ and ⌊h⌋ + 1, h = (B − 1)·p: at most ⌊h⌋ + 1 below.
        #expect(abs(below - tail * count) <= 2, "\(below) of \(count) below the lower end at level \(level)")
        #expect(abs(above - tail * count) <= 2, "\(above) of \(count) above the upper end at level \(level)")
        // And the ends themselves, from the sorted replicates by the type-7 formula written out again here.
        func quantile(_ p: Double) -> Double {
            let h = (count - 1) * p
            let k = Int(h.rounded(.down))
            return replicates[k] + (h - Double(k)) * (replicates[k + 1] - replicates[k])
        }
        #expect(interval.lower == quantile(tail) && interval.upper == quantile(1 - tail), "\(interval)")
    }

    @Test("95% intervals of pairs with no true difference cover 0 in 88–99% of 200 simulations at n = 10")
    func coverage() {
        var random = SeededRandom(seed: 42)
        let pairs = 200
        var covered = 0
        for pair in 0..<pairs {
            let a = (0..<10).map { _ in random.normal(mean: 3, standardDeviation: 0.5) }
            let b = (0..<10).map { _ in random.normal(mean: 3, standardDeviation: 0.5) }
            if BootstrapInterval(a, b, resamples: 2000, seed: UInt64(pair)).contains(0) { covered += 1 }
        }
        let rate = Double(covered) / Double(pairs)
        // Percentile intervals undercover at small n (see BootstrapInterval's documentation).
        print("bootstrap coverage at n = 10/10, 95% nominal: \(covered)/\(pairs) = \(rate)")
        #expect(rate >= 0.88 && rate <= 0.99)
    }
}
