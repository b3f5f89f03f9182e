import Layers
import Tensors
import TestSupport
import Testing

/// Φ(y)'s quantiles from its histogram: in order, inside the part of each bin the values can occupy, and within one
/// bin of the exact quantiles of the values themselves; its counts equal a direct count of the values per bin.
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

    @Test(
        "a forward pass's histogram counts every Φ in its bin, and its quantiles are the sample's within one bin",
        arguments: [1.0, 2.0])
    func againstTheValues(scale: Double) throws {
        // 48 rows of 64, a spike in every sixth row so that Φ spreads over many bins with a sparse low tail (a spike
        // has y ≈ √63 ≈ 7.9, Φ = C(1 − 0.79)).
        let (rows, width) = (48, 64)
        var x: Matrix<Double> = sampleMatrix(rows, width, seed: 21, in: -3..<3)
        for row in stride(from: 0, to: rows, by: 6) { x[row, row % width] = 60 }
        let layer = NormLayer<Double>(
            .adaNorm(scale: scale, convention: .paper, epsilon: 0), width: width, instrumentation: .all)
        _ = layer.forward(x, mode: .training)
        let phi = try #require(layer.lastForwardStatistics?.phi)
        // Φ = C(1 − k·y) computed here from LayerNorm-simple's y in the same convention.
        let y = NormLayer<Double>(.layerNormSimple(convention: .paper, epsilon: 0), width: width)(x)
        let values = y.scalars.map { scale * (1 - 0.1 * $0) }.sorted()
        let edges = phi.bins.edges
        let binWidth = edges[1] - edges[0]
        #expect(phi.elementCount == Int64(values.count))
        #expect(abs(phi.minimum - values.first!) <= 1e-12 && abs(phi.maximum - values.last!) <= 1e-12)
        let direct = (0..<phi.bins.count).map { bin in
            Int64(values.filter { edges[bin] <= $0 && $0 < edges[bin + 1] }.count)
        }
        #expect(phi.counts == direct)
        #expect(phi.below == Int64(values.filter { $0 < edges.first! }.count))
        #expect(phi.above == Int64(values.filter { $0 >= edges.last! }.count))
        #expect(direct.filter { $0 > 0 }.count >= 6, "Φ should spread over several bins: \(direct)")
        for (level, quantile) in zip(PhiStatistics.quantileLevels, phi.quantiles) {
            // The ⌈level·N⌉-th smallest value lies in the bin where the cumulative count first reaches level·N,
            // which is the bin the histogram interpolates in.
            let exact = values[max(0, Int((level * Double(values.count)).rounded(.up)) - 1)]
            #expect(abs(quantile - exact) <= binWidth, "q\(level): \(quantile) from the histogram, \(exact) exact")
        }
    }
}
