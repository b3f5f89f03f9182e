/// A row vector added to every row of a matrix, and its adjoint: the column sums of a matrix added to a row vector.
/// A linear layer's bias and its gradient, vectorized across the columns.
public enum RowBroadcast {
    /// `m[i, j] += v[j]` for every row `i`; `v` is `1 × m.columns`. Rows are shared among the cores.
    @inlinable
    public static func add<Scalar: MatrixScalar>(_ v: Matrix<Scalar>, toEveryRowOf m: inout Matrix<Scalar>) {
        precondition(
            v.rows == 1 && v.columns == m.columns,
            "RowBroadcast expects a 1 × \(m.columns) row, got \(v.rows) × \(v.columns)")
        let (rows, width) = (m.rows, m.columns)
        v.withUnsafeBufferPointer { row in
            m.withUnsafeMutableBufferPointer { matrix in
                let (row, matrix) = (SharedMutableBuffer(readOnly: row), SharedMutableBuffer(matrix))
                RowParallel.automatic.parallelRows(count: rows, columns: width) { rows in
                    let (v, m) = (row.readOnly, matrix.base)
                    for r in rows {
                        let line = m + r * width
                        for j in 0..<width { line[j] += v[j] }
                    }
                }
            }
        }
    }

    /// `v[j] += Σ_i m[i, j]`: the product `1ᵀ · m` accumulated into `v`, one BLAS call on one core (a one-row
    /// product is never shared: ``ParallelProduct`` splits rows only). A loop of row additions spent most of its
    /// time entering and leaving a short inner loop per row: 5% of a char-LM step for its ten biases.
    @inlinable
    public static func addColumnSums<Scalar: MatrixScalar>(of m: Matrix<Scalar>, into v: inout Matrix<Scalar>) {
        precondition(
            v.rows == 1 && v.columns == m.columns,
            "RowBroadcast expects a 1 × \(m.columns) row for the column sums, got \(v.rows) × \(v.columns)")
        guard m.rows > 0 else { return }
        let ones = Matrix<Scalar>(rows: 1, columns: m.rows, repeating: 1)
        Matrix.multiply(ones, m, beta: 1, into: &v)
    }
}
