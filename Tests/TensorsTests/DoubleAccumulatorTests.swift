import TestSupport
import Testing

@testable import Tensors

@Suite("DoubleAccumulator")
struct DoubleAccumulatorTests {
    @Test("sum, sumOfSquaredDeviations and dot match naive Double loops for every tail length")
    func matchesNaiveLoops() {
        // Lengths 0 to 40 cover empty input, tails alone, one and two full 16-lane blocks, and blocks plus tails.
        for count in 0...40 {
            let x = sampleTensor([count], seed: UInt64(100 + count)).scalars
            let y = sampleTensor([count], seed: UInt64(200 + count)).scalars
            let naiveSum = x.reduce(0.0) { $0 + Double($1) }
            let naiveSquares = x.reduce(0.0) { $0 + (Double($1) - 0.25) * (Double($1) - 0.25) }
            let naiveDot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    #expect(isApproximatelyEqual(DoubleAccumulator.sum(x), naiveSum, relativeTolerance: 1e-13))
                    #expect(
                        isApproximatelyEqual(
                            DoubleAccumulator.sumOfSquaredDeviations(x, from: 0.25), naiveSquares,
                            relativeTolerance: 1e-13)
                    )
                    #expect(isApproximatelyEqual(DoubleAccumulator.dot(x, y), naiveDot, relativeTolerance: 1e-13))
                }
            }
        }
    }

    @Test("dot keeps products a Float accumulator would lose")
    func dotIsDoublePrecision() {
        // 4096 · 4096 = 2^24, then 40 products of 1 · 1: Float stops counting at 2^24, Double does not.
        let x: [Float] = [4096] + [Float](repeating: 1, count: 40)
        let y: [Float] = [4096] + [Float](repeating: 1, count: 40)
        let dot = x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in DoubleAccumulator.dot(x, y) } }
        #expect(dot == 16_777_256)
    }
}
