import Foundation
import Tensors

/// Adam, and AdamW with decoupled weight decay, as PyTorch's `torch.optim.Adam` and `torch.optim.AdamW` compute them.
///
/// Concretely, for a parameter `θ` with accumulated gradient `g`, moments `m` and `v` (both starting at 0), its own
/// step count `t` (1 on its first update), betas `β₁`, `β₂`, epsilon `ε`, weight decay `λ` and learning rate `lr`:
///
/// ```
/// g ← g + λ·θ                              (.l2: Adam's weight decay, part of the gradient)
/// θ ← θ·(1 − lr·λ)                         (.decoupled: AdamW's, applied before the Adam update)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// θ ← θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// ```
///
/// which is `θ − lr·m̂ / (√v̂ + ε)` with the bias-corrected moments `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`,
/// arranged as PyTorch arranges it: the bias corrections are folded into the step size and into `√v`, so `ε` is
/// added to `√v̂` and not to `√v`. With `.decoupled`, the decay never enters the moments, so a parameter's decay
/// does not depend on the scale of its gradients, which is Loshchilov & Hutter's point. (PyTorch forms `m` as
/// `lerp(m, g, 1 − β₁) = m + (1 − β₁)·(g − m)`, the same value up to rounding.)
///
/// PyTorch's `amsgrad`, `maximize` and `capturable` options are not provided.
///
/// ### References
///
/// - D. P. Kingma, J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
///   https://arxiv.org/abs/1412.6980
/// - I. Loshchilov, F. Hutter, "Decoupled Weight Decay Regularization", ICLR 2019,
///   https://arxiv.org/abs/1711.05101
public final class Adam<Scalar: MatrixScalar>: Optimizer {
    /// How weight decay enters the update.
    public enum WeightDecay: Sendable, Hashable {
        /// L2 regularization: `λ·θ` is added to the gradient before the moments are updated (`torch.optim.Adam`'s
        /// `weight_decay`). `.l2(rate: 0)` is no decay at all.
        case l2(rate: Double)
        /// Decoupled weight decay: `θ ← θ·(1 − lr·λ)` before the Adam update, outside the moments
        /// (`torch.optim.AdamW`, whose default rate is 0.01).
        case decoupled(rate: Double)

        /// The rate `λ`.
        public var rate: Double {
            switch self {
            case .l2(let rate), .decoupled(let rate): rate
            }
        }
    }

    /// The decay rate `β₁` of the first moment.
    public let beta1: Double
    /// The decay rate `β₂` of the second moment.
    public let beta2: Double
    /// The `ε` added to the bias-corrected `√v̂`.
    public let epsilon: Double
    /// The kind and rate of weight decay.
    public let weightDecay: WeightDecay

    /// The moments and step count of each parameter that has been stepped.
    private var moments: [ObjectIdentifier: Moments] = [:]

    /// One parameter's state; a class so the dictionary never holds a second reference to the arrays.
    private final class Moments {
        let parameter: Parameter<Scalar>
        /// The number of updates this parameter has had, `t`.
        var stepCount = 0
        var first: [Scalar]
        var second: [Scalar]

        init(parameter: Parameter<Scalar>) {
            self.parameter = parameter
            first = [Scalar](repeating: 0, count: parameter.count)
            second = [Scalar](repeating: 0, count: parameter.count)
        }
    }

    /// An Adam (`.l2` decay) or AdamW (`.decoupled` decay) optimizer.
    ///
    /// - Parameters:
    ///   - beta1: The first moment's decay `β₁` in `[0, 1)`; defaults to 0.9.
    ///   - beta2: The second moment's decay `β₂` in `[0, 1)`; defaults to 0.999.
    ///   - epsilon: The `ε` in the denominator, at least 0; defaults to 1e-8.
    ///   - weightDecay: The kind and rate `λ ≥ 0` of weight decay; defaults to none (`.l2(rate: 0)`).
    public init(
        beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: WeightDecay = .l2(rate: 0)
    ) {
        precondition(
            (0..<1).contains(beta1) && (0..<1).contains(beta2),
            "Adam expects betas in [0, 1), got (\(beta1), \(beta2))")
        precondition(epsilon >= 0, "Adam expects an epsilon of at least 0, got \(epsilon)")
        precondition(weightDecay.rate >= 0, "Adam expects a weight decay of at least 0, got \(weightDecay.rate)")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// Applies one Adam update to each parameter, advancing its own step count, then zeroes the gradients.
    ///
    /// - Parameters:
    ///   - parameters: The parameters to update; each must appear at most once.
    ///   - learningRate: The step size `lr`; at least 0.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ parameters: [Parameter<Scalar>], learningRate: Double) {
        precondition(learningRate >= 0, "Adam expects a learning rate of at least 0, got \(learningRate)")
        checkStepParameters(parameters, optimizer: "Adam")
        let (l2Rate, decoupledRate): (Scalar, Double) =
            switch weightDecay {
            case .l2(let rate): (Scalar(rate), 0)
            case .decoupled(let rate): (0, rate)
            }
        let decayFactor = Scalar(1 - learningRate * decoupledRate)
        let beta1 = Scalar(self.beta1)
        let beta2 = Scalar(self.beta2)
        let oneMinusBeta1 = Scalar(1 - self.beta1)
        let oneMinusBeta2 = Scalar(1 - self.beta2)
        let epsilon = Scalar(self.epsilon)
        for parameter in parameters {
            let id = ObjectIdentifier(parameter)
            let state = moments[id] ?? Moments(parameter: parameter)
            moments[id] = state
            state.stepCount += 1
            // The bias corrections depend only on t, so they are formed once per parameter, in Double.
            let t = Double(state.stepCount)
            let stepSize = Scalar(learningRate / (1 - Foundation.pow(self.beta1, t)))
            let correction2Root = Scalar((1 - Foundation.pow(self.beta2, t)).squareRoot())
            let coefficients = Coefficients(
                l2Rate: l2Rate, decayFactor: decayFactor, beta1: beta1, beta2: beta2, oneMinusBeta1: oneMinusBeta1,
                oneMinusBeta2: oneMinusBeta2, stepSize: stepSize, correction2Root: correction2Root, epsilon: epsilon)
            parameter.gradient.withUnsafeMutableBufferPointer { gradient in
                parameter.value.withUnsafeMutableBufferPointer { theta in
                    state.first.withUnsafeMutableBufferPointer { m in
                        state.second.withUnsafeMutableBufferPointer { v in
                            Self.update(
                                theta: SharedMutableBuffer(theta), gradient: SharedMutableBuffer(gradient),
                                m: SharedMutableBuffer(m),
                                v: SharedMutableBuffer(v), count: theta.count, coefficients)
                        }
                    }
                }
            }
        }
    }

    /// The per-step constants of the update, in the parameter's precision.
    struct Coefficients: Sendable {
        let l2Rate, decayFactor, beta1, beta2, oneMinusBeta1, oneMinusBeta2, stepSize, correction2Root, epsilon: Scalar
    }

    /// The update of one parameter's elements and the zeroing of its gradient, in one pass over the four arrays
    /// (the pass is bound by memory traffic: a separate zeroing pass cost another write of every gradient), shared
    /// among the cores; the plain loop over pointers is one the compiler vectorizes.
    @inline(__always)
    private static func update(
        theta: SharedMutableBuffer<Scalar>, gradient: SharedMutableBuffer<Scalar>, m: SharedMutableBuffer<Scalar>,
        v: SharedMutableBuffer<Scalar>, count: Int, _ c: Coefficients
    ) {
        Elementwise.forEachRange(count: count) { range in
            var start = range.lowerBound
            if Scalar.self == Float.self {
                start = AdamFloatKernel.update(
                    theta: theta.base, gradient: gradient.base, m: m.base, v: v.base, range: range, c)
            }
            let (theta, gradient, m, v) = (theta.base, gradient.base, m.base, v.base)
            for i in start..<range.upperBound {
                let t = theta[i]
                let g = gradient[i] + c.l2Rate * t
                let mi = c.beta1 * m[i] + c.oneMinusBeta1 * g
                let vi = c.beta2 * v[i] + c.oneMinusBeta2 * g * g
                m[i] = mi
                v[i] = vi
                theta[i] = t * c.decayFactor - c.stepSize * (mi / (vi.squareRoot() / c.correction2Root + c.epsilon))
                gradient[i] = 0
            }
        }
    }
}
