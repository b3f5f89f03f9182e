/// Sums of Float elements accumulated in Double, in a fixed order, fast.
///
/// Why Double: a Float accumulator's rounding error grows with the number of additions, up to n · 2⁻²⁴ relative
/// (0.1 % for a 16 K-element row), and it would show up as noise in the re-centering statistics NormScope records.
/// Double keeps sums of Float inputs accurate to ~1e-12 for any realistic row length.
///
/// Why a fixed order of 16 lanes: a single accumulator makes every addition wait for the previous one (4 cycles
/// each), which would make memory-bound row kernels compute-bound. Sixteen independent lanes, combined in a fixed
/// order at the end, let the compiler use vector registers while the result stays the same on every run and every
/// split of the rows: the order depends on the row length only.
///
/// Layers use these on the rows of their own kernels, such as the per-row sums `Σ_c g` and `Σ_c g · ŷ` of a
/// normalization layer's backward pass.
public enum DoubleAccumulator {
    /// The number of independent partial sums per call.
    public static let laneCount = 16

    /// `Σ_i x[i]`, accumulated in Double.
    @inlinable @inline(__always)
    public static func sum(_ x: UnsafeBufferPointer<Float>) -> Double {
        guard let base = x.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        var low = SIMD8<Double>()
        var high = SIMD8<Double>()
        var i = 0
        while i + laneCount <= x.count {
            low += SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            high += SIMD8<Double>(raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self))
            i += laneCount
        }
        var total = combine(low, high)
        while i < x.count {
            total += Double(x[i])
            i += 1
        }
        return total
    }

    /// `Σ_i (x[i] − center)²`, accumulated in Double: the second pass of a two-pass variance.
    ///
    /// The two-pass form avoids the cancellation of `Σx² − n·μ²`, which loses every digit when |μ| ≫ σ.
    @inlinable @inline(__always)
    public static func sumOfSquaredDeviations(_ x: UnsafeBufferPointer<Float>, from center: Double) -> Double {
        guard let base = x.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let mu = SIMD8<Double>(repeating: center)
        var low = SIMD8<Double>()
        var high = SIMD8<Double>()
        var i = 0
        while i + laneCount <= x.count {
            let d0 = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)) - mu
            let d1 = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self)) - mu
            low += d0 * d0
            high += d1 * d1
            i += laneCount
        }
        var total = combine(low, high)
        while i < x.count {
            let d = Double(x[i]) - center
            total += d * d
            i += 1
        }
        return total
    }

    /// `Σ_i x[i] · y[i]`, accumulated in Double; each product of two Floats is exact in Double.
    ///
    /// - Parameters:
    ///   - x: The first vector.
    ///   - y: The second vector, as long as `x`.
    @inlinable @inline(__always)
    public static func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>) -> Double {
        precondition(x.count == y.count, "DoubleAccumulator.dot expects equal lengths, got \(x.count) and \(y.count)")
        guard let xBase = x.baseAddress, let yBase = y.baseAddress else { return 0 }
        let xRaw = UnsafeRawPointer(xBase)
        let yRaw = UnsafeRawPointer(yBase)
        var low = SIMD8<Double>()
        var high = SIMD8<Double>()
        var i = 0
        while i + laneCount <= x.count {
            let x0 = SIMD8<Double>(xRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            let y0 = SIMD8<Double>(yRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
            let x1 = SIMD8<Double>(xRaw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self))
            let y1 = SIMD8<Double>(yRaw.loadUnaligned(fromByteOffset: (i + 8) * 4, as: SIMD8<Float>.self))
            low += x0 * y0
            high += x1 * y1
            i += laneCount
        }
        var total = combine(low, high)
        while i < x.count {
            total += Double(x[i]) * Double(y[i])
            i += 1
        }
        return total
    }

    /// Adds the 16 lanes in a fixed order (the stdlib's `sum()` leaves its order unspecified).
    @usableFromInline @inline(__always)
    static func combine(_ low: SIMD8<Double>, _ high: SIMD8<Double>) -> Double {
        let pairs = low + high
        var total = 0.0
        for lane in 0..<8 { total += pairs[lane] }
        return total
    }
}
