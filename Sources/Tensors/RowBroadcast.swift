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

    /// `v[j] += Σ_i m[i, j]`, each column summed in row order into a running total that starts at `v[j]`. Columns
    /// are shared among the cores when there are enough of them; the inner loop runs along a row, so it vectorizes.
    @inlinable
    public static func addColumnSums<Scalar: MatrixScalar>(of m: Matrix<Scalar>, into v: inout Matrix<Scalar>) {
        precondition(
            v.rows == 1 && v.columns == m.columns,
            "RowBroadcast expects a 1 × \(m.columns) row for the column sums, got \(v.rows) × \(v.columns)")
        let (rows, width) = (m.rows, m.columns)
        m.withUnsafeBufferPointer { matrix in
            v.withUnsafeMutableBufferPointer { row in
                let (matrix, row) = (SharedMutableBuffer(readOnly: matrix), SharedMutableBuffer(row))
                // Column blocks of whole vectors are the units handed out; each task walks every row of its block.
                let blocks = (width + Elementwise.lanes - 1) / Elementwise.lanes
                RowParallel.automatic.parallelRows(count: blocks, columns: rows * Elementwise.lanes) { range in
                    let (m, v) = (matrix.readOnly, row.base)
                    let end = min(width, range.upperBound * Elementwise.lanes)
                    let columns = (range.lowerBound * Elementwise.lanes)..<end
                    for r in 0..<rows {
                        let line = m + r * width
                        for j in columns { v[j] += line[j] }
                    }
                }
            }
        }
    }
}
