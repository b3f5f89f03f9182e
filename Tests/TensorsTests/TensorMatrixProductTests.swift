import TestSupport
import Testing

@testable import Tensors

@Suite("Tensor matrix product")
struct TensorMatrixProductTests {
    /// Stored shapes of a (m × k) and b (k × n) for m = 6, n = 4, k = 9, transposed as asked.
    private func operands(transposeA: Bool, transposeB: Bool) -> (Tensor, Tensor) {
        let a = sampleTensor(transposeA ? [9, 6] : [6, 9], seed: 61)
        let b = sampleTensor(transposeB ? [4, 9] : [9, 4], seed: 62)
        return (a, b)
    }

    private func reference(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> [Double] {
        NaiveReference.product(
            a.scalars, rows: a.rows, columns: a.columns, transposed: transposeA,
            b.scalars, rows: b.rows, columns: b.columns, transposed: transposeB
        )
    }

    @Test("matmul matches a naive product for every transpose combination", arguments: [false, true], [false, true])
    func matmul(transposeA: Bool, transposeB: Bool) {
        let (a, b) = operands(transposeA: transposeA, transposeB: transposeB)
        let c = Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(c.shape == [6, 4])
        let expected = reference(a, b, transposeA: transposeA, transposeB: transposeB)
        #expect(isApproximatelyEqual(c, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
    }

    @Test(
        "BLAS.matmul into: accumulates with alpha and beta and keeps the output's storage",
        arguments: [false, true], [false, true])
    func matmulInto(transposeA: Bool, transposeB: Bool) {
        let (a, b) = operands(transposeA: transposeA, transposeB: transposeB)
        let c0 = sampleTensor([6, 4], seed: 63)
        var c = c0
        c.withUnsafeMutableBufferPointer { _ in }  // make the storage unique before taking its address
        let address = c.withUnsafeBufferPointer { $0.baseAddress }
        BLAS.matmul(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, alpha: -2, beta: 1)
        let expected = zip(reference(a, b, transposeA: transposeA, transposeB: transposeB), c0.scalars).map {
            -2 * $0 + Double($1)
        }
        #expect(isApproximatelyEqual(c, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
        #expect(c.withUnsafeBufferPointer { $0.baseAddress } == address)
    }

    @Test("A rank-3 input multiplies as its flattened rows and keeps its leading axes")
    func batchedRows() {
        let x = sampleTensor([2, 3, 5], seed: 64)
        let w = sampleTensor([5, 4], seed: 65)
        let y = Tensor.matmul(x, w)
        #expect(y.shape == [2, 3, 4])
        let expected = NaiveReference.product(
            x.scalars, rows: 6, columns: 5, transposed: false, w.scalars, rows: 5, columns: 4, transposed: false
        )
        #expect(isApproximatelyEqual(y, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
        // The weight gradient xᵀ · ∂L/∂y contracts over all 6 rows.
        let gradW = Tensor.matmul(x, y, transposeA: true)
        #expect(gradW.shape == [5, 4])
        let expectedGradW = NaiveReference.product(
            x.scalars, rows: 6, columns: 5, transposed: true, y.scalars, rows: 6, columns: 4, transposed: false
        )
        #expect(isApproximatelyEqual(gradW, expectedGradW, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
    }
}
