import Tensors

#if arch(x86_64)
    import _Builtin_intrinsics.intel
#endif

/// Adam's update in Float, four elements at a time.
///
/// The generic loop does not vectorize: on Linux, Swift's `squareRoot()` is a `sqrtf` call kept for `errno`'s sake
/// (a scalar `sqrtss` with a branch to the library), and that one call keeps the whole loop scalar; Adam was then 15%
/// of the MLP's step. Here the square root is SSE's `sqrtps` (every x86-64 CPU has it; no target flag needed), and the
/// arithmetic is `SIMD4<Float>`'s, which the compiler lowers to vector instructions for the concrete type. `sqrtps` is
/// correctly rounded like `sqrtss`, and the expression is the generic loop's in the same order, so an element's value
/// is the same whichever loop computes it.
enum AdamFloatKernel {
    /// Updates the whole vectors of `range` and returns where the generic loop takes over.
    @inline(__always)
    static func update<Scalar: MatrixScalar>(
        theta: UnsafeMutablePointer<Scalar>, gradient: UnsafeMutablePointer<Scalar>, m: UnsafeMutablePointer<Scalar>,
        v: UnsafeMutablePointer<Scalar>, range: Range<Int>, _ c: Adam<Scalar>.Coefficients
    ) -> Int {
        typealias V = SIMD4<Float>
        func float(_ p: UnsafeMutablePointer<Scalar>) -> UnsafeMutableRawPointer { UnsafeMutableRawPointer(p) }
        let (theta, gradient, m, v) = (float(theta), float(gradient), float(m), float(v))
        func splat(_ x: Scalar) -> V { V(repeating: Float(x)) }
        let l2Rate = splat(c.l2Rate), decayFactor = splat(c.decayFactor)
        let beta1 = splat(c.beta1), beta2 = splat(c.beta2)
        let oneMinusBeta1 = splat(c.oneMinusBeta1), oneMinusBeta2 = splat(c.oneMinusBeta2)
        let stepSize = splat(c.stepSize), correction2Root = splat(c.correction2Root), epsilon = splat(c.epsilon)
        var i = range.lowerBound
        while i + 4 <= range.upperBound {
            let offset = i * MemoryLayout<Float>.stride
            let t = theta.loadUnaligned(fromByteOffset: offset, as: V.self)
            let g = gradient.loadUnaligned(fromByteOffset: offset, as: V.self) + l2Rate * t
            let mi = beta1 * m.loadUnaligned(fromByteOffset: offset, as: V.self) + oneMinusBeta1 * g
            let vi = beta2 * v.loadUnaligned(fromByteOffset: offset, as: V.self) + oneMinusBeta2 * g * g
            m.storeBytes(of: mi, toByteOffset: offset, as: V.self)
            v.storeBytes(of: vi, toByteOffset: offset, as: V.self)
            let updated = t * decayFactor - stepSize * (mi / (squareRoots(vi) / correction2Root + epsilon))
            theta.storeBytes(of: updated, toByteOffset: offset, as: V.self)
            gradient.storeBytes(of: V(), toByteOffset: offset, as: V.self)
            i += 4
        }
        return i
    }

    @inline(__always)
    private static func squareRoots(_ x: SIMD4<Float>) -> SIMD4<Float> {
        #if arch(x86_64)
            _mm_sqrt_ps(x)
        #else
            SIMD4(x[0].squareRoot(), x[1].squareRoot(), x[2].squareRoot(), x[3].squareRoot())
        #endif
    }
}
