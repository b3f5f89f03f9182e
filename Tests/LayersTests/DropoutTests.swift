import Layers
import Tensors
import TestSupport
import Testing

@Suite("Dropout")
struct DropoutTests {
    @Test("training keeps about 1 − p of the entries, scaled by 1/(1 − p), and zeroes the rest")
    func keepsAndScales() {
        let rate = 0.3
        let dropout = Dropout<Float>(rate: rate, seed: 1)
        let x = sampleMatrix(100, 100, seed: 2, in: 0.5..<1.5, as: Float.self)
        let (y, mask) = dropout.forward(x, mode: .training)
        let scale = Float(1 / (1 - rate))
        let kept = y.scalars.filter { $0 != 0 }.count
        let misscaled = zip(x.scalars, y.scalars).filter { input, output in
            output != 0 && !isApproximatelyEqual(output, input * scale, relativeTolerance: 1e-6)
        }
        #expect(misscaled.isEmpty)
        // 10 000 Bernoulli(0.7) draws: standard deviation ≈ 0.0046 in the kept fraction.
        #expect(abs(Double(kept) / 10_000 - (1 - rate)) < 0.02)
        #expect(mask?.scalars.allSatisfy { $0 == 0 || $0 == scale } == true)
        // Inverted dropout preserves the mean: E[y] = x.
        let meanRatio = y.scalars.reduce(0, +) / x.scalars.reduce(0, +)
        #expect(abs(meanRatio - 1) < 0.03)
    }

    @Test("equal seeds give equal masks; other seeds and later passes give new ones")
    func seedDeterminism() {
        let x = Matrix<Double>(rows: 20, columns: 20, repeating: 1)
        let first = Dropout<Double>(rate: 0.5, seed: 7)
        let second = Dropout<Double>(rate: 0.5, seed: 7)
        let other = Dropout<Double>(rate: 0.5, seed: 8)
        let a = first.forward(x, mode: .training).output
        #expect(a == second.forward(x, mode: .training).output)
        #expect(a != other.forward(x, mode: .training).output)
        #expect(a != first.forward(x, mode: .training).output)
        // The Float layer with the same seed draws the same mask.
        let float = Dropout<Float>(rate: 0.5, seed: 7).forward(Matrix(x), mode: .training).output
        #expect(float.scalars.map(Double.init) == a.scalars)
    }

    @Test("evaluation mode and rate 0 are the identity and draw nothing")
    func identityCases() {
        let x = sampleMatrix(8, 9, seed: 3, as: Float.self)
        let dropout = Dropout<Float>(rate: 0.5, seed: 4)
        let before = dropout.random
        let (y, saved) = dropout.forward(x, mode: .evaluation)
        #expect(y == x && saved == nil && dropout.random == before)
        #expect(dropout.backward(x, saved: saved) == x)
        #expect(dropout(x) == x)

        let none = Dropout<Float>(rate: 0, seed: 4)
        let (yNone, savedNone) = none.forward(x, mode: .training)
        #expect(yNone == x && savedNone == nil && none.random == before)
        #expect(dropout.forward(x, mode: .training).output != x)
    }

    @Test("backward applies the forward pass's mask and matches central differences")
    func gradientCheck() {
        let x = sampleMatrix(6, 7, seed: 5, as: Double.self)
        let gradOutput = sampleMatrix(6, 7, seed: 6, as: Double.self)
        let dropout = Dropout<Double>(rate: 0.4, seed: 9)
        let (y, saved) = dropout.forward(x, mode: .training)
        let gradInput = dropout.backward(gradOutput, saved: saved)
        // A fresh layer with the same seed redraws the same mask, so the probe differentiates the very pass above.
        let numerical = numericalInputGradient(
            of: { Dropout<Double>(rate: 0.4, seed: 9).forward($0, mode: .training).output }, at: x,
            gradOutput: gradOutput)
        #expect(gradientError(gradInput, numerical) <= 1e-6)
        // Dropped inputs get no gradient, kept ones get gradY / (1 − p).
        let expected = zip(y.scalars, gradOutput.scalars).map { output, g in output == 0 ? 0 : g / 0.6 }
        #expect(isApproximatelyEqual(gradInput.scalars, expected, relativeTolerance: 1e-12))
        #expect(expected.contains(0) && expected.contains { $0 != 0 })
    }
}
