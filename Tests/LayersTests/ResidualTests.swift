import Layers
import Tensors
import TestSupport
import Testing

@Suite("Residual")
struct ResidualTests {
    @Test("add sums element-wise and accumulate adds in place")
    func addAndAccumulate() {
        let x = Matrix<Float>([[1, 2], [3, 4]])
        let branch = Matrix<Float>([[10, 20], [30, 40]])
        #expect(Residual.add(x, branch) == Matrix([[11, 22], [33, 44]]))
        var sum = x
        Residual.accumulate(branch, into: &sum)
        Residual.accumulate(branch, into: &sum)
        #expect(sum == Matrix([[21, 42], [63, 84]]))
    }

    @Test("the gradient flows to both paths: gradY through the skip plus the branch's gradient")
    func handComputedSplit() {
        let relu = ReLU<Double>()
        let x = Matrix<Double>([[-1, 2]])
        let (y, saved) = Residual.forward(x, through: relu, mode: .training)
        #expect(y == Matrix([[-1, 4]]))
        // Skip path gives [3, 5]; ReLU passes [0, 5]; together [3, 10].
        let gradInput = Residual.backward(Matrix([[3, 5]]), through: relu, saved: saved)
        #expect(gradInput == Matrix([[3, 10]]))
    }

    @Test("x + Linear(x): input and parameter gradients match central differences")
    func gradientCheck() {
        var random = SeededRandom(seed: 51)
        let branch = Linear<Double>(inputWidth: 4, outputWidth: 4, random: &random)
        let x = sampleMatrix(3, 4, seed: 52, as: Double.self)
        let gradOutput = sampleMatrix(3, 4, seed: 53, as: Double.self)
        let forward = { (x: Matrix<Double>) in Residual.forward(x, through: branch, mode: .training).output }
        let saved = Residual.forward(x, through: branch, mode: .training).saved
        let gradInput = Residual.backward(gradOutput, through: branch, saved: saved)

        let numericalInput = numericalInputGradient(of: forward, at: x, gradOutput: gradOutput)
        #expect(gradientError(gradInput, numericalInput) <= 1e-6)
        // Without the skip path's gradY the result would be the branch's alone.
        #expect(gradientError(branch.backward(gradOutput, saved: saved), numericalInput) > 1e-2)

        for parameter in branch.parameters {
            parameter.zeroGradient()
        }
        _ = Residual.backward(gradOutput, through: branch, saved: saved)
        for parameter in branch.parameters {
            let value = parameter.value
            let numerical = numericalGradient(
                of: { v in
                    parameter.value = v
                    return dot(forward(x), gradOutput)
                }, at: value)
            parameter.value = value
            #expect(gradientError(parameter.gradient, numerical) <= 1e-6)
        }
    }
}
