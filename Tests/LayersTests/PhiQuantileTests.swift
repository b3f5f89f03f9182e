import Layers
import Testing

/// Φ(y)'s quantiles from its histogram: in order, and inside the part of each bin the values can occupy.
@Suite("Φ(y) quantiles")
struct PhiQuantileTests {
    /// Bins of 0.05 on [0, 2] (AdaNorm's default for C = 1), with the given counts and exact extremes.
    private func statistics(_ counts: [Int: Int64], minimum: Double, maximum: Double) -> PhiStatistics {
        var bins = [Int64](repeating: 0, count: 40)
        for (index, count) in counts { bins[index] = count }
        let total = bins.reduce(0, +)
        return PhiStatistics(
            bins: PhiBins(lower: 0, upper: 2, count: 40), counts: bins, below: 0, above: 0, elementCount: total,
            mean: 1, standardDeviation: 0.1, minimum: minimum, maximum: maximum, fractionNonPositive: 0)
    }

    @Test("a minimum inside the first bin: its quantiles stay within that bin, below the next bin's")
    func minimumInsideFirstBin() {
        // Bin 17 is [0.85, 0.90): two values from 0.861 on, then 188 in [0.90, 0.95). The 1% quantile falls near
        // the end of bin 17, the 5% one early in bin 18; interpolating bin 17 from 0.861 over a whole bin width
        // put the first above the second (a trace's q01 = 0.878 above q05 = 0.858).
        let phi = statistics([17: 2, 18: 188], minimum: 0.861, maximum: 0.949)
        let q = phi.quantiles
        #expect(zip(q, q.dropFirst()).allSatisfy { $0 <= $1 }, "\(q)")
        #expect(q[0] >= 0.861 && q[0] <= 0.90, "\(q[0])")
        #expect(q.allSatisfy { $0 >= phi.minimum && $0 <= phi.maximum }, "\(q)")
    }

    @Test("quantiles are ordered for any extremes inside their bins", arguments: [0.0, 0.013, 0.049])
    func ordered(offset: Double) {
        let phi = statistics([3: 1, 4: 5, 5: 50, 6: 7, 7: 1], minimum: 0.15 + offset, maximum: 0.35 + offset)
        let q = phi.quantiles
        #expect(zip(q, q.dropFirst()).allSatisfy { $0 <= $1 }, "\(q)")
        #expect(q.allSatisfy { $0 >= phi.minimum && $0 <= phi.maximum }, "\(q)")
    }
}
