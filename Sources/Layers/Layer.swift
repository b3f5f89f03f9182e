import Tensors

/// Whether a forward pass is part of training (dropout active, state kept for backward) or an evaluation.
public enum ForwardMode: Sendable, Hashable {
    /// Training: stochastic layers sample, and the saved state feeds ``Layer/backward(_:saved:)``.
    case training
    /// Evaluation: deterministic (dropout is the identity), as the overfitting gap requires.
    case evaluation
}

/// A layer with a hand-written backward pass.
///
/// The shape follows swift-apis' value-with-pullback style: ``forward(_:mode:)`` returns the output together with
/// exactly what the backward pass needs (`Saved`), and ``backward(_:saved:)`` turns the gradient of the loss with
/// respect to the output into the gradient with respect to the input, adding each parameter's gradient into its
/// ``Parameter/gradient`` (so a parameter used twice collects both contributions; an optimizer step zeroes them).
///
/// Inputs are matrices of rows (examples, or tokens of all sequences end to end) by features.
public protocol Layer<Scalar>: AnyObject {
    /// The element type: `Float` to train, `Double` to check gradients.
    associatedtype Scalar: MatrixScalar
    /// What the forward pass keeps for the backward pass.
    associatedtype Saved

    /// The output for input `x`, and what backward needs.
    func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Saved)

    /// The gradient with respect to the input, given the gradient with respect to the output; parameter gradients
    /// are added into ``parameters``.
    func backward(_ gradOutput: Matrix<Scalar>, saved: Saved) -> Matrix<Scalar>

    /// The trainable parameters, in a stable order; empty for parameter-free layers.
    var parameters: [Parameter<Scalar>] { get }
}

extension Layer {
    /// The evaluation-mode output, without keeping anything for backward.
    public func callAsFunction(_ x: Matrix<Scalar>) -> Matrix<Scalar> {
        forward(x, mode: .evaluation).output
    }
}
