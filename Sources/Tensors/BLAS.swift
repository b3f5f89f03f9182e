import CBLAS

/// A Swift-shaped facade over the few OpenBLAS routines the Float32 engine needs.
///
/// This is the only file in the package that imports `CBLAS`: every other file calls these functions, which take
/// `Int` sizes and `Bool` transposes and convert them to `blasint` and `CBLAS_TRANSPOSE` here, checking on the way
/// that each size fits and that each buffer is long enough for what the C routine will read or write.
///
/// All matrices are row-major (`CblasRowMajor`): element (i, j) of a matrix with leading dimension `ld` lives at
/// offset `i * ld + j`.
///
/// ### Threads and kernels
///
/// NormScope runs a training step on the project's own parallel loops (`RowParallel`), and its matrix products too:
/// ``Matrix/multiply(_:transposeA:_:transposeB:alpha:beta:into:)`` splits a large product's rows across those tasks,
/// each calling BLAS on its share. OpenBLAS's own pool is therefore set to one thread before the first call, so that
/// two pools never compete for the same cores: with both, OpenBLAS's idle workers spun in `sched_yield` through our
/// row kernels, a quarter to 40% of a step's cycles. One BLAS thread also makes every product's value independent of
/// how many runs share the machine (`record --jobs`). ``threadCount`` still reads and sets the pool, for measuring
/// OpenBLAS alone (`normscope bench tensors`).
///
/// Before that first call the kernels OpenBLAS chose are checked once, and repaired where Debian's OpenBLAS
/// mistakes a newer CPU for a Pentium 4: see ``BLASKernelSelection``.
public enum BLAS {
    /// The largest size a BLAS integer (`blasint`, 32 bits in Debian's build) can hold.
    public static let maximumSize = Int(blasint.max)

    /// The number of threads OpenBLAS uses for one routine call.
    ///
    /// Setting it changes the whole process's OpenBLAS pool; values below 1 are raised to 1.
    /// The corresponding C functions are `openblas_get_num_threads` and `openblas_set_num_threads`.
    public static var threadCount: Int {
        get {
            prepare()
            return Int(openblas_get_num_threads())
        }
        set {
            prepare()
            openblas_set_num_threads(Int32(clamping: max(1, newValue)))
        }
    }

    /// The number of processors OpenBLAS detected.
    ///
    /// The corresponding C function is `openblas_get_num_procs`.
    public static var processorCount: Int { Int(openblas_get_num_procs()) }

    /// OpenBLAS's description of its build, for instance
    /// `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Zen MAX_THREADS=64"`.
    ///
    /// The corresponding C function is `openblas_get_config`.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// The name of the CPU core kernels OpenBLAS chose at load time, for instance `"Zen"` or `"Haswell"`.
    ///
    /// The corresponding C function is `openblas_get_corename`.
    public static var coreName: String {
        prepare()
        return String(cString: openblas_get_corename())
    }

    /// The kernels in use, those OpenBLAS chose, and why they differ if they do.
    public static var kernelSelection: BLASKernelSelection {
        prepare()
        return BLASKernelSelection.current
    }

    /// The one-time set-up every entry point waits for: the kernels checked, the pool at one thread.
    private static let setUp: Void = {
        _ = BLASKernelSelection.current
        openblas_set_num_threads(1)
    }()

    static func prepare() { setUp }

    // MARK: - Level 3

    /// General matrix product, accumulating: `C ← alpha · op(A) · op(B) + beta · C`.
    ///
    /// Concretely, with `op(X) = Xᵀ` when the matching transpose flag is set and `X` otherwise:
    ///
    /// ```
    /// C[i, j] ← alpha · Σ_p op(A)[i, p] · op(B)[p, j] + beta · C[i, j]    for i < m, j < n, p < k
    /// ```
    ///
    /// `op(A)` is m × k, `op(B)` is k × n and `C` is m × n. `A` is therefore stored as m × k (k × m when transposed)
    /// with rows `lda` elements apart, likewise `B` with `ldb` and `C` with `ldc`. With `beta == 0`, `C` is only
    /// written, never read, so it may hold anything (even NaN) on entry.
    ///
    /// - Parameters:
    ///   - transposeA: Whether `op(A)` is `Aᵀ`.
    ///   - transposeB: Whether `op(B)` is `Bᵀ`.
    ///   - m: Rows of `op(A)` and of `C`.
    ///   - n: Columns of `op(B)` and of `C`.
    ///   - k: Columns of `op(A)`, rows of `op(B)`: the length of each dot product.
    ///   - alpha: Scale of the product.
    ///   - a: The elements of `A`, row-major.
    ///   - lda: Distance between the starts of two rows of `A` as stored; at least its stored column count.
    ///   - b: The elements of `B`, row-major.
    ///   - ldb: Distance between the starts of two rows of `B` as stored.
    ///   - beta: Scale of the previous contents of `C`; 0 overwrites, 1 accumulates.
    ///   - c: The elements of `C`, row-major, updated in place.
    ///   - ldc: Distance between the starts of two rows of `C`; at least `n`.
    ///
    /// The corresponding C function is `cblas_sgemm`.
    public static func sgemm(
        transposeA: Bool,
        transposeB: Bool,
        m: Int,
        n: Int,
        k: Int,
        alpha: Float,
        a: UnsafeBufferPointer<Float>,
        lda: Int,
        b: UnsafeBufferPointer<Float>,
        ldb: Int,
        beta: Float,
        c: UnsafeMutableBufferPointer<Float>,
        ldc: Int
    ) {
        prepare()
        guard prepareProduct("sgemm", transposeA, transposeB, m, n, k, a.count, lda, b.count, ldb, beta, c, ldc)
        else { return }
        ProductCounter.record(m: m, n: n, k: k)
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"),
            alpha,
            a.baseAddress, blasInt(lda, "lda"),
            b.baseAddress, blasInt(ldb, "ldb"),
            beta,
            c.baseAddress, blasInt(ldc, "ldc")
        )
    }

    /// General matrix product in double precision, accumulating: `C ← alpha · op(A) · op(B) + beta · C`.
    ///
    /// The same contract as ``sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` for `Double`
    /// elements. The engine trains in Float32; this exists so that every layer's kernels can also be instantiated in
    /// Double, where finite differences are accurate enough to check a backward pass to 1e-6.
    ///
    /// The corresponding C function is `cblas_dgemm`.
    public static func dgemm(
        transposeA: Bool,
        transposeB: Bool,
        m: Int,
        n: Int,
        k: Int,
        alpha: Double,
        a: UnsafeBufferPointer<Double>,
        lda: Int,
        b: UnsafeBufferPointer<Double>,
        ldb: Int,
        beta: Double,
        c: UnsafeMutableBufferPointer<Double>,
        ldc: Int
    ) {
        prepare()
        guard prepareProduct("dgemm", transposeA, transposeB, m, n, k, a.count, lda, b.count, ldb, beta, c, ldc)
        else { return }
        ProductCounter.record(m: m, n: n, k: k)
        cblas_dgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasInt(m, "m"), blasInt(n, "n"), blasInt(k, "k"),
            alpha,
            a.baseAddress, blasInt(lda, "lda"),
            b.baseAddress, blasInt(ldb, "ldb"),
            beta,
            c.baseAddress, blasInt(ldc, "ldc")
        )
    }

    /// Checks a product's sizes and buffers; returns `false` when the product is empty and has been done here.
    private static func prepareProduct<T: BinaryFloatingPoint>(
        _ routine: String,
        _ transposeA: Bool,
        _ transposeB: Bool,
        _ m: Int,
        _ n: Int,
        _ k: Int,
        _ aCount: Int,
        _ lda: Int,
        _ bCount: Int,
        _ ldb: Int,
        _ beta: T,
        _ c: UnsafeMutableBufferPointer<T>,
        _ ldc: Int
    ) -> Bool {
        precondition(
            m >= 0 && n >= 0 && k >= 0, "BLAS.\(routine) expects non-negative sizes, got m \(m), n \(n), k \(k)")
        // Stored shapes: A is m × k, or k × m when transposed; B is k × n, or n × k when transposed.
        let (aRows, aColumns) = transposeA ? (k, m) : (m, k)
        let (bRows, bColumns) = transposeB ? (n, k) : (k, n)
        checkMatrix(routine, "A", buffer: aCount, rows: aRows, columns: aColumns, leadingDimension: lda)
        checkMatrix(routine, "B", buffer: bCount, rows: bRows, columns: bColumns, leadingDimension: ldb)
        checkMatrix(routine, "C", buffer: c.count, rows: m, columns: n, leadingDimension: ldc)
        if m == 0 || n == 0 { return false }
        if k == 0 {
            // An empty sum: C ← beta · C. Done here because empty A or B buffers may have no base address.
            for row in 0..<m {
                for column in 0..<n {
                    c[row * ldc + column] = beta == 0 ? 0 : beta * c[row * ldc + column]
                }
            }
            return false
        }
        return true
    }

    // MARK: - Level 1

    /// Scaled vector addition: `y ← alpha · x + y`.
    ///
    /// - Parameters:
    ///   - alpha: Scale of `x`.
    ///   - x: The vector added; as many elements as `y`.
    ///   - y: The vector updated in place.
    ///
    /// The corresponding C function is `cblas_saxpy`.
    public static func saxpy(alpha: Float, x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) {
        precondition(x.count == y.count, "BLAS.saxpy expects vectors of equal length, got \(x.count) and \(y.count)")
        guard !x.isEmpty else { return }
        prepare()
        cblas_saxpy(blasInt(x.count, "count"), alpha, x.baseAddress, 1, y.baseAddress, 1)
    }

    /// Dot product in single precision: `Σ_i x[i] · y[i]`.
    ///
    /// OpenBLAS accumulates in Float; use ``Tensor`` reductions where a Double accumulator matters.
    ///
    /// - Parameters:
    ///   - x: The first vector.
    ///   - y: The second vector; as many elements as `x`.
    /// - Returns: The dot product; 0 for empty vectors.
    ///
    /// The corresponding C function is `cblas_sdot`.
    public static func sdot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Float {
        precondition(x.count == y.count, "BLAS.sdot expects vectors of equal length, got \(x.count) and \(y.count)")
        guard !x.isEmpty else { return 0 }
        prepare()
        return cblas_sdot(blasInt(x.count, "count"), x.baseAddress, 1, y.baseAddress, 1)
    }

    /// Scales a vector in place: `x ← alpha · x`.
    ///
    /// - Parameters:
    ///   - alpha: The scale.
    ///   - x: The vector updated in place.
    ///
    /// The corresponding C function is `cblas_sscal`.
    public static func sscal(alpha: Float, x: UnsafeMutableBufferPointer<Float>) {
        guard !x.isEmpty else { return }
        prepare()
        cblas_sscal(blasInt(x.count, "count"), alpha, x.baseAddress, 1)
    }

    // MARK: - Checks

    /// Converts a size to `blasint`, trapping with a message when it does not fit.
    private static func blasInt(_ value: Int, _ name: String) -> blasint {
        guard let converted = blasint(exactly: value) else {
            preconditionFailure("BLAS size \(name) = \(value) exceeds the BLAS integer range (at most \(maximumSize))")
        }
        return converted
    }

    /// Checks that a row-major matrix of the given stored shape fits in a buffer of `buffer` elements.
    private static func checkMatrix(
        _ routine: String,
        _ name: String,
        buffer: Int,
        rows: Int,
        columns: Int,
        leadingDimension: Int
    ) {
        precondition(
            leadingDimension >= max(1, columns),
            "BLAS.\(routine) expects ld\(name.lowercased()) ≥ max(1, \(columns)) for \(name) stored as "
                + "\(rows) × \(columns), got \(leadingDimension)"
        )
        let needed = (rows == 0 || columns == 0) ? 0 : (rows - 1) * leadingDimension + columns
        precondition(
            buffer >= needed,
            "BLAS.\(routine) expects at least \(needed) elements for \(name) stored as \(rows) × \(columns) with leading "
                + "dimension \(leadingDimension), got \(buffer)"
        )
    }
}
