import TestSupport
import Testing

@testable import Tensors

@Suite("Tensor row normalization")
struct TensorRowNormalizationTests {
    @Test("normalizeRows matches (x − μ) / √(σ² + ε) computed naively in Double")
    func matchesReference() {
        let x = sampleTensor([9, 40], seed: 71).map { 3 * $0 + 10 }
        var y = Tensor(zeros: [0])
        var means = Tensor(zeros: [0])
        var inverseSigmas = Tensor(zeros: [0])
        x.normalizeRows(into: &y, means: &means, inverseStandardDeviations: &inverseSigmas, epsilon: 1e-3)
        #expect(y.shape == [9, 40] && means.shape == [9] && inverseSigmas.shape == [9])
        var expected: [Double] = []
        for (r, row) in NaiveReference.rows(x.scalars, columns: 40).enumerated() {
            let mu = NaiveReference.mean(row)
            let inverseSigma = 1 / (NaiveReference.variance(row, unbiased: false) + 1e-3).squareRoot()
            #expect(isApproximatelyEqual(Double(means.scalars[r]), mu, relativeTolerance: 1e-7))
            #expect(isApproximatelyEqual(Double(inverseSigmas.scalars[r]), inverseSigma, relativeTolerance: 1e-7))
            expected += row.map { ($0 - mu) * inverseSigma }
        }
        #expect(isApproximatelyEqual(y, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-5))
        #expect(x.normalizedRows(epsilon: 1e-3) == y)
    }

    @Test("Normalized rows have mean 0 and variance σ² / (σ² + ε)")
    func standardizes() {
        let y = sampleTensor([5, 256], seed: 72).normalizedRows(epsilon: 0)
        for (mean, variance) in zip(y.rowMeans(), y.rowVariances()) {
            #expect(abs(mean) < 1e-6)
            #expect(abs(variance - 1) < 1e-5)
        }
    }

    @Test("A constant row normalizes to zeros, with 1/√ε as its inverse standard deviation")
    func constantRow() {
        let x = Tensor(repeating: 3, shape: [1, 8])
        var y = Tensor(zeros: [1, 8])
        var means = Tensor(zeros: [1])
        var inverseSigmas = Tensor(zeros: [1])
        x.normalizeRows(into: &y, means: &means, inverseStandardDeviations: &inverseSigmas, epsilon: 1e-4)
        #expect(y.scalars.allSatisfy { $0 == 0 })
        #expect(means.scalars == [3])
        #expect(isApproximatelyEqual(inverseSigmas.scalars[0], 100, relativeTolerance: 1e-6))
    }
}
