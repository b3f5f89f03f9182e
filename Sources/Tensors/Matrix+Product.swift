extension Matrix {
    /// The product `op(a) · op(b)` into `result`, optionally accumulating.
    ///
    /// Concretely, with `op(X) = Xᵀ` when the matching flag is set:
    ///
    /// ```
    /// result ← alpha · op(a) · op(b) + beta · result
    /// ```
    ///
    /// `result` is resized to `op(a).rows × op(b).columns` when `beta == 0` (reusing its storage when the count
    /// matches) and must already have that shape otherwise.
    ///
    /// - Parameters:
    ///   - a: The left factor.
    ///   - transposeA: Whether to use `aᵀ`.
    ///   - b: The right factor.
    ///   - transposeB: Whether to use `bᵀ`.
    ///   - alpha: Scale of the product.
    ///   - beta: Scale of `result`'s previous contents; 0 overwrites, 1 accumulates.
    ///   - result: The output.
    // Inlinable so that a caller in another module resizes `result` with its own specialized code rather than
    // through the generic entry point. A large product is shared among `RowParallel.automatic`'s tasks
    // (`ParallelProduct`), the same value bit for bit as one BLAS call.
    @inlinable
    public static func multiply(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false,
        alpha: Scalar = 1, beta: Scalar = 0,
        into result: inout Matrix
    ) {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(
            k == kb,
            "Matrix product expects op(a) columns == op(b) rows, got \(m) × \(k) and \(kb) × \(n)")
        if beta == 0 {
            result.resize(rows: m, columns: n)
        } else {
            precondition(
                result.rows == m && result.columns == n,
                "Matrix product accumulating into \(result.rows) × \(result.columns) expects \(m) × \(n)")
        }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                result.withUnsafeMutableBufferPointer { pc in
                    ParallelProduct.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: pa, lda: max(1, a.columns), b: pb, ldb: max(1, b.columns),
                        beta: beta, c: pc, ldc: max(1, n))
                }
            }
        }
    }

    /// The product `op(a) · op(b)` as a new matrix.
    @inlinable
    public static func product(
        _ a: Matrix, transposeA: Bool = false,
        _ b: Matrix, transposeB: Bool = false
    ) -> Matrix {
        var result = Matrix(rows: 0, columns: 0)
        multiply(a, transposeA: transposeA, b, transposeB: transposeB, into: &result)
        return result
    }
}
