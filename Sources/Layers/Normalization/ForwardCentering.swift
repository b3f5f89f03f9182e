import Tensors

/// How much the forward pass re-centres (analysis/METHODS.md, "How much the forward pass re-centres"): the mean over
/// the input's rows of |μᵣ|/σᵣ, σᵣ the population standard deviation without ε, in Double.
///
/// Computed from the input rather than from the row values the kernel saves: those are μ (0 for the variants that do
/// not centre) and 1/D, where D carries ε, Bessel's correction or the RMS, depending on the preset — none of them
/// the σ defined here. Only a recorded step pays for this pass.
enum ForwardCentering {
    /// Writes |μ|/σ of each of `rows` into `ratios[row]`, NaN where the row is constant (σ = 0) or not finite.
    ///
    /// A row is constant when its elements are all equal: decided on the elements, not on the computed σ, since the
    /// rounded mean of a Double row of equal values can leave deviations of 1e-17.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func rowRatios<S: MatrixScalar>(
        _ input: UnsafePointer<S>, width: Int, rows: Range<Int>, into ratios: UnsafeMutablePointer<Double>
    ) {
        let h = Double(width)
        for row in rows {
            let x = input + row * width
            var lanes = SIMD8<Double>()
            var (low, high) = (x[0], x[0])
            var i = 0
            while i + 8 <= width {
                let v = NormKernel.load(x + i)
                (low, high) = (min(low, v.min()), max(high, v.max()))
                lanes += SIMD8<Double>(v)
                i += 8
            }
            var sum = lanes.sum()
            while i < width {
                (low, high) = (min(low, x[i]), max(high, x[i]))
                sum += Double(x[i])
                i += 1
            }
            let mu = sum / h
            let center = SIMD8<Double>(repeating: mu)
            lanes = SIMD8<Double>()
            i = 0
            while i + 8 <= width {
                let v = SIMD8<Double>(NormKernel.load(x + i)) - center
                lanes += v * v
                i += 8
            }
            var squares = lanes.sum()
            while i < width {
                let v = Double(x[i]) - mu
                squares += v * v
                i += 1
            }
            let sigma = (squares / h).squareRoot()
            ratios[row] = low != high && sigma > 0 ? abs(mu) / sigma : .nan
        }
    }

    /// The mean of the ratios that are not NaN, in row order so that it does not depend on how rows were split over
    /// threads; NaN when every row was constant (or there are no rows).
    static func mean(_ ratios: UnsafeBufferPointer<Double>) -> Double {
        var total = 0.0
        var count = 0
        for ratio in ratios where !ratio.isNaN {
            total += ratio
            count += 1
        }
        return count > 0 ? total / Double(count) : .nan
    }
}
