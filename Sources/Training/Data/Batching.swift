import Tensors

/// Deterministic minibatches of example indices: epoch after epoch, each a fresh seeded shuffle of `0..<count`,
/// handed out in consecutive slices.
///
/// Every index appears exactly once per epoch. A batch never spans two epochs: the last one of an epoch holds what
/// is left (`count mod batchSize` examples when that is not 0), and the next call starts the next epoch's shuffle.
/// Each epoch's order is ``SeededRandom/permutation(count:)`` drawn from one `SeededRandom(seed: seed)` stream, so
/// the whole sequence of batches is fixed by `count` and `seed` (and the batch sizes asked for).
///
/// ```swift
/// var sampler = MinibatchSampler(count: train.count, seed: 7)
/// let batch = train.rows(sampler.next(batchSize: 32))
/// ```
public struct MinibatchSampler: Sendable {
    /// The number of examples, `N`.
    public let count: Int
    /// The seed the shuffles come from.
    public let seed: UInt64
    /// How many epochs have been handed out in full.
    public private(set) var completedEpochs: Int
    /// How many indices of the current epoch have been handed out.
    public private(set) var positionInEpoch: Int

    private var random: SeededRandom
    private var order: [Int]

    /// A sampler over `0..<count` whose batches are fixed by `seed`.
    ///
    /// - Parameters:
    ///   - count: The number of examples, at least 1.
    ///   - seed: Any 64-bit value; equal seeds give equal batches.
    public init(count: Int, seed: UInt64) {
        precondition(count > 0, "MinibatchSampler expects at least one example, got \(count)")
        self.count = count
        self.seed = seed
        completedEpochs = 0
        positionInEpoch = 0
        random = SeededRandom(seed: seed)
        order = random.permutation(count: count)
    }

    /// The next `batchSize` indices of the current epoch, or fewer when the epoch has fewer left.
    ///
    /// - Parameter batchSize: At least 1.
    public mutating func next(batchSize: Int) -> [Int] {
        precondition(batchSize > 0, "MinibatchSampler expects a positive batch size, got \(batchSize)")
        let end = min(positionInEpoch + batchSize, count)
        let batch = Array(order[positionInEpoch..<end])
        positionInEpoch = end
        if positionInEpoch == count {
            completedEpochs += 1
            positionInEpoch = 0
            order = random.permutation(count: count)
        }
        return batch
    }

    /// The number of batches in one epoch: `⌈N / batchSize⌉`.
    ///
    /// - Parameter batchSize: At least 1.
    public func batchesPerEpoch(batchSize: Int) -> Int {
        precondition(batchSize > 0, "MinibatchSampler expects a positive batch size, got \(batchSize)")
        return (count + batchSize - 1) / batchSize
    }
}

// MARK: - Gathering examples

extension ClassificationDataset {
    /// The features and labels of the examples at `indices`, in that order: a minibatch.
    ///
    /// - Parameter indices: Example indices in `0..<count`; repeats are allowed.
    /// - Returns: `indices.count × featureCount` features and one label per index.
    public func rows(_ indices: [Int]) -> (features: Matrix<Float>, labels: [Int]) {
        let d = featureCount
        var scalars = [Float]()
        scalars.reserveCapacity(indices.count * d)
        var batchLabels = [Int]()
        batchLabels.reserveCapacity(indices.count)
        for i in indices {
            precondition((0..<count).contains(i), "ClassificationDataset row \(i) is outside 0..<\(count)")
            scalars.append(contentsOf: features.row(i))
            batchLabels.append(labels[i])
        }
        return (Matrix(rows: indices.count, columns: d, scalars: scalars), batchLabels)
    }
}

// MARK: - Text windows

extension TextCorpus {
    /// `count` windows at random positions, for next-token training.
    ///
    /// Concretely, for each window a start `s` uniform in `0...(tokens.count − length − 1)` is drawn from `random`,
    /// and the window's `length + 1` tokens give
    ///
    /// ```
    /// inputs  = tokens[s ..< s + length]
    /// targets = tokens[s + 1 ..< s + length + 1]      (target t is the token after input t)
    /// ```
    ///
    /// The windows are laid end to end: window `w` occupies `[w · length, (w + 1) · length)` of both arrays.
    ///
    /// - Parameters:
    ///   - count: The number of windows, at least 0.
    ///   - length: The tokens per window, at least 1, and less than the corpus's token count.
    ///   - random: The generator the starts come from.
    /// - Returns: `count · length` inputs and as many targets.
    public func sampleWindows(count: Int, length: Int, using random: inout SeededRandom) -> (
        inputs: [Int], targets: [Int]
    ) {
        precondition(count >= 0, "TextCorpus.sampleWindows expects a non-negative count, got \(count)")
        precondition(
            length >= 1 && length < tokens.count,
            "TextCorpus.sampleWindows expects a length in 1..<\(tokens.count) (the corpus's tokens), got \(length)")
        var inputs = [Int]()
        var targets = [Int]()
        inputs.reserveCapacity(count * length)
        targets.reserveCapacity(count * length)
        for _ in 0..<count {
            let start = random.index(below: tokens.count - length)
            inputs.append(contentsOf: tokens[start..<(start + length)])
            targets.append(contentsOf: tokens[(start + 1)..<(start + length + 1)])
        }
        return (inputs, targets)
    }

    /// Non-overlapping windows tiling the corpus from its start, for an evaluation loss that is the same on every
    /// call and counts each predicted token once.
    ///
    /// Window `w` has inputs `tokens[w · length ..< (w + 1) · length]` and targets shifted by one. There are
    /// `min(maxWindows, ⌊(tokens.count − 1) / length⌋)` windows (the last target needs one token past the last
    /// input), so a tail shorter than a window is left out; a corpus of `length` tokens or fewer gives none.
    ///
    /// - Parameters:
    ///   - length: The tokens per window, at least 1.
    ///   - maxWindows: The most windows to return, at least 0; defaults to all that fit.
    /// - Returns: The windows' inputs and targets laid end to end, `length` tokens per window.
    public func evaluationWindows(length: Int, maxWindows: Int = .max) -> (inputs: [Int], targets: [Int]) {
        precondition(length >= 1, "TextCorpus.evaluationWindows expects a positive length, got \(length)")
        precondition(maxWindows >= 0, "TextCorpus.evaluationWindows expects maxWindows ≥ 0, got \(maxWindows)")
        let windowCount = min(maxWindows, max(0, tokens.count - 1) / length)
        guard windowCount > 0 else { return ([], []) }
        let covered = windowCount * length
        return (Array(tokens[0..<covered]), Array(tokens[1..<(covered + 1)]))
    }
}
