/// Matrix products split across the project's parallel tasks, each task calling single-threaded BLAS on its share.
///
/// This is NormScope's one threading model for a training step (see ``BLAS``): the same tasks that run the row kernels
/// run the products, so no second thread pool waits on the cores. A run's numbers must not depend on how many tasks
/// computed them, so a share must give every element of `C` exactly the value one BLAS call over the whole product
/// gives it. Which splits do that is a property of OpenBLAS, read in 0.3.21's sources and tested under every kernel:
///
/// - **What makes a split change an element.** Single-threaded, `cblas_sgemm` runs the level-3 driver
///   (`driver/level3/level3.c`) on the column-major product `Cᵀ = op(B)ᵀ · op(A)ᵀ`, so the rows of our row-major `C`
///   are the driver's columns `N`. The driver blocks `K` by `K` alone and `M` by `M` alone, but it hands `N` to the
///   micro-kernel in chunks (of 3 × the kernel's N unroll, 6 × on the AVX-512 cores) and the micro-kernel walks
///   them in register blocks from the chunk's start, leaving a remainder path for the last columns. Those paths do
///   not all add the same way: the Haswell/Zen kernel (`sgemm_kernel_8x4_haswell_2.c`) sums a 12-column block in
///   one accumulator per element but a 4-column remainder (and its 8 × 6 edges) in two, even and odd `k`, added at
///   the end; the SSE kernels of Prescott, Core2 and Nehalem differ in their remainders too. So a share whose first
///   row is not where a register block of the whole product starts moves elements between paths and changes their
///   last bits (seen: 6,019 to 17,752 elements of a 256 × 512 × 512 product on an AMD Zen 5 under Haswell's
///   kernels). The AVX-512 kernels happen to sum every path alike, which is why the old, unaligned split passed on
///   the machines it was written on.
/// - **The split made here.** Rows only, at multiples of ``rowAlignment`` = 24 rows: a multiple of every x86-64
///   kernel's N register block in single and double precision (2, 4, 8, 12 and 24) and of the driver's chunk width
///   (12 or 24), so each share starts where a register block of the whole product starts, every element runs the
///   same path over the same `k` blocks in both, and the remainder path falls to the last share exactly as it fell
///   to the whole product. (Nehalem's chunk is 24 columns wide, so multiples of 12 are not enough there.) The
///   driver's outer `N` blocks (`GEMM_R`: OpenBLAS's 128 MiB buffer over `GEMM_Q` columns, at least 43,000 for
///   every x86-64 core in sgemm and dgemm) must not cut a share either, hence ``maximumSplitRows``. Shares also
///   stay above OpenBLAS's small-matrix size (10⁶ multiply-adds, below which the AVX-512 cores switch to other
///   kernels). Columns are never split: `M`'s blocks
///   depend on where the call's `M` starts and ends, so no column boundary is safe for every kernel.
/// - **Tested, not assumed.** `ParallelProductTests` holds every share to the unsplit product bit for bit, and
///   `KernelIndependenceTests` runs it and two char-LM training steps under each OpenBLAS core the CPU can run
///   (`OPENBLAS_CORETYPE` in a child process), so a machine with AVX-512 checks the SSE and AVX2 kernels as well.
public enum ParallelProduct {
    /// The fewest multiply-adds a share is given: about 20 µs of one core's work, against a few µs to wake a second
    /// core, and above OpenBLAS's small-matrix kernels (which it uses up to 10⁶).
    public static let minimumMultiplyAddsPerTask = 1 << 21

    /// Share boundaries fall on multiples of this many rows of `C` (see the type's documentation).
    public static let rowAlignment = 24

    /// Products with more rows than this run as one call: OpenBLAS blocks its `N` (our rows) by `GEMM_R`, which is at
    /// least 43,000 for every x86-64 core but not a multiple of ``rowAlignment``; a share must lie in one such block.
    public static let maximumSplitRows = 16_384

    /// OpenBLAS 0.3.21's small-matrix kernels take products of at most this many multiply-adds; no share may be one.
    static let smallMatrixLimit = 1_000_000

    /// The rows of `C` each task computes for an `m × n` product over `k`: one range per task, in order, together
    /// covering `0..<m`, every boundary a multiple of ``rowAlignment``. One range means one BLAS call.
    public static func shares(m: Int, n: Int, k: Int, parallel: RowParallel) -> [Range<Int>] {
        guard m > 0, n > 0, k > 0 else { return [0..<max(0, m)] }
        let (area, overflowed) = m.multipliedReportingOverflow(by: n)
        let (work, overflowedAgain) = area.multipliedReportingOverflow(by: k)
        guard !overflowed, !overflowedAgain, m <= maximumSplitRows else { return [0..<m] }
        let blocks = (m + rowAlignment - 1) / rowAlignment
        var tasks = max(1, min(parallel.maximumTaskCount, work / minimumMultiplyAddsPerTask, blocks))
        while tasks > 1 {
            let ranges = (0..<tasks).map { task in
                let blockRange = RowParallel.range(ofTask: task, of: tasks, rows: blocks)
                return (blockRange.lowerBound * rowAlignment)..<min(m, blockRange.upperBound * rowAlignment)
            }
            if ranges.allSatisfy({ $0.count * n * k > smallMatrixLimit }) { return ranges }
            tasks -= 1
        }
        return [0..<m]
    }

    /// How many shares `parallel` would make of an `m × n` product over `k`.
    public static func taskCount(m: Int, n: Int, k: Int, parallel: RowParallel) -> Int {
        shares(m: m, n: n, k: k, parallel: parallel).count
    }

    /// `C ← alpha · op(A) · op(B) + beta · C`, the contract of `MatrixScalar.gemm`, with the rows of `C` shared among
    /// `parallel`'s tasks.
    @inlinable
    public static func gemm<Scalar: MatrixScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Scalar,
        a: UnsafeBufferPointer<Scalar>, lda: Int, b: UnsafeBufferPointer<Scalar>, ldb: Int,
        beta: Scalar, c: UnsafeMutableBufferPointer<Scalar>, ldc: Int,
        parallel: RowParallel = .automatic
    ) {
        // Most of a step's products are too small to share; they skip building the list of shares.
        let ranges =
            parallel.maximumTaskCount > 1 && m > rowAlignment
            ? shares(m: m, n: n, k: k, parallel: parallel) : []
        guard ranges.count > 1 else {
            Scalar.gemm(
                transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        let shared = (
            a: SharedMutableBuffer(readOnly: a), b: SharedMutableBuffer(readOnly: b), c: SharedMutableBuffer(c)
        )
        // One task per share: the split above is the whole decision, `parallelRows` only runs it.
        parallel.parallelRows(count: ranges.count, minimumRowsPerTask: 1) { tasks in
            let (a, b) = (UnsafeBufferPointer(shared.a.unsafeBuffer), UnsafeBufferPointer(shared.b.unsafeBuffer))
            let c = shared.c.unsafeBuffer
            for range in tasks.map({ ranges[$0] }) {
                // op(A)'s rows are A's rows, or A's columns when transposed.
                let aStart = transposeA ? range.lowerBound : range.lowerBound * lda
                let cStart = range.lowerBound * ldc
                Scalar.gemm(
                    transposeA: transposeA, transposeB: transposeB, m: range.count, n: n, k: k, alpha: alpha,
                    a: UnsafeBufferPointer(rebasing: a[aStart...]), lda: lda, b: b, ldb: ldb, beta: beta,
                    c: UnsafeMutableBufferPointer(rebasing: c[cStart...]), ldc: ldc)
            }
        }
    }
}
