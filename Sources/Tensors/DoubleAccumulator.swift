/// Sums of Float elements accumulated in Double, in a fixed order, fast.
///
/// Why Double: a Float accumulator loses about log2(n) bits over n additions, and a 16 K-element row sum in Float
/// can be off in the fourth digit, which would show up as noise in the re-centering statistics NormScope records.
/// Double keeps every partial sum of Float inputs nearly exact for any realistic row length.
///
/// Why a fixed order of 16 lanes: a single accumulator makes every addition wait for the previous one (4 cycles
/// each), which would make memory-bound row kernels compute-bound. Sixteen independent lanes, combined in a fixed
/// order at the end, let the compiler use vector registers while the result stays the same on every run and every
/// split of the rows: the order depends on the row length only.
enum DoubleAccumulator {
    /// The number of independent partial sums per call.
    static let laneCount = 16

    /// `Σ_i x[i]`, accumulated in Double.
    @inline(__always)
    static func sum(_ x: UnsafeBufferPointer<Float>) -> Double {
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
    @inline(__always)
    static func sumOfSquaredDeviations(_ x: UnsafeBufferPointer<Float>, from center: Double) -> Double {
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

    /// Adds the 16 lanes in a fixed order (the stdlib's `sum()` leaves its order unspecified).
    @inline(__always)
    private static func combine(_ low: SIMD8<Double>, _ high: SIMD8<Double>) -> Double {
        let pairs = low + high
        var total = 0.0
        for lane in 0..<8 { total += pairs[lane] }
        return total
    }
}
