import Foundation
import Testing

@testable import Layers
@testable import Tensors

@Suite("Adam in Float, vectorized")
struct AdamFloatKernelTests {
    /// Three Adam steps on `count` elements, written out per scalar in Float in the order Adam documents.
    private func expected(
        theta: [Float], gradients: [[Float]], learningRate: Double, weightDecay: Adam<Float>.WeightDecay
    ) -> [Float] {
        var (theta, m, v) = (
            theta, [Float](repeating: 0, count: theta.count), [Float](repeating: 0, count: theta.count)
        )
        let (l2, decoupled): (Float, Double) =
            switch weightDecay {
            case .l2(let rate): (Float(rate), 0)
            case .decoupled(let rate): (0, rate)
            }
        for (step, gradient) in gradients.enumerated() {
            let t = Double(step + 1)
            let stepSize = Float(learningRate / (1 - Foundation.pow(0.9, t)))
            let root = Float((1 - Foundation.pow(0.999, t)).squareRoot())
            for i in theta.indices {
                let g = gradient[i] + l2 * theta[i]
                m[i] = Float(0.9) * m[i] + Float(1 - 0.9) * g
                v[i] = Float(0.999) * v[i] + Float(1 - 0.999) * g * g
                theta[i] =
                    theta[i] * Float(1 - learningRate * decoupled)
                    - stepSize * (m[i] / (v[i].squareRoot() / root + Float(1e-8)))
            }
        }
        return theta
    }

    @Test(
        "every element, in the vectors and in the tail, equals the per-scalar formulas bit for bit; gradients end at 0",
        arguments: [Adam<Float>.WeightDecay.l2(rate: 0), .l2(rate: 0.1), .decoupled(rate: 0.05)])
    func matchesScalarFormulas(weightDecay: Adam<Float>.WeightDecay) {
        // 70 001 elements: shared between two tasks, vectors plus a tail of one.
        let count = 70_001
        var random = SeededRandom(seed: 11)
        let start = (0..<count).map { _ in Float(random.normal()) }
        let gradients = (0..<3).map { _ in (0..<count).map { _ in Float(random.normal() * 1e-2) } }
        let parameter = Parameter(name: "w", value: Matrix(rows: 1, columns: count, scalars: start))
        let adam = Adam<Float>(weightDecay: weightDecay)
        for gradient in gradients {
            parameter.gradient = Matrix(rows: 1, columns: count, scalars: gradient)
            adam.step([parameter], learningRate: 1e-3)
            #expect(parameter.gradient.scalars.allSatisfy { $0 == 0 })
        }
        let reference = expected(theta: start, gradients: gradients, learningRate: 1e-3, weightDecay: weightDecay)
        let differing = zip(parameter.value.scalars, reference).filter { $0.bitPattern != $1.bitPattern }.count
        #expect(differing == 0, "\(differing) of \(count) elements differ")
    }
}
