/// What ``CSVLoader/read(path:options:)`` gives: the dataset, what its classes were called in the file, and what
/// looked wrong without being an error.
public struct LoadedCSV: Sendable, Equatable {
    /// The examples.
    public var dataset: ClassificationDataset
    /// `classNames[k]` is the label that became class `k` (integral numbers printed without a fraction).
    public var classNames: [String]
    /// Doubtful labels: classes of a single example, a label column that mixes numbers and words.
    public var warnings: [DataWarning]

    public init(dataset: ClassificationDataset, classNames: [String], warnings: [DataWarning]) {
        self.dataset = dataset
        self.classNames = classNames
        self.warnings = warnings
    }
}
