import Tensors

/// Limits on accumulated gradients, applied between the backward pass and the optimizer step, as PyTorch's
/// `torch.nn.utils.clip_grad_norm_` and `clip_grad_value_` apply them.
///
/// Concretely, over the gradients `gₚ` of the parameters `p` given:
///
/// ```
/// by global norm:  ‖g‖ = √(Σₚ Σᵢ gₚᵢ²)
///                  c = maximumNorm / (‖g‖ + 10⁻⁶);   gₚ ← c·gₚ   when c < 1
/// by value:        gₚᵢ ← min(max(gₚᵢ, −maximumMagnitude), maximumMagnitude)
/// ```
///
/// Clipping by norm rescales all gradients together, keeping their direction; the 10⁻⁶ is PyTorch's guard against
/// dividing by a zero norm, and makes the clipped norm `maximumNorm·‖g‖ / (‖g‖ + 10⁻⁶)`, a hair below `maximumNorm`.
/// Like PyTorch's clamped coefficient, the test is `c < 1`, that is `‖g‖ > maximumNorm − 10⁻⁶`.
public enum GradientClipping {
    /// Scales every gradient by `maximumNorm / (‖g‖ + 10⁻⁶)` when that is below 1, and returns the global norm `‖g‖`
    /// from before the scaling.
    ///
    /// The squares are summed in Double whatever `Scalar` is. A norm that is not finite (an overflowing or NaN
    /// gradient) is returned without touching the gradients, so the caller can see it and skip the step; PyTorch
    /// would multiply them by 0 or NaN.
    ///
    /// - Parameters:
    ///   - parameters: The parameters whose gradients are clipped together.
    ///   - maximumNorm: The largest global L2 norm allowed; greater than 0.
    /// - Returns: The global L2 norm of all the gradients before clipping.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func clipByGlobalNorm<Scalar: MatrixScalar>(
        _ parameters: [Parameter<Scalar>], maximumNorm: Double
    ) -> Double {
        precondition(maximumNorm > 0, "GradientClipping expects a maximum norm greater than 0, got \(maximumNorm)")
        var sumOfSquares = 0.0
        for parameter in parameters {
            parameter.gradient.withUnsafeBufferPointer { g in sumOfSquares += Self.sumOfSquares(g) }
        }
        let norm = sumOfSquares.squareRoot()
        guard norm.isFinite else { return norm }
        let coefficient = maximumNorm / (norm + 1e-6)
        guard coefficient < 1 else { return norm }
        let c = Scalar(coefficient)
        for parameter in parameters {
            parameter.gradient.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count { g[i] *= c }
            }
        }
        return norm
    }

    /// Elements per block of ``sumOfSquares(_:)``: 64 KiB of Float, a few µs of one core's work.
    static let blockLength = 16_384

    /// `Σᵢ gᵢ²` in Double, by blocks of ``blockLength`` elements whose partial sums (each `DoubleAccumulator.dot`'s
    /// fixed 16 lanes) are added in order, the blocks shared among `RowParallel.automatic`'s tasks. The blocks and
    /// the order of the additions depend on the length alone, so the sum is the same bits on any number of tasks.
    /// A single accumulator, as before, made every addition wait for the previous one: 7% of an MLP step.
    static func sumOfSquares<Scalar: MatrixScalar>(_ g: UnsafeBufferPointer<Scalar>) -> Double {
        guard Scalar.self == Float.self else {
            // Double parameters are for gradient checks, where speed does not matter.
            return g.reduce(0.0) { total, element in
                let value = Double(element)
                return total + value * value
            }
        }
        let floats = UnsafeBufferPointer(
            start: UnsafeRawPointer(g.baseAddress)?.assumingMemoryBound(to: Float.self), count: g.count)
        let blocks = (floats.count + blockLength - 1) / blockLength
        guard blocks > 1 else { return DoubleAccumulator.dot(floats, floats) }
        var partials = [Double](repeating: 0, count: blocks)
        partials.withUnsafeMutableBufferPointer { partials in
            let (input, output) = (SharedMutableBuffer(readOnly: floats), SharedMutableBuffer(partials))
            RowParallel.automatic.parallelRows(count: blocks, columns: blockLength) { range in
                for block in range {
                    let slice = input.slice(
                        (block * blockLength)..<min(input.unsafeBuffer.count, (block + 1) * blockLength))
                    output.base[block] = DoubleAccumulator.dot(slice, slice)
                }
            }
        }
        return partials.reduce(0, +)
    }

    /// Clamps every gradient element to `[−maximumMagnitude, maximumMagnitude]`; NaN stays NaN.
    ///
    /// - Parameters:
    ///   - parameters: The parameters whose gradients are clamped.
    ///   - maximumMagnitude: The largest magnitude allowed; at least 0.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func clipByValue<Scalar: MatrixScalar>(_ parameters: [Parameter<Scalar>], maximumMagnitude: Double) {
        precondition(
            maximumMagnitude >= 0, "GradientClipping expects a maximum magnitude of at least 0, got \(maximumMagnitude)"
        )
        let upper = Scalar(maximumMagnitude)
        for parameter in parameters {
            parameter.gradient.withUnsafeMutableBufferPointer { g in
                for i in 0..<g.count where !g[i].isNaN { g[i] = min(max(g[i], -upper), upper) }
            }
        }
    }
}
