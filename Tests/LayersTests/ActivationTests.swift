import Layers
import Tensors
import TestSupport
import Testing

@Suite("ReLU and GELU")
struct ActivationTests {
    /// Random entries kept at least 0.1 away from 0, where ReLU's derivative jumps.
    private static func awayFromZero(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix<Double> {
        let u = sampleMatrix(rows, columns, seed: seed, as: Double.self)
        return Matrix(rows: rows, columns: columns, scalars: u.scalars.map { $0 < 0 ? $0 - 0.1 : $0 + 0.1 })
    }

    // MARK: - ReLU

    @Test("ReLU zeroes negatives and gates the gradient by the output's sign")
    func reluHandComputed() {
        let relu = ReLU<Float>()
        let x = Matrix<Float>([[-2, -0.5, 0], [0.5, 3, -1]])
        let (y, saved) = relu.forward(x, mode: .training)
        #expect(y == Matrix([[0, 0, 0], [0.5, 3, 0]]))
        let gradInput = relu.backward(Matrix([[1, 2, 3], [4, 5, 6]]), saved: saved)
        // The derivative at exactly 0 is 0, as in PyTorch.
        #expect(gradInput == Matrix([[0, 0, 0], [4, 5, 0]]))
        #expect(relu.parameters.isEmpty)
    }

    @Test("ReLU's input gradient matches central differences away from 0")
    func reluGradientCheck() {
        let relu = ReLU<Double>()
        let x = Self.awayFromZero(4, 5, seed: 41)
        let gradOutput = sampleMatrix(4, 5, seed: 42, as: Double.self)
        let gradInput = relu.backward(gradOutput, saved: relu.forward(x, mode: .training).saved)
        let numerical = numericalInputGradient(of: { relu($0) }, at: x, gradOutput: gradOutput)
        #expect(gradInput.scalars.contains(0) && gradInput.scalars.contains { $0 != 0 })
        #expect(gradientError(gradInput, numerical) <= 1e-6)
    }

    @Test("ReLU keeps NaN visible")
    func reluPropagatesNaN() {
        let y = ReLU<Float>()(Matrix([[.nan, -1]]))
        #expect(y[0, 0].isNaN && y[0, 1] == 0)
    }

    // MARK: - GELU

    @Test("exact GELU matches x · Φ(x) at hand-computed points, and its derivative Φ(x) + x · φ(x)")
    func geluExactValues() {
        let gelu = GELU<Double>()
        #expect(gelu.approximation == .exact)
        let x = Matrix<Double>([[1, -1, 0, -2]])
        let (y, saved) = gelu.forward(x, mode: .training)
        #expect(
            isApproximatelyEqual(
                y.scalars, [0.8413447460685429, -0.15865525393145707, 0, -0.04550026389635841],
                relativeTolerance: 1e-14, absoluteTolerance: 1e-16))
        let gradInput = gelu.backward(Matrix([[1, 1, 1, 1]]), saved: saved)
        let derivatives = [1.0833154705876864, -0.08331547058768630, 0.5, -0.0852318010781969]
        #expect(
            isApproximatelyEqual(
                gradInput.scalars, derivatives, relativeTolerance: 1e-13, absoluteTolerance: 1e-16))
    }

    @Test("tanh-approximate GELU matches ½x(1 + tanh(√(2/π)(x + 0.044715x³))) at hand-computed points")
    func geluTanhValues() {
        let gelu = GELU<Double>(approximation: .tanh)
        let x = Matrix<Double>([[1, -1, 0]])
        let (y, saved) = gelu.forward(x, mode: .training)
        #expect(
            isApproximatelyEqual(
                y.scalars, [0.8411919906082768, -0.15880800939172324, 0],
                relativeTolerance: 1e-14, absoluteTolerance: 1e-16))
        let gradInput = gelu.backward(Matrix([[1, 1, 1]]), saved: saved)
        #expect(isApproximatelyEqual(gradInput[0, 0], 1.0829640838457826, relativeTolerance: 1e-13))
        #expect(gradInput[0, 2] == 0.5)
    }

    @Test("GELU's input gradient matches central differences", arguments: [GELUApproximation.exact, .tanh])
    func geluGradientCheck(approximation: GELUApproximation) {
        let gelu = GELU<Double>(approximation: approximation)
        let x = sampleMatrix(5, 6, seed: 43, in: -3..<3, as: Double.self)
        let gradOutput = sampleMatrix(5, 6, seed: 44, as: Double.self)
        let gradInput = gelu.backward(gradOutput, saved: gelu.forward(x, mode: .training).saved)
        let numerical = numericalInputGradient(of: { gelu($0) }, at: x, gradOutput: gradOutput)
        #expect(gradientError(gradInput, numerical) <= 1e-6)
    }

    @Test("the two GELU forms differ, but by less than 1e-3 on [−6, 6]")
    func geluFormsAgreeClosely() {
        let x = Matrix<Double>(rows: 1, columns: 1201) { _, j in Double(j - 600) / 100 }
        let exact = GELU<Double>()(x).scalars
        let approximate = GELU<Double>(approximation: .tanh)(x).scalars
        let difference = maxAbsoluteError(exact, approximate)
        #expect(difference > 1e-4 && difference < 1e-3)
    }

    @Test(
        "Float and Double instantiations agree to 1e-5, forward and backward",
        arguments: [GELUApproximation.exact, .tanh])
    func floatMatchesDouble(approximation: GELUApproximation) {
        let x = sampleMatrix(6, 7, seed: 45, in: -4..<4, as: Double.self)
        let gradOutput = sampleMatrix(6, 7, seed: 46, as: Double.self)
        let double = GELU<Double>(approximation: approximation)
        let float = GELU<Float>(approximation: approximation)
        let (yDouble, savedDouble) = double.forward(x, mode: .training)
        let (yFloat, savedFloat) = float.forward(Matrix(x), mode: .training)
        #expect(isApproximatelyEqual(yFloat.scalars.map(Double.init), yDouble.scalars, absoluteTolerance: 1e-5))
        let gradDouble = double.backward(gradOutput, saved: savedDouble)
        let gradFloat = float.backward(Matrix(gradOutput), saved: savedFloat)
        #expect(
            isApproximatelyEqual(gradFloat.scalars.map(Double.init), gradDouble.scalars, absoluteTolerance: 1e-5))

        let relu = ReLU<Float>()(Matrix(x)).scalars.map(Double.init)
        #expect(relu == ReLU<Double>()(Matrix(Matrix<Float>(x))).scalars)
    }
}
