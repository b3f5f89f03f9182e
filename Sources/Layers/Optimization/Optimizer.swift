import Tensors

/// An update rule that moves parameters against their accumulated gradients.
///
/// One ``step(_:learningRate:)`` is one update of a training run:
///
/// 1. each parameter's ``Parameter/value`` is updated in place from its ``Parameter/gradient``, which holds the sum
///    of everything the backward passes since the last step added into it;
/// 2. whatever the rule remembers between steps (a momentum buffer, Adam's moments and step count) is kept per
///    parameter, keyed by the parameter's `ObjectIdentifier` and created on the first step that sees the parameter,
///    so the same optimizer can step several models' parameters, or a changing subset, without mixing them up. The
///    state holds a strong reference to its parameter, so an identifier is never reused for another parameter
///    while its state lives;
/// 3. every gradient is zeroed with ``Parameter/zeroGradient()``, ready for the next accumulation.
///
/// The learning rate is an argument of each step rather than a property, so a ``LearningRateSchedule`` drives it
/// from outside, as PyTorch's schedulers rewrite `param_group["lr"]`.
///
/// Conforming types follow PyTorch's `torch.optim` formulas exactly, including the order of operations. Their state
/// is stored in the parameters' own precision and the per-element arithmetic is done in it, as PyTorch does for
/// float32 parameters: training in Float is float32 Adam, and tests in Double check the formulas to 1e-15.
/// Per-step coefficients (bias corrections, `lr · λ`) are computed once in Double and rounded to `Scalar`.
public protocol Optimizer<Scalar>: AnyObject {
    /// The element type of the parameters it updates.
    associatedtype Scalar: MatrixScalar

    /// Updates each parameter from its accumulated gradient, advances the rule's per-parameter state, and zeroes
    /// the gradients.
    ///
    /// - Parameters:
    ///   - parameters: The parameters to update; each must appear at most once.
    ///   - learningRate: The step size `lr` of this update; at least 0.
    func step(_ parameters: [Parameter<Scalar>], learningRate: Double)
}

/// Traps unless every parameter appears once and its gradient has its value's shape; shared by the optimizers.
func checkStepParameters<Scalar>(_ parameters: [Parameter<Scalar>], optimizer: String) {
    precondition(
        Set(parameters.map(ObjectIdentifier.init)).count == parameters.count,
        "\(optimizer) expects each parameter at most once per step, got duplicates among \(parameters.map(\.name))")
    for parameter in parameters {
        precondition(
            parameter.gradient.rows == parameter.value.rows && parameter.gradient.columns == parameter.value.columns,
            "\(optimizer) expects the gradient of \(parameter.name) shaped like its value "
                + "(\(parameter.value.rows) × \(parameter.value.columns)), got "
                + "\(parameter.gradient.rows) × \(parameter.gradient.columns)")
    }
}
