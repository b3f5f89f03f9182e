import Tensors

/// A trainable tensor and the gradient accumulated for it.
///
/// Layers own their parameters and add into ``gradient`` during backward; optimizers read ``gradient``, update
/// ``value`` in place and call ``zeroGradient()``. The name is the parameter's path inside its layer (`weight`,
/// `bias`, `gain`), which the model prefixes with the layer's name for traces and checkpoints.
public final class Parameter<Scalar: MatrixScalar> {
    /// The parameter's name within its layer, such as `weight`.
    public let name: String
    /// The current value.
    public var value: Matrix<Scalar>
    /// The gradient accumulated since the last ``zeroGradient()``; same shape as ``value``.
    public var gradient: Matrix<Scalar>

    /// A parameter with the given initial value and a zero gradient.
    ///
    /// - Parameters:
    ///   - name: The parameter's name within its layer.
    ///   - value: The initial value.
    public init(name: String, value: Matrix<Scalar>) {
        self.name = name
        self.value = value
        self.gradient = Matrix(rows: value.rows, columns: value.columns)
    }

    /// The number of scalars.
    public var count: Int { value.count }

    /// Sets the gradient to zero, keeping its storage.
    public func zeroGradient() {
        gradient.fill(with: 0)
    }
}
