import Layers
import Tensors
import TestSupport
import Testing

@Suite("Linear")
struct LinearTests {
    @Test("forward computes x · Wᵀ + b with the weight stored output by input")
    func handComputedForward() {
        let layer = Linear<Double>(
            weight: Matrix([[1, 2], [3, 4], [5, 6]]), bias: Matrix([[0.5, -1, 2]]))
        let x = Matrix<Double>([[1, -1], [2, 0.5]])
        let y = layer(x)
        #expect(y == Matrix([[-0.5, -2, 1], [3.5, 7, 15]]))
        #expect(layer.inputWidth == 2 && layer.outputWidth == 3)
        #expect(layer.parameters.map(\.name) == ["weight", "bias"])
    }

    @Test("the input, weight and bias gradients match central differences", arguments: [true, false])
    func gradientCheck(bias: Bool) {
        var random = SeededRandom(seed: 11)
        let layer = Linear<Double>(inputWidth: 4, outputWidth: 3, bias: bias, random: &random)
        let x = sampleMatrix(5, 4, seed: 1, as: Double.self)
        let gradOutput = sampleMatrix(5, 3, seed: 2, as: Double.self)
        let (_, saved) = layer.forward(x, mode: .training)
        let gradInput = layer.backward(gradOutput, saved: saved)

        let numericalInput = numericalInputGradient(of: { layer($0) }, at: x, gradOutput: gradOutput)
        #expect(gradientError(gradInput, numericalInput) <= 1e-6)

        let weight = layer.weight.value
        let numericalWeight = numericalGradient(
            of: { w in
                layer.weight.value = w
                return dot(layer(x), gradOutput)
            }, at: weight)
        layer.weight.value = weight
        #expect(gradientError(layer.weight.gradient, numericalWeight) <= 1e-6)

        #expect((layer.bias != nil) == bias && layer.parameters.count == (bias ? 2 : 1))
        if let b = layer.bias {
            let value = b.value
            let numericalBias = numericalGradient(
                of: { v in
                    b.value = v
                    return dot(layer(x), gradOutput)
                }, at: value)
            b.value = value
            #expect(gradientError(b.gradient, numericalBias) <= 1e-6)
        }
    }

    @Test("backward adds into the parameter gradients instead of overwriting them")
    func gradientsAccumulate() {
        var random = SeededRandom(seed: 3)
        let layer = Linear<Double>(inputWidth: 3, outputWidth: 2, random: &random)
        let x = sampleMatrix(4, 3, seed: 4, as: Double.self)
        let gradOutput = sampleMatrix(4, 2, seed: 5, as: Double.self)
        let saved = layer.forward(x, mode: .training).saved
        _ = layer.backward(gradOutput, saved: saved)
        let once = layer.parameters.map(\.gradient)
        _ = layer.backward(gradOutput, saved: saved)
        for (parameter, first) in zip(layer.parameters, once) {
            #expect(first.scalars.contains { $0 != 0 })
            #expect(isApproximatelyEqual(parameter.gradient.scalars, first.scalars.map { 2 * $0 }))
        }
    }

    @Test("PyTorch's default draws weight and bias from U(−1/√in, 1/√in)")
    func pytorchDefaultInitialization() {
        var random = SeededRandom(seed: 21)
        let layer = Linear<Double>(inputWidth: 64, outputWidth: 48, random: &random)
        let bound = 1 / 8.0
        let w = layer.weight.value.scalars
        #expect(layer.weight.value.rows == 48 && layer.weight.value.columns == 64)
        #expect(w.allSatisfy { abs($0) <= bound })
        #expect(w.map(abs).max()! > 0.99 * bound)
        // U(−a, a) has variance a²/3.
        let variance = w.reduce(0) { $0 + $1 * $1 } / Double(w.count)
        #expect(abs(variance - bound * bound / 3) < 0.05 * bound * bound / 3)
        let b = layer.bias!.value.scalars
        #expect(b.count == 48 && b.allSatisfy { abs($0) <= bound } && b.map(abs).max()! > 0.8 * bound)
    }

    @Test("Xavier uniform draws the weight from U(−√(6/(in+out)), √(6/(in+out))) and zeroes the bias")
    func xavierInitialization() {
        var random = SeededRandom(seed: 22)
        let layer = Linear<Double>(inputWidth: 64, outputWidth: 32, initialization: .xavierUniform, random: &random)
        let bound = (6.0 / 96).squareRoot()
        let w = layer.weight.value.scalars
        #expect(w.allSatisfy { abs($0) <= bound })
        // Beyond 1/√64 = 0.125, PyTorch's default bound, so the option really changed the range.
        #expect(w.map(abs).max()! > 0.99 * bound)
        #expect(layer.bias!.value.scalars.allSatisfy { $0 == 0 })
    }

    @Test("equal seeds give equal layers, and Float and Double instantiations agree to 1e-5")
    func floatMatchesDouble() {
        var randomFloat = SeededRandom(seed: 8)
        var randomDouble = SeededRandom(seed: 8)
        var randomOther = SeededRandom(seed: 9)
        let float = Linear<Float>(inputWidth: 6, outputWidth: 5, random: &randomFloat)
        let double = Linear<Double>(inputWidth: 6, outputWidth: 5, random: &randomDouble)
        let other = Linear<Double>(inputWidth: 6, outputWidth: 5, random: &randomOther)
        #expect(other.weight.value != double.weight.value)
        #expect(isApproximatelyEqual(float.weight.value.scalars.map(Double.init), double.weight.value.scalars))

        let x = sampleMatrix(7, 6, seed: 10, as: Double.self)
        let gradOutput = sampleMatrix(7, 5, seed: 11, as: Double.self)
        let (yFloat, savedFloat) = float.forward(Matrix(x), mode: .training)
        let (yDouble, savedDouble) = double.forward(x, mode: .training)
        #expect(isApproximatelyEqual(yFloat.scalars.map(Double.init), yDouble.scalars, absoluteTolerance: 1e-5))
        let gradFloat = float.backward(Matrix(gradOutput), saved: savedFloat)
        let gradDouble = double.backward(gradOutput, saved: savedDouble)
        #expect(
            isApproximatelyEqual(gradFloat.scalars.map(Double.init), gradDouble.scalars, absoluteTolerance: 1e-5))
        #expect(
            isApproximatelyEqual(
                float.weight.gradient.scalars.map(Double.init), double.weight.gradient.scalars,
                absoluteTolerance: 1e-5))
    }
}
