import Tensors

/// Stochastic gradient descent with momentum, weight decay and optional Nesterov momentum, as PyTorch's
/// `torch.optim.SGD` computes it.
///
/// Concretely, for a parameter `θ` with accumulated gradient `g`, momentum `μ`, dampening `τ`, weight decay `λ`
/// and learning rate `lr`:
///
/// ```
/// g ← g + λ·θ                           (when λ ≠ 0)
/// v ← g                                 (the parameter's first step)
/// v ← μ·v + (1 − τ)·g                   (every later step)
/// d = g + μ·v   (Nesterov)   or   d = v
/// θ ← θ − lr·d
/// ```
///
/// With `μ = 0` there is no buffer and the update is plain `θ ← θ − lr·g`. The first step copies the gradient into
/// the buffer instead of damping it, which is what PyTorch does; with `τ = 0` (the default) that is the same as
/// starting from `v = 0`.
///
/// ### References
///
/// - I. Sutskever, J. Martens, G. Dahl, G. Hinton, "On the importance of initialization and momentum in deep
///   learning", ICML 2013 (Nesterov momentum in this form)
public final class SGD<Scalar: MatrixScalar>: Optimizer {
    /// The momentum factor `μ`.
    public let momentum: Double
    /// The dampening `τ` of the gradient added into the momentum buffer after the first step.
    public let dampening: Double
    /// The L2 weight decay `λ`, added to the gradient as `λ·θ`.
    public let weightDecay: Double
    /// Whether the update uses Nesterov's look-ahead `g + μ·v` instead of `v`.
    public let nesterov: Bool

    /// The momentum buffer `v` of each parameter that has been stepped, with the parameter it belongs to.
    private var buffers: [ObjectIdentifier: MomentumBuffer] = [:]

    /// One parameter's momentum buffer; a class so the dictionary never holds a second reference to the array.
    private final class MomentumBuffer {
        let parameter: Parameter<Scalar>
        var velocity: [Scalar]

        init(parameter: Parameter<Scalar>, velocity: [Scalar]) {
            self.parameter = parameter
            self.velocity = velocity
        }
    }

    /// An SGD optimizer.
    ///
    /// - Parameters:
    ///   - momentum: The momentum factor `μ`, at least 0; defaults to 0 (plain SGD).
    ///   - dampening: The dampening `τ`; defaults to 0. Must be 0 with Nesterov momentum.
    ///   - weightDecay: The L2 weight decay `λ`, at least 0; defaults to 0.
    ///   - nesterov: Whether to use Nesterov momentum, which needs `μ > 0`; defaults to `false`.
    public init(momentum: Double = 0, dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false) {
        precondition(momentum >= 0, "SGD expects a momentum of at least 0, got \(momentum)")
        precondition(weightDecay >= 0, "SGD expects a weight decay of at least 0, got \(weightDecay)")
        precondition(
            !nesterov || (momentum > 0 && dampening == 0),
            "SGD expects Nesterov momentum with a positive momentum and zero dampening, got momentum \(momentum) "
                + "and dampening \(dampening)")
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
    }

    /// Applies one SGD update to each parameter, then zeroes the gradients.
    ///
    /// - Parameters:
    ///   - parameters: The parameters to update; each must appear at most once.
    ///   - learningRate: The step size `lr`; at least 0.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ parameters: [Parameter<Scalar>], learningRate: Double) {
        precondition(learningRate >= 0, "SGD expects a learning rate of at least 0, got \(learningRate)")
        checkStepParameters(parameters, optimizer: "SGD")
        let lr = Scalar(learningRate)
        let lambda = Scalar(weightDecay)
        let mu = Scalar(momentum)
        let undamped = Scalar(1 - dampening)
        for parameter in parameters {
            defer { parameter.zeroGradient() }
            guard momentum != 0 else {
                parameter.gradient.withUnsafeBufferPointer { g in
                    parameter.value.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<theta.count { theta[i] -= lr * (g[i] + lambda * theta[i]) }
                    }
                }
                continue
            }
            let id = ObjectIdentifier(parameter)
            let isFirstStep = buffers[id] == nil
            let buffer =
                buffers[id]
                ?? MomentumBuffer(parameter: parameter, velocity: [Scalar](repeating: 0, count: parameter.count))
            buffers[id] = buffer
            let nesterov = nesterov
            parameter.gradient.withUnsafeBufferPointer { g in
                parameter.value.withUnsafeMutableBufferPointer { theta in
                    buffer.velocity.withUnsafeMutableBufferPointer { v in
                        for i in 0..<theta.count {
                            let decayed = g[i] + lambda * theta[i]
                            v[i] = isFirstStep ? decayed : mu * v[i] + undamped * decayed
                            let direction = nesterov ? decayed + mu * v[i] : v[i]
                            theta[i] -= lr * direction
                        }
                    }
                }
            }
        }
    }
}
