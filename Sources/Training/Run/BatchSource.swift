import Tensors

/// Minibatches for training, in an order fixed by the run's seed.
///
/// Package access: `bench train` steps on the trainer's first batch.
package struct BatchSource {
    private let data: RunData
    private let configuration: RunConfiguration
    private var sampler: MinibatchSampler?

    package init(data: RunData, configuration: RunConfiguration) {
        self.data = data
        self.configuration = configuration
        if case .classification(let splits) = data {
            sampler = MinibatchSampler(count: splits.train.count, seed: UInt64(truncatingIfNeeded: configuration.seed))
        }
    }

    package mutating func next(using random: inout SeededRandom) -> (ModelInput<Float>, [Int]) {
        switch data {
        case .classification(let splits):
            let indices = sampler!.next(batchSize: configuration.batch)
            let (features, labels) = splits.train.rows(indices)
            return (.features(features), labels)
        case .text(let splits, _):
            let windows = splits.train.sampleWindows(
                count: configuration.batch, length: configuration.context, using: &random)
            return (.tokens(windows.inputs, sequenceLength: configuration.context), windows.targets)
        }
    }
}

/// The fixed evaluation batches: the whole validation set, and a training subset of the same size drawn once.
struct EvaluationSets {
    let train: [(ModelInput<Float>, [Int])]
    let valid: [(ModelInput<Float>, [Int])]
    /// The held-out test split, measured at every evaluation so that its value at the best validation step is
    /// known without keeping parameters; never used to choose anything.
    let test: [(ModelInput<Float>, [Int])]

    static let batchRows = 512
    /// At most this many windows per char-LM split: enough for a stable loss, cheap enough to evaluate often. The
    /// prior loss (``PriorLoss``) is measured on the same validation windows.
    static let maxWindows = 64

    init(data: RunData, configuration: RunConfiguration) {
        switch data {
        case .classification(let splits):
            let size = configuration.evalTrainSize > 0 ? configuration.evalTrainSize : splits.valid.count
            var random = SeededRandom(seed: RunData.splitSeed &+ 1)
            let subset = Array(random.permutation(count: splits.train.count).prefix(min(size, splits.train.count)))
            func batches(_ set: ClassificationDataset, _ indices: [Int]) -> [(ModelInput<Float>, [Int])] {
                stride(from: 0, to: indices.count, by: Self.batchRows).map { start in
                    let (features, labels) = set.rows(
                        Array(indices[start..<min(start + Self.batchRows, indices.count)]))
                    return (.features(features), labels)
                }
            }
            train = batches(splits.train, subset)
            valid = batches(splits.valid, Array(0..<splits.valid.count))
            test = batches(splits.test, Array(0..<splits.test.count))
        case .text(let splits, _):
            let length = configuration.context
            let perBatch = max(1, Self.batchRows / length)
            func batches(_ corpus: TextCorpus, maxWindows: Int) -> [(ModelInput<Float>, [Int])] {
                let windows = corpus.evaluationWindows(length: length, maxWindows: maxWindows)
                let count = windows.inputs.count / length
                return stride(from: 0, to: count, by: perBatch).map { first in
                    let range = (first * length)..<(min(first + perBatch, count) * length)
                    return (
                        .tokens(Array(windows.inputs[range]), sequenceLength: length), Array(windows.targets[range])
                    )
                }
            }
            valid = batches(splits.valid, maxWindows: Self.maxWindows)
            train = batches(splits.train, maxWindows: Self.maxWindows)
            test = batches(splits.test, maxWindows: Self.maxWindows)
        }
    }
}
