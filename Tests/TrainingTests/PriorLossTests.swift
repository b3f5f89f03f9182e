import Foundation
import Tensors
import Testing

@testable import Training

/// The prior loss a stalled run is judged against (analysis/METHODS.md, "Stability over a learning-rate grid"),
/// on splits small enough to check by hand.
@Suite("Prior loss")
struct PriorLossTests {
    @Test("add-one frequencies of the training split, cross-entropy on the validation split, in nats")
    func byHand() throws {
        // Training counts (2, 1, 0) over V = 3: p = (3, 2, 1)/6. Predicting 0 and 2 costs (ln 2 + ln 6)/2 = ln 12 / 2.
        let loss = try #require(PriorLoss.crossEntropy(training: [0, 0, 1], predicted: [0, 2], classCount: 3))
        #expect(abs(loss - log(12.0) / 2) < 1e-15)
        #expect(PriorLoss.crossEntropy(training: [0], predicted: [], classCount: 2) == nil)
        // One class is certain, a loss of 0 that no run can stall against (and no finite positive prior to write).
        #expect(PriorLoss.crossEntropy(training: [0, 0], predicted: [0], classCount: 1) == nil)
    }

    @Test("a classifier's prior: its labels, V its classes")
    func classifier() throws {
        func part(_ labels: [Int]) -> ClassificationDataset {
            ClassificationDataset(
                name: "t", features: Matrix(rows: labels.count, columns: 1, repeating: 0), labels: labels,
                classCount: 4)
        }
        let data = RunData.classification(DataSplits(train: part([0, 1, 1]), valid: part([1, 3]), test: part([0])))
        // p = (2, 3, 1, 1)/7: (ln(7/3) + ln 7)/2.
        let loss = try #require(PriorLoss.of(data, context: 8))
        #expect(abs(loss - (log(7.0 / 3) + log(7.0)) / 2) < 1e-15)
    }

    @Test("a char-LM's prior: over the bytes its validation windows predict, not the split's first byte or tail")
    func languageModel() throws {
        func corpus(_ tokens: [Int]) -> TextCorpus { TextCorpus(name: "t", tokens: tokens, vocabulary: [65, 66, 67]) }
        // Windows of 2 over [2, 1, 1, 1, 1, 2]: two windows, predicting tokens 1…4 (all 1); the first and last
        // tokens are not predicted.
        let data = RunData.text(
            DataSplits(train: corpus([0, 1]), valid: corpus([2, 1, 1, 1, 1, 2]), test: corpus([0])),
            vocabularySize: 3)
        // Training counts (1, 1, 0) over V = 3: p(1) = 2/5.
        let loss = try #require(PriorLoss.of(data, context: 2))
        #expect(abs(loss - log(5.0 / 2)) < 1e-15)
    }
}
