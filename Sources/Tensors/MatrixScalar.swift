import Foundation

/// An element type the layers can be instantiated with: `Float` for training, `Double` for gradient checks.
///
/// Every layer kernel is generic over this protocol, so the code that trains in Float32 is the very code that the
/// tests differentiate numerically in Double, where central finite differences reach 1e-10 relative accuracy and a
/// backward pass can be held to 1e-6. The only operation that cannot be written generically is the matrix product,
/// which each type routes to its own BLAS routine.
public protocol MatrixScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger, Self.RawExponent: FixedWidthInteger {
    /// `C ← alpha · op(A) · op(B) + beta · C` on row-major buffers; the contract of
    /// ``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    static func gemm(
        transposeA: Bool,
        transposeB: Bool,
        m: Int,
        n: Int,
        k: Int,
        alpha: Self,
        a: UnsafeBufferPointer<Self>,
        lda: Int,
        b: UnsafeBufferPointer<Self>,
        ldb: Int,
        beta: Self,
        c: UnsafeMutableBufferPointer<Self>,
        ldc: Int
    )

    /// The natural exponential, for softmax and GELU.
    static func exp(_ x: Self) -> Self
    /// The natural logarithm, for cross-entropy.
    static func log(_ x: Self) -> Self
    /// The hyperbolic tangent, for GELU's tanh approximation.
    static func tanh(_ x: Self) -> Self
    /// The error function, for exact GELU.
    static func erf(_ x: Self) -> Self
    /// `x` truncated toward zero, for a histogram's bin index; `x` must be finite and within `Int`'s range.
    ///
    /// A requirement rather than `Int(x)` because the generic `Int.init<T: BinaryFloatingPoint>` stays a slow
    /// out-of-line conversion even in specialized code.
    static func truncatedInteger(_ x: Self) -> Int
}

extension Float: MatrixScalar {
    /// Routes to ``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafeBufferPointer<Float>, lda: Int, b: UnsafeBufferPointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutableBufferPointer<Float>, ldc: Int
    ) {
        BLAS.sgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
        )
    }
    @inlinable public static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    @inlinable public static func log(_ x: Float) -> Float { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Float) -> Float { Foundation.tanh(x) }
    @inlinable public static func erf(_ x: Float) -> Float { Foundation.erf(x) }
    @inlinable public static func truncatedInteger(_ x: Float) -> Int { Int(x) }
}

extension Double: MatrixScalar {
    /// Routes to ``BLAS/dgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    @inlinable
    public static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafeBufferPointer<Double>, lda: Int, b: UnsafeBufferPointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutableBufferPointer<Double>, ldc: Int
    ) {
        BLAS.dgemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc
        )
    }
    @inlinable public static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Foundation.log(x) }
    @inlinable public static func tanh(_ x: Double) -> Double { Foundation.tanh(x) }
    @inlinable public static func erf(_ x: Double) -> Double { Foundation.erf(x) }
    @inlinable public static func truncatedInteger(_ x: Double) -> Int { Int(x) }
}
