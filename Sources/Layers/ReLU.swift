import Tensors

/// The rectified linear unit, element-wise.
///
/// Concretely:
///
/// ```
/// forward:   y = max(x, 0)
/// backward:  gradInput = gradY · [y > 0]
/// ```
///
/// The derivative at exactly 0 is taken as 0, as in PyTorch, and a NaN input stays NaN. The backward pass reads the
/// output rather than the input, since `y > 0` exactly when `x > 0`.
///
/// ### References
///
/// - V. Nair, G. Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML 2010
public final class ReLU<Scalar: MatrixScalar>: Layer {
    /// The output, whose sign pattern gates the gradient.
    public typealias Saved = Matrix<Scalar>

    /// A ReLU layer.
    public init() {}

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    // MARK: - Forward

    /// `max(x, 0)` element-wise.
    ///
    /// - Parameters:
    ///   - x: The input, any shape.
    ///   - mode: Unused; the layer behaves the same in training and evaluation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Matrix<Scalar>) {
        var y = x
        y.withUnsafeMutableBufferPointer { y in
            // A select rather than a branch, so the loop vectorizes; NaN fails `< 0` and stays visible.
            for i in y.indices { y[i] = y[i] < 0 ? 0 : y[i] }
        }
        return (y, y)
    }

    // MARK: - Backward

    /// `gradY` where the output is positive, 0 elsewhere.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, shaped like the input.
    ///   - saved: The output of the matching forward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved y: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(
            gradOutput.rows == y.rows && gradOutput.columns == y.columns,
            "ReLU expects an output gradient of \(y.rows) × \(y.columns), "
                + "got \(gradOutput.rows) × \(gradOutput.columns)")
        var gradInput = gradOutput
        y.withUnsafeBufferPointer { y in
            gradInput.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] = y[i] > 0 ? g[i] : 0 }
            }
        }
        return gradInput
    }
}
