import Layers
import Tensors

/// What a model reads: a minibatch of feature rows, or of token sequences laid end to end.
public enum ModelInput<Scalar: MatrixScalar>: Sendable {
    /// examples × features, for classifiers of feature vectors (the MLP, the Transformer on patches).
    case features(Matrix<Scalar>)
    /// `sequenceLength` tokens per sequence, sequence after sequence (so `tokens.count` is a multiple of it).
    case tokens([Int], sequenceLength: Int)
}

/// A trainable network whose normalization layers are all ``NormLayer``s with stable names.
///
/// Stateful like a PyTorch module: ``forward(_:mode:)`` in `.training` keeps what ``backward(_:)`` needs, and
/// ``backward(_:)`` adds every parameter's gradient into its ``Parameter/gradient``.
public protocol Model<Scalar>: AnyObject {
    associatedtype Scalar: MatrixScalar

    /// One row of logits per prediction: per example for a classifier, per token for a language model.
    func forward(_ input: ModelInput<Scalar>, mode: ForwardMode) -> Matrix<Scalar>

    /// Backpropagates ∂loss/∂logits of the last training forward pass.
    func backward(_ gradLogits: Matrix<Scalar>)

    /// Every trainable parameter with a stable dotted name (`hidden1.linear.weight`, `block2.ffn_norm.gain`).
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { get }

    /// Every normalization layer with its stable name (`hidden1.norm`, `block1.attn_norm`, `final_norm`), in
    /// forward order; the names are the trace's group names.
    var normLayers: [(name: String, layer: NormLayer<Scalar>)] { get }
}
