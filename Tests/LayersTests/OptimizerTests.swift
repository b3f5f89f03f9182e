import Foundation
import Layers
import Tensors
import TestSupport
import Testing

@Suite("Optimizer")
struct OptimizerTests {
    /// The fixed gradient of step `t` for a three-element parameter: different in every step and coordinate.
    private func gradient(atStep t: Int) -> [Double] {
        [0.5 + 0.1 * Double(t), -2 + 0.75 * Double(t), 0.03 * Double(t * t) - 0.01]
    }

    private let start: [Double] = [1, -2, 0.25]

    /// Runs `optimizer` for `steps` steps from ``start`` with the gradients of ``gradient(atStep:)``, returning the
    /// value after each step.
    private func trajectory<O: Optimizer>(
        _ optimizer: O, steps: Int, learningRate: Double
    ) -> [[Double]] where O.Scalar == Double {
        let parameter = Parameter(name: "theta", value: Matrix([start]))
        var values: [[Double]] = []
        for t in 0..<steps {
            parameter.gradient = Matrix([gradient(atStep: t)])
            optimizer.step([parameter], learningRate: learningRate)
            values.append(parameter.value.scalars)
        }
        return values
    }

    // MARK: - SGD

    @Test("SGD with momentum: the first two steps computed by hand")
    func sgdByHand() {
        let parameter = Parameter(name: "theta", value: Matrix<Double>([[1, 2]]))
        let sgd = SGD<Double>(momentum: 0.9)
        parameter.gradient = Matrix([[1, -4]])
        sgd.step([parameter], learningRate: 0.1)
        // v₁ = g = (1, −4);  θ₁ = θ₀ − 0.1·v₁ = (0.9, 2.4).
        #expect(isApproximatelyEqual(parameter.value.scalars, [0.9, 2.4], relativeTolerance: 1e-15))
        parameter.gradient = Matrix([[1, -4]])
        sgd.step([parameter], learningRate: 0.1)
        // v₂ = 0.9·v₁ + g = (1.9, −7.6);  θ₂ = (0.9 − 0.19, 2.4 + 0.76) = (0.71, 3.16).
        #expect(isApproximatelyEqual(parameter.value.scalars, [0.71, 3.16], relativeTolerance: 1e-15))
    }

    @Test(
        "SGD trajectories match PyTorch's formulas written out per scalar",
        arguments: [(0.9, 0.0, 0.0, false), (0.9, 0.0, 0.01, true), (0.8, 0.25, 0.05, false), (0.0, 0.0, 0.1, false)])
    func sgdTrajectory(momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool) {
        let lr = 0.05
        let sgd = SGD<Double>(momentum: momentum, dampening: dampening, weightDecay: weightDecay, nesterov: nesterov)
        let actual = trajectory(sgd, steps: 5, learningRate: lr)

        var theta = start
        var buffer = [Double](repeating: 0, count: 3)
        for t in 0..<5 {
            let g = gradient(atStep: t)
            for i in 0..<3 {
                let d = g[i] + weightDecay * theta[i]
                if momentum == 0 {
                    theta[i] -= lr * d
                    continue
                }
                // PyTorch clones the first gradient into the buffer, undamped.
                buffer[i] = t == 0 ? d : momentum * buffer[i] + (1 - dampening) * d
                theta[i] -= lr * (nesterov ? d + momentum * buffer[i] : buffer[i])
            }
            #expect(isApproximatelyEqual(actual[t], theta, relativeTolerance: 1e-14), "step \(t)")
        }
        #expect(actual[4] != start)
    }

    // MARK: - Adam and AdamW

    @Test("Adam's first step moves each coordinate by lr·g/(|g| + ε), whatever the gradient's scale")
    func adamFirstStepByHand() {
        let parameter = Parameter(name: "theta", value: Matrix<Double>([[1, 2, 3]]))
        parameter.gradient = Matrix([[1e-3, -50, 2]])
        Adam<Double>().step([parameter], learningRate: 0.01)
        // m̂₁ = g and v̂₁ = g², so the update is lr·g/(|g| + ε).
        let expected: [Double] = [
            1 - 0.01 * 1e-3 / (1e-3 + 1e-8), 2 + 0.01 * 50 / (50 + 1e-8), 3 - 0.01 * 2 / (2 + 1e-8),
        ]
        #expect(isApproximatelyEqual(parameter.value.scalars, expected, relativeTolerance: 1e-14))
    }

    @Test(
        "Adam and AdamW trajectories match Kingma & Ba's bias-corrected formulas written out per scalar",
        arguments: [Adam<Double>.WeightDecay.l2(rate: 0), .l2(rate: 0.1), .decoupled(rate: 0.1)])
    func adamTrajectory(weightDecay: Adam<Double>.WeightDecay) {
        let (lr, beta1, beta2, epsilon) = (0.02, 0.8, 0.95, 1e-6)
        let adam = Adam<Double>(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        let actual = trajectory(adam, steps: 6, learningRate: lr)

        var theta = start
        var m = [Double](repeating: 0, count: 3)
        var v = [Double](repeating: 0, count: 3)
        for t in 1...6 {
            let g = gradient(atStep: t - 1)
            for i in 0..<3 {
                var gi = g[i]
                switch weightDecay {
                case .l2(let lambda): gi += lambda * theta[i]
                case .decoupled(let lambda): theta[i] -= lr * lambda * theta[i]
                }
                m[i] = beta1 * m[i] + (1 - beta1) * gi
                v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
                let mHat = m[i] / (1 - pow(beta1, Double(t)))
                let vHat = v[i] / (1 - pow(beta2, Double(t)))
                theta[i] -= lr * mHat / (vHat.squareRoot() + epsilon)
            }
            #expect(isApproximatelyEqual(actual[t - 1], theta, relativeTolerance: 1e-12), "step \(t)")
        }
    }

    @Test("AdamW differs from Adam exactly by θ ← θ·(1 − lr·λ) at each step, and not as L2 decay does")
    func adamWIsDecoupled() {
        let (lr, lambda) = (0.01, 0.3)
        let plain = trajectory(Adam<Double>(), steps: 8, learningRate: lr)
        let decoupled = trajectory(Adam<Double>(weightDecay: .decoupled(rate: lambda)), steps: 8, learningRate: lr)
        let coupled = trajectory(Adam<Double>(weightDecay: .l2(rate: lambda)), steps: 8, learningRate: lr)
        // The gradients do not depend on θ, so Adam's own update u_t is the same in both runs:
        // θ_t = θ_{t−1} − u_t without decay, and θ_t = (1 − lr·λ)·θ_{t−1} − u_t with decoupled decay.
        var previousPlain = start
        var previousDecoupled = start
        for t in 0..<8 {
            for i in 0..<3 {
                let update = previousPlain[i] - plain[t][i]
                let predicted = (1 - lr * lambda) * previousDecoupled[i] - update
                #expect(abs(decoupled[t][i] - predicted) <= 1e-15, "step \(t), element \(i)")
            }
            previousPlain = plain[t]
            previousDecoupled = decoupled[t]
        }
        #expect(maxAbsoluteError(decoupled[7], plain[7]) > 1e-4)
        #expect(maxAbsoluteError(decoupled[7], coupled[7]) > 1e-4)
    }

    @Test("each parameter keeps its own state: one first seen at step 3 takes Adam's first step")
    func perParameterState() {
        let adam = Adam<Double>()
        let early = Parameter(name: "early", value: Matrix<Double>([[0, 0]]))
        let late = Parameter(name: "late", value: Matrix<Double>([[0, 0]]))
        for _ in 0..<2 {
            early.gradient = Matrix([[1, -1]])
            adam.step([early], learningRate: 0.1)
        }
        early.gradient = Matrix([[-3, 5]])
        late.gradient = Matrix([[-3, 5]])
        let earlyBefore = early.value
        adam.step([early, late], learningRate: 0.1)
        // The late parameter's t is 1, so it moves by lr·g/(|g| + ε).
        let firstStep: [Double] = [0.1 * 3 / (3 + 1e-8), -0.1 * 5 / (5 + 1e-8)]
        #expect(isApproximatelyEqual(late.value.scalars, firstStep, relativeTolerance: 1e-14))
        // The early one's t is 3, with m₂ = 0.19 and v₂ = 0.001999 from the two steps on g = 1.
        let m3 = 0.9 * 0.19 + 0.1 * -3.0
        let v3 = 0.999 * 0.001999 + 0.001 * 9
        let earlyUpdate = 0.1 * (m3 / (1 - pow(0.9, 3))) / ((v3 / (1 - pow(0.999, 3))).squareRoot() + 1e-8)
        #expect(
            isApproximatelyEqual(early.value.scalars[0], earlyBefore.scalars[0] - earlyUpdate, relativeTolerance: 1e-12)
        )
    }

    @Test("a step zeroes every gradient it used", arguments: [false, true])
    func stepZeroesGradients(useAdam: Bool) {
        let parameters = [
            Parameter(name: "a", value: Matrix<Float>([[1, 2], [3, 4]])),
            Parameter(name: "b", value: Matrix<Float>([[5, 6, 7]])),
        ]
        for parameter in parameters { parameter.gradient.fill(with: 0.5) }
        let optimizer: any Optimizer<Float> = useAdam ? Adam<Float>() : SGD<Float>(momentum: 0.9)
        optimizer.step(parameters, learningRate: 0.1)
        for parameter in parameters {
            #expect(parameter.gradient.scalars.allSatisfy { $0 == 0 })
            #expect(parameter.value.scalars.allSatisfy { $0 != $0.rounded() })
        }
    }

    @Test("SGD, Nesterov SGD and Adam in Float minimize a badly scaled quadratic", arguments: [0, 1, 2])
    func minimizesQuadratic(variant: Int) {
        // f(θ) = ½ Σ aᵢ (θᵢ − cᵢ)², with curvatures 20 times apart.
        let curvature: [Float] = [1, 4, 20]
        let target: [Float] = [3, -1, 0.5]
        let theta = Parameter(name: "theta", value: Matrix<Float>([[0, 0, 0]]))
        let optimizer: any Optimizer<Float>
        let learningRate: Double
        switch variant {
        case 0: (optimizer, learningRate) = (SGD<Float>(momentum: 0.9), 0.02)
        case 1: (optimizer, learningRate) = (SGD<Float>(momentum: 0.9, nesterov: true), 0.02)
        default: (optimizer, learningRate) = (Adam<Float>(), 0.05)
        }
        func loss() -> Float {
            (0..<3).reduce(0) { $0 + 0.5 * curvature[$1] * pow(theta.value.scalars[$1] - target[$1], 2) }
        }
        let initialLoss = loss()
        for _ in 0..<1000 {
            theta.gradient = Matrix([(0..<3).map { curvature[$0] * (theta.value.scalars[$0] - target[$0]) }])
            optimizer.step([theta], learningRate: learningRate)
        }
        #expect(loss() < 1e-6 * initialLoss)
        #expect(isApproximatelyEqual(theta.value.scalars, target, relativeTolerance: 1e-3, absoluteTolerance: 1e-3))
    }
}
