import TestSupport
import Testing

@testable import Tensors

@Suite("Tensor reductions")
struct TensorReductionsTests {
    // 37 columns: two full 16-lane blocks and a tail of 5, so both code paths of the accumulator run.
    let x = sampleTensor([3, 7, 37], seed: 51)

    @Test("Row sums, means and variances match naive Double loops")
    func rowReductions() {
        let rows = NaiveReference.rows(x.scalars, columns: 37)
        #expect(isApproximatelyEqual(x.rowSums(), rows.map { $0.reduce(0, +) }, relativeTolerance: 1e-12))
        #expect(isApproximatelyEqual(x.rowMeans(), rows.map(NaiveReference.mean), relativeTolerance: 1e-12))
        for unbiased in [false, true] {
            let expected = rows.map { NaiveReference.variance($0, unbiased: unbiased) }
            #expect(isApproximatelyEqual(x.rowVariances(unbiased: unbiased), expected, relativeTolerance: 1e-12))
            let moments = x.rowMoments(unbiased: unbiased)
            #expect(isApproximatelyEqual(moments.variances, expected, relativeTolerance: 1e-12))
            #expect(isApproximatelyEqual(moments.means, rows.map(NaiveReference.mean), relativeTolerance: 1e-12))
        }
    }

    @Test("Biased and unbiased variances differ by H / (H − 1)")
    func varianceConventions() {
        let t = Tensor(shape: [1, 4], scalars: [1, 2, 3, 4])
        #expect(t.rowVariances() == [1.25])
        #expect(t.rowVariances(unbiased: true) == [5.0 / 3.0])
    }

    @Test("Sums are accumulated in Double, not Float")
    func doubleAccumulation() {
        // 2^24 + 1 is not a Float: a Float accumulator would return 2^24 for every order of these 33 additions.
        let values: [Float] = [16_777_216] + [Float](repeating: 1, count: 32)
        let t = Tensor(shape: [1, 33], scalars: values)
        #expect(t.rowSums() == [16_777_248])
        #expect(t.sum() == 16_777_248)
        #expect(t.reshaped(to: [33, 1]).columnSums() == [16_777_248])
    }

    @Test("Row variance stays exact when the mean dwarfs the spread")
    func varianceWithLargeMean() {
        // x = 4096 + {−1, +1} alternating: σ² = 1 exactly. One-pass Σx² − Hμ² in Float would return 0 or garbage.
        let t = Tensor(shape: [2, 64]) { 4096 + ($0 % 2 == 0 ? -1 : 1) }
        #expect(t.rowMeans() == [4096, 4096])
        #expect(t.rowVariances() == [1, 1])
    }

    @Test("Column sums match a naive loop, as [Double] and as a Float bias-gradient tensor")
    func columnSums() {
        let rows = NaiveReference.rows(x.scalars, columns: 37)
        let expected = (0..<37).map { c in rows.reduce(0) { $0 + $1[c] } }
        #expect(isApproximatelyEqual(x.columnSums(), expected, relativeTolerance: 1e-12, absoluteTolerance: 1e-12))
        var gradBias = Tensor(zeros: [37])
        let address = gradBias.withUnsafeBufferPointer { $0.baseAddress }
        x.columnSums(into: &gradBias)
        #expect(gradBias.shape == [37])
        #expect(gradBias.scalars == expected.map { Float($0) })
        #expect(gradBias.withUnsafeBufferPointer { $0.baseAddress } == address)
    }

    @Test("Whole-tensor sum and mean match a naive loop")
    func wholeTensor() {
        let expected = x.scalars.reduce(0.0) { $0 + Double($1) }
        #expect(isApproximatelyEqual(x.sum(), expected, relativeTolerance: 1e-12))
        #expect(isApproximatelyEqual(x.mean(), expected / Double(x.count), relativeTolerance: 1e-12))
    }

    @Test("rowMoments(means:variances:) fills existing arrays")
    func momentsIntoArrays() {
        var means = [Double](repeating: .nan, count: 21)
        var variances: [Double] = []
        x.rowMoments(means: &means, variances: &variances)
        #expect(means == x.rowMeans())
        #expect(variances == x.rowVariances())
    }
}
