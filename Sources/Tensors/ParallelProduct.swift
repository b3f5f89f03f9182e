/// Matrix products split across the project's parallel tasks, each task calling single-threaded BLAS on its share.
///
/// This is NormScope's one threading model for a training step (see ``BLAS``): the same tasks that run the row kernels
/// run the products, so no second thread pool waits on the cores. A product is split by rows of `C` (by columns when
/// it has too few rows), which leaves every element's value as it was: each element of `C` is the same sum over `k`
/// in the same order whichever share it falls in, because OpenBLAS blocks the `k` loop by `k` alone. Shares are kept
/// above OpenBLAS's small-matrix size (10⁶ multiply-adds), whose kernel sums differently; the test
/// `ParallelProductTests` holds every share's result to the unsplit product bit for bit.
public enum ParallelProduct {
    /// The fewest multiply-adds a share is given: about 20 µs of one core's work, against a few µs to wake a second
    /// core, and above OpenBLAS's small-matrix kernels (which it uses up to 10⁶).
    public static let minimumMultiplyAddsPerTask = 1 << 21

    /// How many shares `parallel` would make of an `m × n` product over `k`.
    @inlinable
    public static func taskCount(m: Int, n: Int, k: Int, parallel: RowParallel) -> Int {
        guard m > 0, n > 0, k > 0 else { return 1 }
        let (area, overflowed) = m.multipliedReportingOverflow(by: n)
        let (work, overflowedAgain) = area.multipliedReportingOverflow(by: k)
        let total = overflowed || overflowedAgain ? Int.max : work
        return max(1, min(parallel.maximumTaskCount, total / minimumMultiplyAddsPerTask))
    }

    /// `C ← alpha · op(A) · op(B) + beta · C`, the contract of `MatrixScalar.gemm`, with the rows (or columns) of
    /// `C` shared among `parallel`'s tasks.
    @inlinable
    public static func gemm<Scalar: MatrixScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Scalar,
        a: UnsafeBufferPointer<Scalar>, lda: Int, b: UnsafeBufferPointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutableBufferPointer<Scalar>, ldc: Int,
        parallel: RowParallel = .automatic
    ) {
        let tasks = taskCount(m: m, n: n, k: k, parallel: parallel)
        guard tasks > 1 else {
            Scalar.gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        // Rows when there are enough for every task to get a few vector widths' worth; otherwise columns.
        let splitRows = m >= 16 * tasks || m >= n
        let shared = (
            a: SharedMutableBuffer(readOnly: a), b: SharedMutableBuffer(readOnly: b), c: SharedMutableBuffer(c)
        )
        let count = splitRows ? m : n
        parallel.parallelRows(count: count, minimumRowsPerTask: (count + tasks - 1) / tasks) { range in
            let (a, b) = (UnsafeBufferPointer(shared.a.unsafeBuffer), UnsafeBufferPointer(shared.b.unsafeBuffer))
            let c = shared.c.unsafeBuffer
            if splitRows {
                // op(A)'s rows are A's rows, or A's columns when transposed.
                let aStart = transposeA ? range.lowerBound : range.lowerBound * lda
                let cStart = range.lowerBound * ldc
                Scalar.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: range.count, n: n, k: k, alpha: alpha,
                    a: UnsafeBufferPointer(rebasing: a[aStart...]), lda: lda, b: b, ldb: ldb, beta: beta,
                    c: UnsafeMutableBufferPointer(rebasing: c[cStart...]), ldc: ldc)
            } else {
                // op(B)'s columns are B's columns, or B's rows when transposed.
                let bStart = transposeB ? range.lowerBound * ldb : range.lowerBound
                Scalar.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: m, n: range.count, k: k, alpha: alpha,
                    a: a, lda: lda, b: UnsafeBufferPointer(rebasing: b[bStart...]), ldb: ldb, beta: beta,
                    c: UnsafeMutableBufferPointer(rebasing: c[range.lowerBound...]), ldc: ldc)
            }
        }
    }
}
