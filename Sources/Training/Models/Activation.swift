import Layers
import Tensors

/// The element-wise nonlinearity of an MLP's hidden layers and of a Transformer's feed-forward sublayer.
///
/// Concretely (the formulas and their derivatives live with the layers, ``ReLU`` and ``GELU``):
///
/// ```
/// relu:  y = max(x, 0)
/// gelu:  y = x · Φ(x)        (the exact form, through erf; PyTorch's and fairseq's `gelu`)
/// ```
///
/// ReLU is the original Transformer's and fairseq's default (`--activation-fn relu`), which the official AdaNorm
/// runs keep; GELU is the BERT/GPT choice, offered as a contrast.
///
/// ### References
///
/// - V. Nair, G. Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML 2010
/// - D. Hendrycks, K. Gimpel, "Gaussian Error Linear Units (GELUs)", 2016, https://arxiv.org/abs/1606.08415
public enum Activation: String, Sendable, Codable, Hashable, CaseIterable {
    /// The rectified linear unit, `max(x, 0)`.
    case relu
    /// The exact Gaussian error linear unit, `x · Φ(x)`.
    case gelu
}

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
