import Foundation

/// The loss of a model that learned nothing but the training split's frequencies: the level a stalled run stays at
/// (analysis/METHODS.md, "Stability over a learning-rate grid", rule 2).
///
/// Each of the V classes (labels, or the char-LM's bytes) gets probability pᵥ = (nᵥ + 1)/(N + V) from its N
/// training counts, one count added so a class the training split lacks still has a finite loss; the prior loss is
/// the mean of −ln p over the validation split's targets, in nats, summed in Double.
package enum PriorLoss {
    /// The cross-entropy of the smoothed training frequencies on `predicted`; nil when there is nothing to predict.
    ///
    /// - Parameters:
    ///   - training: The training split's classes, each in `0..<classCount`.
    ///   - predicted: The classes the validation evaluation predicts, each in `0..<classCount`.
    ///   - classCount: V; below 2 there is no prior to stall against (nil).
    package static func crossEntropy(training: [Int], predicted: [Int], classCount: Int) -> Double? {
        // One class is predicted with certainty: a loss of 0, which no run can stall against.
        guard classCount > 1, !predicted.isEmpty else { return nil }
        var counts = [Int](repeating: 0, count: classCount)
        for value in training { counts[value] += 1 }
        let total = Double(training.count + classCount)
        var sum = 0.0
        for value in predicted { sum -= log(Double(counts[value] + 1) / total) }
        return sum / Double(predicted.count)
    }

    /// The prior loss of a run's data: for a classifier, the labels; for a char-LM, the bytes of its vocabulary,
    /// predicted where the validation evaluation predicts them (the targets of its windows, ``EvaluationSets``),
    /// so that the prior and `valid_loss` average over the same bytes.
    ///
    /// - Parameters:
    ///   - data: The run's loaded splits.
    ///   - context: The char-LM's window length (ignored for a classifier).
    static func of(_ data: RunData, context: Int) -> Double? {
        switch data {
        case .classification(let splits):
            crossEntropy(
                training: splits.train.labels, predicted: splits.valid.labels, classCount: splits.train.classCount)
        case .text(let splits, let vocabularySize):
            crossEntropy(
                training: splits.train.tokens,
                predicted: splits.valid.evaluationWindows(length: context, maxWindows: EvaluationSets.maxWindows)
                    .targets,
                classCount: vocabularySize)
        }
    }
}
