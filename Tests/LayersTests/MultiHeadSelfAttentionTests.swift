import Foundation
import Layers
import Tensors
import TestSupport
import Testing

@Suite("MultiHeadSelfAttention")
struct MultiHeadSelfAttentionTests {
    /// A layer whose four projections are the identity with zero bias, so `Q = K = V = x` and `y = C`.
    private func identityLayer(modelWidth: Int, headCount: Int, isCausal: Bool) -> MultiHeadSelfAttention<Double> {
        var random = SeededRandom(seed: 0)
        let layer = MultiHeadSelfAttention<Double>(
            modelWidth: modelWidth, headCount: headCount, isCausal: isCausal, random: &random)
        let identity = Matrix<Double>(rows: modelWidth, columns: modelWidth) { i, j in i == j ? 1 : 0 }
        for projection in [layer.query, layer.key, layer.value, layer.output] {
            projection.weight.value = identity
            projection.bias.value.fill(with: 0)
        }
        return layer
    }

    @Test("one head with identity projections matches softmax(x·xᵀ/√d)·x computed by hand", arguments: [false, true])
    func singleHeadByHand(isCausal: Bool) {
        let layer = identityLayer(modelWidth: 2, headCount: 1, isCausal: isCausal)
        layer.output.bias.value = Matrix([[0.5, -1]])
        let x = Matrix<Double>([[1, 0], [0, 1], [1, 1]])
        // Scores x_s·x_t/√2 are multiples of a = 1/√2: [[a, 0, a], [0, a, a], [a, a, 2a]].
        let ea = exp(1 / 2.0.squareRoot())
        let lastRow = (1 + ea) / (2 + ea)
        let expected: [[Double]] =
            isCausal
            ? [[1, 0], [1 / (1 + ea), ea / (1 + ea)], [lastRow, lastRow]]
            : [
                [2 * ea / (1 + 2 * ea), (1 + ea) / (1 + 2 * ea)],
                [(1 + ea) / (1 + 2 * ea), 2 * ea / (1 + 2 * ea)],
                [lastRow, lastRow],
            ]
        let y = layer(x, sequenceLength: 3)
        let expectedWithBias = expected.flatMap { [$0[0] + 0.5, $0[1] - 1] }
        #expect(isApproximatelyEqual(y.scalars, expectedWithBias, relativeTolerance: 1e-14, absoluteTolerance: 1e-14))
    }

    @Test("two heads of width 1 attend independently, each over its own column")
    func twoHeadsByHand() {
        let layer = identityLayer(modelWidth: 2, headCount: 2, isCausal: false)
        let x = Matrix<Double>([[1, 2], [3, -1]])
        // Head 0 sees column (1, 3): scores [[1, 3], [3, 9]]; head 1 sees (2, −1): scores [[4, −2], [−2, 1]].
        func mix(_ scores: (Double, Double), _ values: (Double, Double)) -> Double {
            (exp(scores.0) * values.0 + exp(scores.1) * values.1) / (exp(scores.0) + exp(scores.1))
        }
        let expected = [
            mix((1, 3), (1, 3)), mix((4, -2), (2, -1)),
            mix((3, 9), (1, 3)), mix((-2, 1), (2, -1)),
        ]
        let y = layer(x, sequenceLength: 2)
        #expect(isApproximatelyEqual(y.scalars, expected, relativeTolerance: 1e-14, absoluteTolerance: 1e-14))
    }

    @Test(
        "the input gradient and every parameter gradient match central differences",
        arguments: [(false, 2), (true, 2), (false, 3), (true, 1)])
    func gradientCheck(isCausal: Bool, headCount: Int) {
        let (sequenceCount, sequenceLength, modelWidth) = (2, 4, 6)
        var random = SeededRandom(seed: 31)
        let layer = MultiHeadSelfAttention<Double>(
            modelWidth: modelWidth, headCount: headCount, isCausal: isCausal, random: &random)
        let x = sampleMatrix(sequenceCount * sequenceLength, modelWidth, seed: 32, in: -2..<2, as: Double.self)
        let gradOutput = sampleMatrix(sequenceCount * sequenceLength, modelWidth, seed: 33, as: Double.self)
        let (_, saved) = layer.forward(x, sequenceLength: sequenceLength, mode: .training)
        let gradInput = layer.backward(gradOutput, saved: saved)

        let numericalInput = numericalInputGradient(
            of: { layer($0, sequenceLength: sequenceLength) }, at: x, gradOutput: gradOutput)
        #expect(gradientError(gradInput, numericalInput) <= 1e-6)

        #expect(layer.parameters.count == 8)
        for parameter in layer.parameters {
            let value = parameter.value
            let numerical = numericalGradient(
                of: { v in
                    parameter.value = v
                    return dot(layer(x, sequenceLength: sequenceLength), gradOutput)
                }, at: value)
            parameter.value = value
            if parameter.name == "key.bias" {
                // b_k adds q_s·b_k to every allowed score of row s, which the softmax cancels: its true gradient is
                // 0, so a relative error would only compare rounding noise. Both must be zero to ~1e-9 instead.
                #expect(numerical.scalars.allSatisfy { abs($0) < 1e-9 })
                #expect(parameter.gradient.scalars.allSatisfy { abs($0) < 1e-12 })
            } else {
                #expect(numerical.scalars.contains { abs($0) > 1e-3 }, "\(parameter.name)")
                #expect(gradientError(parameter.gradient, numerical) <= 1e-6, "\(parameter.name)")
            }
        }
    }

    @Test("a causal layer's earlier outputs, and other sequences' outputs, ignore a change to a later token")
    func causality() {
        let (sequenceLength, modelWidth, changedRow) = (5, 6, 3)
        var random = SeededRandom(seed: 41)
        let causal = MultiHeadSelfAttention<Double>(
            modelWidth: modelWidth, headCount: 3, isCausal: true, random: &random)
        random = SeededRandom(seed: 41)
        let bidirectional = MultiHeadSelfAttention<Double>(
            modelWidth: modelWidth, headCount: 3, isCausal: false, random: &random)
        let x = sampleMatrix(2 * sequenceLength, modelWidth, seed: 42, as: Double.self)
        var changed = x
        for column in 0..<modelWidth { changed[changedRow, column] += 0.75 }

        let before = causal(x, sequenceLength: sequenceLength)
        let after = causal(changed, sequenceLength: sequenceLength)
        for row in 0..<(2 * sequenceLength) {
            let isAffected = row >= changedRow && row < sequenceLength
            #expect((before.row(row) == after.row(row)) == !isAffected, "row \(row)")
        }
        // Without the mask the first token does see the change, so the check above is not vacuous.
        let unmasked = bidirectional(x, sequenceLength: sequenceLength)
        #expect(unmasked.row(0) != bidirectional(changed, sequenceLength: sequenceLength).row(0))
        #expect(
            unmasked.row(sequenceLength) == bidirectional(changed, sequenceLength: sequenceLength).row(sequenceLength))
    }

    @Test(
        "probabilities are rows summing to 1, with exact zeros above the diagonal when causal",
        arguments: [false, true])
    func probabilities(isCausal: Bool) {
        let (sequenceLength, headCount) = (4, 2)
        var random = SeededRandom(seed: 51)
        let layer = MultiHeadSelfAttention<Double>(
            modelWidth: 4, headCount: headCount, isCausal: isCausal, random: &random)
        // Large inputs give large scores, which a softmax without the max shift would overflow.
        let x = sampleMatrix(2 * sequenceLength, 4, seed: 52, in: -300..<300, as: Double.self)
        let (y, saved) = layer.forward(x, sequenceLength: sequenceLength, mode: .training)
        #expect(y.scalars.allSatisfy { $0.isFinite })
        let p = saved.probabilities
        #expect(p.rows == 2 * headCount * sequenceLength && p.columns == sequenceLength)
        for row in 0..<p.rows {
            let s = row % sequenceLength
            #expect(abs(p.row(row).reduce(0, +) - 1) < 1e-12)
            for t in 0..<sequenceLength {
                #expect(isCausal && t > s ? p[row, t] == 0 : p[row, t] >= 0)
            }
        }
        // Evaluation gives the same output without keeping the probabilities.
        let (yEvaluation, savedEvaluation) = layer.forward(x, sequenceLength: sequenceLength, mode: .evaluation)
        #expect(yEvaluation == y)
        #expect(savedEvaluation.probabilities.count == 0)
    }

    @Test("parameters are named by projection and start in U(−1/√d, 1/√d)")
    func parametersAndInitialization() {
        var random = SeededRandom(seed: 61)
        let layer = MultiHeadSelfAttention<Double>(modelWidth: 64, headCount: 8, isCausal: false, random: &random)
        #expect(
            layer.parameters.map(\.name) == [
                "query.weight", "query.bias", "key.weight", "key.bias",
                "value.weight", "value.bias", "output.weight", "output.bias",
            ])
        #expect(layer.headWidth == 8)
        let bound = 1 / 8.0
        for parameter in layer.parameters {
            let isWeight = parameter.name.hasSuffix("weight")
            #expect(parameter.value.rows == (isWeight ? 64 : 1) && parameter.value.columns == 64)
            let largest = parameter.value.scalars.map(abs).max()!
            #expect(largest <= bound && largest > 0.8 * bound, "\(parameter.name)")
        }
        // Each projection draws its own values.
        #expect(layer.query.weight.value != layer.key.weight.value)
    }

    @Test("backward adds into the parameter gradients instead of overwriting them")
    func gradientsAccumulate() {
        var random = SeededRandom(seed: 71)
        let layer = MultiHeadSelfAttention<Double>(modelWidth: 4, headCount: 2, isCausal: true, random: &random)
        let x = sampleMatrix(6, 4, seed: 72, as: Double.self)
        let gradOutput = sampleMatrix(6, 4, seed: 73, as: Double.self)
        let saved = layer.forward(x, sequenceLength: 3, mode: .training).saved
        _ = layer.backward(gradOutput, saved: saved)
        let once = layer.parameters.map(\.gradient)
        _ = layer.backward(gradOutput, saved: saved)
        for (parameter, first) in zip(layer.parameters, once) {
            #expect(first.scalars.contains { $0 != 0 })
            #expect(isApproximatelyEqual(parameter.gradient.scalars, first.scalars.map { 2 * $0 }))
        }
    }

    @Test("Float and Double layers from equal seeds agree to 1e-5 in output and every gradient")
    func floatMatchesDouble() {
        var randomFloat = SeededRandom(seed: 81)
        var randomDouble = SeededRandom(seed: 81)
        let float = MultiHeadSelfAttention<Float>(modelWidth: 8, headCount: 2, isCausal: true, random: &randomFloat)
        let double = MultiHeadSelfAttention<Double>(
            modelWidth: 8, headCount: 2, isCausal: true, random: &randomDouble)
        let x = sampleMatrix(10, 8, seed: 82, in: -2..<2, as: Double.self)
        let gradOutput = sampleMatrix(10, 8, seed: 83, as: Double.self)

        let (yFloat, savedFloat) = float.forward(Matrix(x), sequenceLength: 5, mode: .training)
        let (yDouble, savedDouble) = double.forward(x, sequenceLength: 5, mode: .training)
        #expect(isApproximatelyEqual(yFloat.scalars.map(Double.init), yDouble.scalars, absoluteTolerance: 1e-5))
        let gradFloat = float.backward(Matrix(gradOutput), saved: savedFloat)
        let gradDouble = double.backward(gradOutput, saved: savedDouble)
        #expect(
            isApproximatelyEqual(gradFloat.scalars.map(Double.init), gradDouble.scalars, absoluteTolerance: 1e-5))
        for (f, d) in zip(float.parameters, double.parameters) {
            #expect(d.gradient.scalars.contains { $0 != 0 })
            #expect(
                isApproximatelyEqual(f.gradient.scalars.map(Double.init), d.gradient.scalars, absoluteTolerance: 1e-5),
                "\(d.name)")
        }
    }
}
