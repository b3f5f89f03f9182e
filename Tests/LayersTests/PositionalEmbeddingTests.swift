import Layers
import Tensors
import TestSupport
import Testing

@Suite("PositionalEmbedding")
struct PositionalEmbeddingTests {
    @Test("each row gets the table row of its position within its sequence")
    func handComputedForward() {
        let layer = PositionalEmbedding<Double>(table: Matrix([[1, 2], [10, 20], [100, 200]]), sequenceLength: 2)
        let x = Matrix<Double>([[0, 0], [1, 1], [2, 2], [3, 3]])
        // Two sequences of length 2: positions 0, 1, 0, 1.
        #expect(layer(x) == Matrix([[1, 2], [11, 21], [3, 4], [13, 23]]))
        // The whole table at once: one sequence of 3, positions 0, 1, 2.
        let y = layer.forward(Matrix([[0, 0], [0, 0], [0, 0]]), sequenceLength: 3)
        #expect(y == Matrix([[1, 2], [10, 20], [100, 200]]))
        #expect(layer.maxLength == 3 && layer.width == 2)
    }

    @Test("backward passes the gradient through and sums it per position into the table", arguments: [2, 3])
    func gradientCheck(sequenceLength: Int) {
        var random = SeededRandom(seed: 31)
        let layer = PositionalEmbedding<Double>(
            maxLength: 3, width: 4, sequenceLength: sequenceLength, random: &random)
        let rows = 2 * sequenceLength
        let x = sampleMatrix(rows, 4, seed: 32, as: Double.self)
        let gradOutput = sampleMatrix(rows, 4, seed: 33, as: Double.self)
        let (_, saved) = layer.forward(x, mode: .training)
        #expect(saved == sequenceLength)
        let gradInput = layer.backward(gradOutput, saved: saved)

        let numericalInput = numericalInputGradient(of: { layer($0) }, at: x, gradOutput: gradOutput)
        #expect(gradientError(gradInput, numericalInput) <= 1e-6)

        let table = layer.weight.value
        let numericalTable = numericalGradient(
            of: { t in
                layer.weight.value = t
                return dot(layer(x), gradOutput)
            }, at: table)
        layer.weight.value = table
        #expect(gradientError(layer.weight.gradient, numericalTable) <= 1e-6)
        // Positions beyond the sequence length get no gradient.
        #expect(layer.weight.gradient.row(2).allSatisfy { $0 == 0 } == (sequenceLength < 3))
    }

    @Test("the table gradient of a position is the sum over sequences of that position's rows")
    func handComputedBackward() {
        let layer = PositionalEmbedding<Float>(table: Matrix(rows: 2, columns: 1))
        let gradOutput = Matrix<Float>([[1], [2], [30], [40], [500], [600]])
        let gradInput = layer.backward(gradOutput, saved: 2)
        #expect(gradInput == gradOutput)
        #expect(layer.weight.gradient == Matrix([[531], [642]]))
    }

    @Test("Float and Double instantiations agree to 1e-5")
    func floatMatchesDouble() {
        var randomFloat = SeededRandom(seed: 4)
        var randomDouble = SeededRandom(seed: 4)
        let float = PositionalEmbedding<Float>(maxLength: 8, width: 5, sequenceLength: 4, random: &randomFloat)
        let double = PositionalEmbedding<Double>(maxLength: 8, width: 5, sequenceLength: 4, random: &randomDouble)
        let x = sampleMatrix(12, 5, seed: 9, as: Double.self)
        let yFloat = float(Matrix(x)).scalars.map(Double.init)
        #expect(isApproximatelyEqual(yFloat, double(x).scalars, absoluteTolerance: 1e-5))
        #expect(double(x) != x)
    }
}
