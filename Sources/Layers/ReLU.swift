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
        let output = Self.rectified(x)
        return (output, output)
    }

    /// `max(x, 0)` into a new matrix; NaN fails `< 0` and stays visible.
    @inlinable
    static func rectified(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        x.withUnsafeBufferPointer { source in
            Matrix<Scalar>(
                rows: x.rows, columns: x.columns,
                uninitialized: { output in
                    let (input, output) = (SharedMutableBuffer(readOnly: source), SharedMutableBuffer(output))
                    Elementwise.forEachRange(count: source.count) { range in
                        let (x, y) = (input.readOnly, output.base)
                        for i in range { y[i] = x[i] < 0 ? 0 : x[i] }
                    }
                })
        }
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
        return Self.gated(gradOutput, by: y)
    }

    /// `g` where `y > 0`, 0 elsewhere, into a new matrix.
    @inlinable
    static func gated(_ gradOutput: Matrix<Scalar>, by output: Matrix<Scalar>) -> Matrix<Scalar> {
        gradOutput.withUnsafeBufferPointer { gradient in
            output.withUnsafeBufferPointer { output in
                Matrix<Scalar>(
                    rows: gradOutput.rows, columns: gradOutput.columns,
                    uninitialized: { result in
                        let (g, y, r) = (
                            SharedMutableBuffer(readOnly: gradient), SharedMutableBuffer(readOnly: output),
                            SharedMutableBuffer(result)
                        )
                        Elementwise.forEachRange(count: gradient.count) { range in
                            let (g, y, r) = (g.readOnly, y.readOnly, r.base)
                            // Loaded before the select: a load under the condition kept the loop scalar.
                            for i in range {
                                let gi = g[i]
                                r[i] = y[i] > 0 ? gi : 0
                            }
                        }
                    })
            }
        }
    }
}
