import Foundation
import Tensors
import TestSupport
import Testing
import Training

@Suite("FeatureStandardization")
struct FeatureStandardizationTests {
    /// Three features: varied, varied with a large offset, and constant.
    private let train = ClassificationDataset(
        name: "train",
        features: Matrix([[1, 1000, 7], [2, 1002, 7], [4, 1001, 7], [9, 1005, 7]]),
        labels: [0, 1, 0, 1], classCount: 2)

    /// The mean and population standard deviation of column `j`.
    private func statistics(_ m: Matrix<Float>, column j: Int) -> (mean: Double, sd: Double) {
        let values = (0..<m.rows).map { Double(m[$0, j]) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        return (mean, variance.squareRoot())
    }

    @Test("on the data it was fitted on, every varying column has mean 0 and standard deviation 1")
    func meanZeroUnitDeviation() {
        let standardization = FeatureStandardization(fitting: train)
        #expect(isApproximatelyEqual(standardization.mean, [4, 1002, 7]))
        let y = standardization.apply(to: train).features
        for j in 0..<2 {
            let (mean, sd) = statistics(y, column: j)
            #expect(abs(mean) < 1e-6)
            #expect(abs(sd - 1) < 1e-6)
        }
    }

    @Test("a constant column gets σ = 1 and maps to exactly 0")
    func constantColumn() {
        let standardization = FeatureStandardization(fitting: train)
        #expect(standardization.standardDeviation[2] == 1)
        let y = standardization.apply(to: train).features
        #expect((0..<4).allSatisfy { y[$0, 2] == 0 })
    }

    @Test("held-out data is mapped with the training statistics, labels and name untouched")
    func appliesTrainStatistics() {
        let standardization = FeatureStandardization(fitting: train)
        let held = ClassificationDataset(
            name: "valid", features: Matrix([[Float(4 + 2 * 9.5.squareRoot()), 1002, 8]]), labels: [1], classCount: 2)
        let y = standardization.apply(to: held)
        // σ of column 0 is √(38/4) = √9.5; the held-out value sits two σ above the training mean.
        #expect(isApproximatelyEqual(y.features.scalars, [2, 0, 1], relativeTolerance: 1e-5, absoluteTolerance: 1e-6))
        #expect(y.labels == held.labels && y.name == "valid")
    }

    @Test("the statistics survive a JSON round trip")
    func codable() throws {
        let standardization = FeatureStandardization(fitting: train)
        let decoded = try JSONDecoder().decode(
            FeatureStandardization.self, from: JSONEncoder().encode(standardization))
        #expect(decoded == standardization)
    }
}
