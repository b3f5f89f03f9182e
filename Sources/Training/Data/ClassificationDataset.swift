import Tensors

/// Labelled examples for a classifier: one row of features per example.
public struct ClassificationDataset: Sendable, Equatable {
    /// A short name for traces and messages, such as `digits` or a file's name.
    public var name: String
    /// examples × features.
    public var features: Matrix<Float>
    /// One class index in `0..<classCount` per example.
    public var labels: [Int]
    /// The number of classes.
    public var classCount: Int

    /// A dataset; `labels` must have one entry per row of `features`, each in `0..<classCount`.
    public init(name: String, features: Matrix<Float>, labels: [Int], classCount: Int) {
        precondition(
            labels.count == features.rows,
            "ClassificationDataset expects one label per example, got \(labels.count) for \(features.rows)")
        precondition(
            labels.allSatisfy { (0..<classCount).contains($0) },
            "ClassificationDataset expects labels in 0..<\(classCount)")
        self.name = name
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }

    /// The number of examples.
    public var count: Int { labels.count }
    /// The number of features per example.
    public var featureCount: Int { features.columns }
}

/// A character-level text corpus: the text as indices into a vocabulary of bytes.
public struct TextCorpus: Sendable, Equatable {
    /// A short name, such as `devils-dictionary`.
    public var name: String
    /// The text, one vocabulary index per byte.
    public var tokens: [Int]
    /// The distinct bytes of the text, sorted; token `i` stands for `vocabulary[i]`.
    public var vocabulary: [UInt8]

    /// A corpus.
    public init(name: String, tokens: [Int], vocabulary: [UInt8]) {
        self.name = name
        self.tokens = tokens
        self.vocabulary = vocabulary
    }
}

/// Training, validation and test parts of a dataset.
public struct DataSplits<Part: Sendable>: Sendable {
    /// What the model is fitted on.
    public var train: Part
    /// What model selection and the overfitting gap use.
    public var valid: Part
    /// Held out.
    public var test: Part

    /// Three parts.
    public init(train: Part, valid: Part, test: Part) {
        self.train = train
        self.valid = valid
        self.test = test
    }
}
