/// Matrix products of tensors through OpenBLAS's `sgemm`.
///
/// Each operand is seen as its ``Tensor/rows`` × ``Tensor/columns`` matrix (leading axes flattened), so a
/// `[batch, time, features]` activation multiplies a `[features, outputs]` weight directly, and its transpose gives
/// the weight gradient `Xᵀ · ∂L/∂Y` without reshaping.
extension Tensor {
    /// The matrix product `op(a) · op(b)`, where `op(X)` is `Xᵀ` when the matching flag is set.
    ///
    /// Concretely, with `op(a)` m × k and `op(b)` k × n:
    ///
    /// ```
    /// C[i, j] = Σ_p op(a)[i, p] · op(b)[p, j]
    /// ```
    ///
    /// The result has shape `[m, n]`, except that an untransposed `a` of rank above 2 keeps its leading axes:
    /// `[B, T, H] · [H, O]` gives `[B, T, O]`.
    ///
    /// - Parameters:
    ///   - a: The left operand.
    ///   - b: The right operand.
    ///   - transposeA: Whether to use `aᵀ`.
    ///   - transposeB: Whether to use `bᵀ`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let m = transposeA ? a.columns : a.rows
        let n = transposeB ? b.rows : b.columns
        let shape = (!transposeA && a.rank > 2) ? Array(a.shape.dropLast()) + [n] : [m, n]
        var c = Tensor(zeros: shape)
        BLAS.matmul(a, b, into: &c, transposeA: transposeA, transposeB: transposeB)
        return c
    }
}

extension BLAS {
    /// Accumulates a matrix product into an existing tensor: `c ← alpha · op(a) · op(b) + beta · c`.
    ///
    /// Concretely, with `op(a)` m × k, `op(b)` k × n and `c` seen as m × n:
    ///
    /// ```
    /// c[i, j] ← alpha · Σ_p op(a)[i, p] · op(b)[p, j] + beta · c[i, j]
    /// ```
    ///
    /// Use `beta = 1` to add a gradient contribution to one already there, and keep `c` across steps so that no step
    /// allocates. `c` keeps its shape, which may be any shape of m rows of n columns (such as `[B, T, n]`).
    ///
    /// - Parameters:
    ///   - a: The left operand.
    ///   - b: The right operand.
    ///   - c: The output, m rows × n columns in its matrix view; read only when `beta ≠ 0`.
    ///   - transposeA: Whether to use `aᵀ`.
    ///   - transposeB: Whether to use `bᵀ`.
    ///   - alpha: Scale of the product.
    ///   - beta: Scale of the previous contents of `c`; 0 overwrites, 1 accumulates.
    public static func matmul(
        _ a: Tensor,
        _ b: Tensor,
        into c: inout Tensor,
        transposeA: Bool = false,
        transposeB: Bool = false,
        alpha: Float = 1,
        beta: Float = 0
    ) {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (bRows, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        precondition(
            k == bRows,
            "BLAS.matmul expects op(a) columns to equal op(b) rows, got op(a) \(m) × \(k) (a \(a.shape)"
                + (transposeA ? " transposed" : "") + ") and op(b) \(bRows) × \(n) (b \(b.shape)"
                + (transposeB ? " transposed" : "") + ")"
        )
        precondition(
            c.rows == m && c.columns == n,
            "BLAS.matmul expects an output of \(m) × \(n), got shape \(c.shape) (\(c.rows) × \(c.columns))"
        )
        a.withUnsafeBufferPointer { aBuffer in
            b.withUnsafeBufferPointer { bBuffer in
                c.withUnsafeMutableBufferPointer { cBuffer in
                    BLAS.sgemm(
                        transposeA: transposeA, transposeB: transposeB,
                        m: m, n: n, k: k,
                        alpha: alpha,
                        a: aBuffer, lda: max(1, a.columns),
                        b: bBuffer, ldb: max(1, b.columns),
                        beta: beta,
                        c: cBuffer, ldc: max(1, n)
                    )
                }
            }
        }
    }
}
