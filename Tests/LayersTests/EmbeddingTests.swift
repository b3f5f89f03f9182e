import Layers
import Tensors
import TestSupport
import Testing

@Suite("Embedding")
struct EmbeddingTests {
    @Test("forward returns the table's row for each id, in order")
    func lookup() {
        let embedding = Embedding<Float>(table: Matrix([[1, 2], [3, 4], [5, 6]]))
        #expect(embedding([2, 0, 2, 1]) == Matrix([[5, 6], [1, 2], [5, 6], [3, 4]]))
        #expect(embedding([]).rows == 0 && embedding([]).columns == 2)
        #expect(embedding.vocabularySize == 3 && embedding.width == 2)
    }

    @Test("backward scatter-adds each output row into its id's row, summing repeated ids")
    func scatterAdd() {
        let embedding = Embedding<Double>(table: Matrix(rows: 4, columns: 2))
        let gradOutput = Matrix<Double>([[1, 2], [10, 20], [100, 200]])
        embedding.backward(gradOutput, ids: [3, 0, 3])
        #expect(embedding.weight.gradient == Matrix([[10, 20], [0, 0], [0, 0], [101, 202]]))
        // A second backward accumulates on top.
        embedding.backward(gradOutput, ids: [3, 0, 3])
        #expect(embedding.weight.gradient == Matrix([[20, 40], [0, 0], [0, 0], [202, 404]]))
    }

    @Test("the table gradient matches central differences")
    func gradientCheck() {
        var random = SeededRandom(seed: 5)
        let embedding = Embedding<Double>(vocabularySize: 6, width: 3, random: &random)
        let ids = [4, 1, 4, 0, 5, 4]
        let gradOutput = sampleMatrix(ids.count, 3, seed: 6, as: Double.self)
        embedding.backward(gradOutput, ids: ids)
        let table = embedding.weight.value
        let numerical = numericalGradient(
            of: { t in
                embedding.weight.value = t
                return dot(embedding(ids), gradOutput)
            }, at: table)
        embedding.weight.value = table
        #expect(numerical.scalars.contains { $0 != 0 })
        #expect(gradientError(embedding.weight.gradient, numerical) <= 1e-6)
    }

    @Test("the table starts as N(0, σ²): σ = 1 by default, as in PyTorch, or as given", arguments: [1.0, 0.125])
    func initialization(standardDeviation: Double) {
        var random = SeededRandom(seed: 17)
        let embedding = Embedding<Double>(
            vocabularySize: 100, width: 64, standardDeviation: standardDeviation, random: &random)
        let values = embedding.weight.value.scalars
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        // 6400 samples: the mean's standard error is σ/80, the standard deviation's about σ/113.
        #expect(abs(mean) < 0.05 * standardDeviation)
        #expect(abs(variance.squareRoot() - standardDeviation) < 0.04 * standardDeviation)
    }

    @Test("the default σ is 1 and Float and Double tables from equal seeds agree")
    func floatMatchesDouble() {
        var randomFloat = SeededRandom(seed: 2)
        var randomDouble = SeededRandom(seed: 2)
        let float = Embedding<Float>(vocabularySize: 50, width: 40, random: &randomFloat)
        let double = Embedding<Double>(vocabularySize: 50, width: 40, random: &randomDouble)
        let doubleValues = double.weight.value.scalars
        #expect(isApproximatelyEqual(float.weight.value.scalars.map(Double.init), doubleValues))
        let variance = doubleValues.reduce(0) { $0 + $1 * $1 } / Double(doubleValues.count)
        #expect(abs(variance - 1) < 0.1)
    }
}
