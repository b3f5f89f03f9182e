import Layers
import Recording
import Tensors

extension Activation {
    // Both layers are stateless and keep a matrix for backward (ReLU its output, GELU its input), so a model stores
    // that matrix and builds the layer on demand instead of holding one of two unrelated layer types.

    /// The activation of `x` and what ``backward(_:saved:)`` needs.
    func forward<Scalar: MatrixScalar>(_ x: Matrix<Scalar>) -> (output: Matrix<Scalar>, saved: Matrix<Scalar>) {
        switch self {
        case .relu: ReLU<Scalar>().forward(x, mode: .training)
        case .gelu: GELU<Scalar>(approximation: .exact).forward(x, mode: .training)
        }
    }

    /// The gradient with respect to the input of the matching ``forward(_:)``.
    func backward<Scalar: MatrixScalar>(_ gradOutput: Matrix<Scalar>, saved: Matrix<Scalar>) -> Matrix<Scalar> {
        switch self {
        case .relu: ReLU<Scalar>().backward(gradOutput, saved: saved)
        case .gelu: GELU<Scalar>(approximation: .exact).backward(gradOutput, saved: saved)
        }
    }
}
