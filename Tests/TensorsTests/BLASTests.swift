import TestSupport
import Testing

@testable import Tensors

@Suite("BLAS")
struct BLASTests {
    /// Non-square shapes (m, n, k) chosen so that every pair of dimensions differs, and one larger than OpenBLAS's
    /// small-matrix path.
    static let shapes: [(m: Int, n: Int, k: Int)] = [(5, 7, 3), (1, 9, 4), (33, 17, 65), (130, 70, 90)]

    /// Calls `BLAS.sgemm` on A (m × k, or k × m when transposed) and B, returning C.
    private func sgemm(
        m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
        alpha: Float, beta: Float, a: [Float], b: [Float], c: [Float]
    ) -> [Float] {
        var c = c
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: a, lda: max(1, transposeA ? m : k), b: b, ldb: max(1, transposeB ? k : n), beta: beta,
                        c: c, ldc: max(1, n)
                    )
                }
            }
        }
        return c
    }

    @Test(
        "sgemm matches a naive Double product for every transpose combination and shape",
        arguments: [false, true], [false, true])
    func sgemmMatchesNaiveProduct(transposeA: Bool, transposeB: Bool) {
        for (index, shape) in Self.shapes.enumerated() {
            let (m, n, k) = shape
            let a = sampleTensor([m * k], seed: UInt64(10 + index)).scalars
            let b = sampleTensor([k * n], seed: UInt64(20 + index)).scalars
            let c = sgemm(
                m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                alpha: 1, beta: 0, a: a, b: b, c: [Float](repeating: .nan, count: m * n)
            )
            let expected = NaiveReference.product(
                a, rows: transposeA ? k : m, columns: transposeA ? m : k, transposed: transposeA,
                b, rows: transposeB ? n : k, columns: transposeB ? k : n, transposed: transposeB
            )
            // NaN in C on entry must be ignored when beta is 0; Float products of length k carry ~k·ε error.
            #expect(
                isApproximatelyEqual(c.map(Double.init), expected, relativeTolerance: 1e-4, absoluteTolerance: 1e-4),
                "m \(m) n \(n) k \(k): max error \(maxAbsoluteError(c.map(Double.init), expected))"
            )
        }
    }

    @Test("sgemm accumulates alpha · op(A) · op(B) + beta · C", arguments: [false, true], [false, true])
    func sgemmAccumulatesWithBeta(transposeA: Bool, transposeB: Bool) {
        let (m, n, k) = (6, 4, 9)
        let a = sampleTensor([m * k], seed: 1).scalars
        let b = sampleTensor([k * n], seed: 2).scalars
        let c0 = sampleTensor([m * n], seed: 3).scalars
        let c = sgemm(
            m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
            alpha: 0.5, beta: 2, a: a, b: b, c: c0
        )
        let product = NaiveReference.product(
            a, rows: transposeA ? k : m, columns: transposeA ? m : k, transposed: transposeA,
            b, rows: transposeB ? n : k, columns: transposeB ? k : n, transposed: transposeB
        )
        let expected = zip(product, c0).map { 0.5 * $0 + 2 * Double($1) }
        #expect(isApproximatelyEqual(c.map(Double.init), expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
    }

    @Test("sgemm honours leading dimensions larger than the row length")
    func sgemmWithLeadingDimensions() {
        // A is the left 3 columns of a 4 × 5 buffer, B the left 2 columns of a 3 × 6 buffer, C the left 2 columns of
        // a 4 × 3 buffer whose third column must stay untouched.
        let aStorage = (0..<20).map { Float($0 % 7) - 3 }
        let bStorage = (0..<18).map { Float($0 % 5) - 2 }
        var cStorage = [Float](repeating: 99, count: 12)
        aStorage.withUnsafeBufferPointer { a in
            bStorage.withUnsafeBufferPointer { b in
                cStorage.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: 4, n: 2, k: 3, alpha: 1,
                        a: a, lda: 5, b: b, ldb: 6, beta: 0, c: c, ldc: 3
                    )
                }
            }
        }
        for i in 0..<4 {
            for j in 0..<2 {
                let expected = (0..<3).reduce(Float(0)) { $0 + aStorage[i * 5 + $1] * bStorage[$1 * 6 + j] }
                #expect(cStorage[i * 3 + j] == expected)
            }
            #expect(cStorage[i * 3 + 2] == 99)
        }
    }

    @Test("sgemm with k = 0 scales C by beta")
    func sgemmWithEmptyInnerDimension() {
        let c = sgemm(
            m: 2, n: 3, k: 0, transposeA: false, transposeB: false,
            alpha: 1, beta: 3, a: [], b: [], c: [1, 2, 3, 4, 5, 6]
        )
        #expect(c == [3, 6, 9, 12, 15, 18])
    }

    @Test("saxpy, sdot and sscal match plain loops")
    func levelOneRoutines() {
        let x = sampleTensor([37], seed: 4).scalars
        var y = sampleTensor([37], seed: 5).scalars
        let y0 = y
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in BLAS.saxpy(alpha: -1.5, x: x, y: y) }
        }
        #expect(isApproximatelyEqual(y, zip(x, y0).map { -1.5 * $0 + $1 }, relativeTolerance: 1e-6))

        let dot = x.withUnsafeBufferPointer { x in y0.withUnsafeBufferPointer { y in BLAS.sdot(x, y) } }
        let expectedDot = zip(x, y0).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(isApproximatelyEqual(Double(dot), expectedDot, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))

        var z = x
        z.withUnsafeMutableBufferPointer { BLAS.sscal(alpha: 0.25, x: $0) }
        #expect(z == x.map { $0 * 0.25 })
    }

    @Test("The OpenBLAS thread count and build can be read")
    func threadCount() {
        // Setting the current value again is all a test may do: other tests run sgemm concurrently, and resizing
        // OpenBLAS's pool under a running product is not something to do in a test process.
        let original = BLAS.threadCount
        #expect(original >= 1 && original <= max(1, BLAS.processorCount))
        BLAS.threadCount = original
        #expect(BLAS.threadCount == original)
        #expect(BLAS.configuration.contains("OpenBLAS"))
        #expect(!BLAS.coreName.isEmpty)
    }
}
