#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// `exp(x − shift)` over a run of Floats, four at a time: the exponentials of the softmaxes (attention's and the
/// loss's), which a step of the char-LM computes 1.5 million times.
///
/// The C library's `expf`, called per element from Swift, cost about 28 ns an element here against 3.6 ns for this
/// loop (SSE, every x86-64 CPU has it; no target flag needed). The method is the classic one (Cephes' `expf`):
/// `x = n·ln 2 + r` with `n` the nearest integer to `x / ln 2` and `|r| ≤ ln 2 / 2`, `ln 2` split in two parts so that
/// `r` is exact; `exp(r)` by a degree-6 polynomial; `2ⁿ` built in the exponent bits. Measured against Double `exp`
/// over [−88, 88]: at most 0.9 ulp from the correctly rounded value.
///
/// Meant for softmax, whose arguments are at most 0: an argument below −87.34 (where Float's normal range ends)
/// gives 0, not the subnormal `expf` would; one above 88 gives exp(88), not up to ∞; NaN stays NaN. Every element, the last few of a run
/// included, goes through the same vector code, so a value does not depend on where in the run it sits.
public enum Exponentials {
    /// `destination[i] ← exp(source[i] − shift)` for `i < count`, returning their sum; `destination` may be
    /// `source`.
    ///
    /// The sum is accumulated in Double, in four lanes (element `i` in lane `i mod 4`) added at the end as
    /// `(lane 0 + lane 1) + (lane 2 + lane 3)`: a fixed order, so the same run gives the same sum wherever it is.
    @discardableResult
    public static func shifted(
        _ source: UnsafePointer<Float>, minus shift: Float, into destination: UnsafeMutablePointer<Float>, count: Int
    ) -> Double {
        let s = SIMD4<Float>(repeating: shift)
        var sums = (SIMD2<Double>(), SIMD2<Double>())
        var i = 0
        while i + 4 <= count {
            let x = UnsafeRawPointer(source + i).loadUnaligned(as: SIMD4<Float>.self)
            let e = exp4(x - s)
            UnsafeMutableRawPointer(destination + i).storeBytes(of: e, as: SIMD4<Float>.self)
            accumulate(e, into: &sums)
            i += 4
        }
        if i < count {
            var tail = SIMD4<Float>()
            for lane in 0..<(count - i) { tail[lane] = source[i + lane] }
            var e = exp4(tail - s)
            for lane in 0..<4 {
                if lane < count - i { destination[i + lane] = e[lane] } else { e[lane] = 0 }
            }
            accumulate(e, into: &sums)
        }
        return (sums.0[0] + sums.0[1]) + (sums.1[0] + sums.1[1])
    }

    /// The largest of `count ≥ 1` values, four lanes at a time; a NaN among them may or may not be returned (a
    /// softmax over them is NaN either way).
    public static func maximum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count >= 1, "Exponentials.maximum expects at least one value")
        var lanes = SIMD4<Float>(repeating: p[0])
        var i = 0
        while i + 4 <= count {
            lanes = pointwiseMax4(lanes, UnsafeRawPointer(p + i).loadUnaligned(as: SIMD4<Float>.self))
            i += 4
        }
        var m = lanes.max()
        while i < count {
            m = Swift.max(m, p[i])
            i += 1
        }
        return m
    }

    @inline(__always)
    private static func pointwiseMax4(_ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
            _mm_max_ps(a, b)
        #else
            pointwiseMax(a, b)
        #endif
    }

    @inline(__always)
    private static func accumulate(_ e: SIMD4<Float>, into sums: inout (SIMD2<Double>, SIMD2<Double>)) {
        sums.0 += SIMD2<Double>(Double(e[0]), Double(e[1]))
        sums.1 += SIMD2<Double>(Double(e[2]), Double(e[3]))
    }

    /// ``shifted(_:minus:into:count:)`` for any element type: Float takes the vector path; other types (Double, for
    /// the gradient checks) compute `exp` one element at a time and sum in Double in element order.
    @inlinable
    public static func shifted<Scalar: MatrixScalar>(
        _ source: UnsafePointer<Scalar>, minus shift: Scalar, into destination: UnsafeMutablePointer<Scalar>,
        count: Int
    ) -> Double {
        if Scalar.self == Float.self {
            return shifted(
                UnsafeRawPointer(source).assumingMemoryBound(to: Float.self),
                minus: unsafeBitCast(shift, to: Float.self),
                into: UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Float.self), count: count)
        }
        var sum = 0.0
        for i in 0..<count {
            let e = Scalar.exp(source[i] - shift)
            destination[i] = e
            sum += Double(e)
        }
        return sum
    }

    /// ``maximum(_:count:)`` for any element type: Float takes the vector path, other types a plain loop.
    @inlinable
    public static func maximum<Scalar: MatrixScalar>(_ p: UnsafePointer<Scalar>, count: Int) -> Scalar {
        if Scalar.self == Float.self {
            return unsafeBitCast(
                maximum(UnsafeRawPointer(p).assumingMemoryBound(to: Float.self), count: count), to: Scalar.self)
        }
        precondition(count >= 1, "Exponentials.maximum expects at least one value")
        var m = p[0]
        for i in 1..<count { m = max(m, p[i]) }
        return m
    }

    /// The exponentials of four values.
    @inline(__always)
    static func exp4(_ x: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
            // min and max return their second operand when either is NaN: the argument, so NaN goes through.
            // The bounds keep n in [−126, 127], so 2ⁿ is a normal Float.
            let lower = SIMD4<Float>(repeating: -87.336_544_750_553_1)
            let clamped = _mm_max_ps(lower, _mm_min_ps(SIMD4<Float>(repeating: 88), x))
            let n = _mm_cvtps_epi32(clamped * SIMD4<Float>(repeating: 1.442_695_040_888_963_4))
            let nf = _mm_cvtepi32_ps(n)
            let r =
                (clamped - nf * SIMD4<Float>(repeating: 0.693_359_375)) - nf * SIMD4<Float>(repeating: -2.121_944_4e-4)
            var y = SIMD4<Float>(repeating: 1.987_569_150_0e-4)
            y = y * r + SIMD4<Float>(repeating: 1.398_199_950_7e-3)
            y = y * r + SIMD4<Float>(repeating: 8.333_451_907_3e-3)
            y = y * r + SIMD4<Float>(repeating: 4.166_579_589_4e-2)
            y = y * r + SIMD4<Float>(repeating: 1.666_666_545_9e-1)
            y = y * r + SIMD4<Float>(repeating: 5.000_000_120_1e-1)
            y = y * (r * r) + r + SIMD4<Float>(repeating: 1)
            // 2ⁿ: n + 127 in the exponent field.
            let power = _mm_castsi128_ps(_mm_slli_epi32(_mm_add_epi32(n, _mm_set1_epi32(127)), 23))
            // Below the lower bound, 0; "not less than" is true for NaN, which the mask therefore keeps.
            return _mm_and_ps(y * power, _mm_cmpnlt_ps(x, lower))
        #else
            return SIMD4(x[0].exp, x[1].exp, x[2].exp, x[3].exp)
        #endif
    }
}

#if !arch(x86_64)
    import Foundation
    extension Float {
        fileprivate var exp: Float { Foundation.exp(self) }
    }
#endif
