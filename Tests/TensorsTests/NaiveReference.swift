import Tensors

// Textbook implementations in Double, written independently of the kernels they check: plain loops, one element at a
// time, no BLAS, no SIMD, no splitting.

/// Naive references for the kernels under test.
enum NaiveReference {
    /// `op(A) · op(B)` in Double, where `A` is stored `aRows × aColumns` row-major (likewise `B`).
    static func product(
        _ a: [Float], rows aRows: Int, columns aColumns: Int, transposed transposeA: Bool,
        _ b: [Float], rows bRows: Int, columns bColumns: Int, transposed transposeB: Bool
    ) -> [Double] {
        let (m, k) = transposeA ? (aColumns, aRows) : (aRows, aColumns)
        let n = transposeB ? bRows : bColumns
        func opA(_ i: Int, _ p: Int) -> Double { Double(transposeA ? a[p * aColumns + i] : a[i * aColumns + p]) }
        func opB(_ p: Int, _ j: Int) -> Double { Double(transposeB ? b[j * bColumns + p] : b[p * bColumns + j]) }
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var total = 0.0
                for p in 0..<k { total += opA(i, p) * opB(p, j) }
                c[i * n + j] = total
            }
        }
        return c
    }

    /// The rows of a row-major matrix as arrays of Double.
    static func rows(_ x: [Float], columns: Int) -> [[Double]] {
        guard columns > 0 else { return [] }
        return stride(from: 0, to: x.count, by: columns).map { start in
            x[start..<start + columns].map(Double.init)
        }
    }

    static func mean(_ values: [Double]) -> Double {
        values.reduce(0, +) / Double(values.count)
    }

    static func variance(_ values: [Double], unbiased: Bool) -> Double {
        let mu = mean(values)
        let squares = values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) }
        return squares / Double(values.count - (unbiased ? 1 : 0))
    }
}

/// Deterministic test data: a tensor of uniform values in [-2, 2) from a fixed seed.
func sampleTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededRandom(seed: seed)
    return Tensor(randomUniform: shape, in: -2..<2, using: &generator)
}
