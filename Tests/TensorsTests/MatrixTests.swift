import TestSupport
import Testing

@testable import Tensors

@Suite("Matrix")
struct MatrixTests {
    /// A reproducible matrix with entries in [-1, 1).
    private func sample<S: MatrixScalar>(_ rows: Int, _ columns: Int, seed: UInt64, as: S.Type = S.self) -> Matrix<S> {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: rows, columns: columns) { _, _ in S(random.uniform(in: -1.0..<1.0)) }
    }

    @Test(
        "Double products (dgemm) match a naive product to 1e-14 for every transpose combination",
        arguments: [false, true], [false, true])
    func doubleProduct(transposeA: Bool, transposeB: Bool) {
        let (m, n, k) = (13, 7, 29)
        let a: Matrix<Double> = transposeA ? sample(k, m, seed: 1) : sample(m, k, seed: 1)
        let b: Matrix<Double> = transposeB ? sample(n, k, seed: 2) : sample(k, n, seed: 2)
        let c = Matrix.product(a, transposeA: transposeA, b, transposeB: transposeB)
        #expect(c.rows == m && c.columns == n)
        for i in 0..<m {
            for j in 0..<n {
                var expected = 0.0
                for p in 0..<k {
                    expected += (transposeA ? a[p, i] : a[i, p]) * (transposeB ? b[j, p] : b[p, j])
                }
                #expect(abs(c[i, j] - expected) <= 1e-14 * max(1, abs(expected)))
            }
        }
    }

    @Test("accumulating products add alpha·AB to beta·C")
    func accumulate() {
        let a: Matrix<Float> = sample(4, 3, seed: 3)
        let b: Matrix<Float> = sample(3, 5, seed: 4)
        let ab = Matrix.product(a, b)
        var c = Matrix<Float>(rows: 4, columns: 5, repeating: 1)
        Matrix.multiply(a, b, alpha: 2, beta: 0.5, into: &c)
        for i in 0..<4 {
            for j in 0..<5 { #expect(abs(c[i, j] - (2 * ab[i, j] + 0.5)) < 1e-5) }
        }
    }

    @Test("precision conversion, tensor conversion, resize and rows keep the element order")
    func conversions() {
        let m = Matrix<Float>([[1, 2, 3], [4, 5, 6]])
        #expect(Array(m.row(1)) == [4, 5, 6])
        #expect(Matrix<Double>(m).scalars == [1, 2, 3, 4, 5, 6])
        #expect(m.tensor.shape == [2, 3])
        #expect(Matrix<Float>(Tensor(shape: [2, 1, 3], scalars: [1, 2, 3, 4, 5, 6])) == m)
        var r = m
        r.resize(rows: 3, columns: 2)
        #expect(r.rows == 3 && r.columns == 2 && r.scalars == m.scalars)
        r.resize(rows: 1, columns: 2)
        #expect(r.count == 2)
    }
}
