import Foundation

/// The datasets shipped inside NormScope as resources of the Training module, so that a demo run needs no
/// download. `Resources/DATASETS.md` gives their origin and license.
///
/// - ``digits``: the UCI optical recognition of handwritten digits (Alpaydin & Kaynak 1998), 1797 images of 8×8
///   pixel counts 0...16, ten classes.
/// - ``devilsDictionary``: Ambrose Bierce's "The Devil's Dictionary" (1911), 383,656 bytes of ASCII text, for
///   character-level language modelling.
///
/// The raw value is the name the CLI and traces use.
public enum BundledDataset: String, CaseIterable, Sendable {
    /// Handwritten digits, a ``ClassificationDataset``; load it with ``digits()``.
    case digits
    /// The Devil's Dictionary, a ``TextCorpus``; load it with ``devilsDictionary()``.
    case devilsDictionary = "devils-dictionary"

    /// The resource's name and extension inside the bundle, as `Bundle.url(forResource:withExtension:)` takes them.
    private var resource: (name: String, extension: String) {
        switch self {
        case .digits: ("digits.csv", "gz")
        case .devilsDictionary: ("devils-dictionary.txt", "gz")
        }
    }

    /// The resource's file name, which errors about it name.
    var resourceFileName: String { resource.name + "." + resource.extension }

    // MARK: - Loading

    /// The digits dataset: 1797 examples of 64 features (the 8×8 pixel counts, row by row, as the Floats 0...16)
    /// and labels 0...9, named `digits`.
    ///
    /// The features are not rescaled; fit a ``FeatureStandardization`` on the training part for that.
    ///
    /// - Throws: ``DataError`` when the resource is missing or damaged.
    public static func digits() throws -> ClassificationDataset {
        let file = BundledDataset.digits.resourceFileName
        let bytes = try BundledDataset.digits.resourceBytes()
        let dataset = try CSVLoader.parse(
            bytes, name: BundledDataset.digits.rawValue, filePath: file,
            options: CSVOptions(labelColumn: -1, hasHeader: false)
        ).dataset
        // Labels map to classes in sorted order, so ten classes means labels 0...9 kept as they are.
        guard dataset.classCount == 10, dataset.featureCount == 64 else {
            throw DataError(
                filePath: file,
                message: "expected 64 features and 10 classes, got \(dataset.featureCount) and \(dataset.classCount)")
        }
        return dataset
    }

    /// The Devil's Dictionary at the character level: one token per byte, the vocabulary the sorted distinct
    /// bytes, named `devils-dictionary`.
    ///
    /// - Throws: ``DataError`` when the resource is missing or damaged.
    public static func devilsDictionary() throws -> TextCorpus {
        let bytes = try BundledDataset.devilsDictionary.resourceBytes()
        return try TextLoader.corpus(
            bytes, name: BundledDataset.devilsDictionary.rawValue,
            filePath: BundledDataset.devilsDictionary.resourceFileName)
    }

    /// The resource's uncompressed bytes.
    private func resourceBytes() throws -> [UInt8] {
        // SwiftPM's generated `Bundle.module` itself traps when no `normscope_Training.resources` directory is found
        // at all; what we can report is a bundle that lacks the file.
        guard let url = Bundle.module.url(forResource: resource.name, withExtension: resource.extension) else {
            throw DataError(
                filePath: resourceFileName,
                message: "the Training module's resource bundle is missing this resource (looked in "
                    + "\(Bundle.module.bundlePath)); rebuild so that SwiftPM copies the resources")
        }
        return try DataFile.bytes(of: url, reportedAs: resourceFileName)
    }
}
