import Foundation
import Tensors

/// A run's data, loaded, split and (for features) standardized on the training part.
///
/// Package access: `bench train` trains the char-LM on the data `normscope record` loads.
package enum RunData {
    case classification(DataSplits<ClassificationDataset>)
    case text(DataSplits<TextCorpus>, vocabularySize: Int)

    /// The split seed is fixed rather than the run's, so every run of a sweep sees the same split and gaps are
    /// comparable across seeds; the run's seed drives initialization, dropout and minibatch order.
    static let splitSeed: UInt64 = 20_191_107

    /// What decides a run's data: runs that agree on it share one loaded copy.
    static func key(_ c: RunConfiguration) -> String {
        [
            c.model.readsText ? "text" : "features", c.dataset, c.labels ?? "", "\(c.labelColumn)",
            c.header.map { "\($0)" } ?? "detect", "\(c.validFraction)", "\(c.testFraction)",
            c.model.readsText ? "\(c.context)" : "",
        ].joined(separator: "|")
    }

    /// Loads the run's data.
    ///
    /// - Parameters:
    ///   - c: The run's settings.
    ///   - warn: Receives what looks wrong in the data without stopping the run, once per loaded dataset before
    ///     training starts; by default printed on standard error, since the recorder's callers never see the data.
    package static func load(_ c: RunConfiguration, warn: (DataWarning) -> Void = printOnStandardError) throws
        -> RunData
    {
        if c.model.readsText {
            // The default dataset is the digits table, which the language model cannot read: say so, rather than
            // look for a text file called "digits".
            if c.dataset == "digits" {
                throw ConfigurationError(
                    key: "dataset",
                    message: "digits is a table of features; model char-lm trains on text: "
                        + "add --dataset devils-dictionary (bundled) or --dataset PATH to a text file")
            }
            let isBundled = c.dataset == BundledDataset.devilsDictionary.rawValue
            let corpus: TextCorpus =
                isBundled ? try BundledDataset.devilsDictionary() : try TextLoader.load(path: c.dataset)
            let splits = try corpus.splitForWindows(
                context: c.context, validFraction: c.validFraction, testFraction: c.testFraction,
                filePath: isBundled ? BundledDataset.devilsDictionary.resourceFileName : c.dataset)
            return .text(splits, vocabularySize: corpus.vocabulary.count)
        }
        let dataset: ClassificationDataset
        var warnings: [DataWarning] = []
        switch c.dataset {
        case "digits":
            dataset = try BundledDataset.digits()
        case "devils-dictionary":
            throw ConfigurationError(
                key: "dataset", message: "devils-dictionary is a text corpus; use it with model char-lm")
        case let path where c.labels != nil:
            dataset = try IDXLoader.load(imagesPath: path, labelsPath: c.labels!)
        case let path:
            let loaded = try CSVLoader.read(
                path: path, options: CSVOptions(labelColumn: c.labelColumn, hasHeader: c.header))
            warnings = loaded.warnings
            dataset = loaded.dataset
        }
        let splits = try dataset.checkedSplit(
            validFraction: c.validFraction, testFraction: c.testFraction, seed: splitSeed,
            filePath: c.dataset == "digits" ? BundledDataset.digits.resourceFileName : c.dataset)
        // Only data that will be trained on is worth a warning; a failure is one line without them.
        warnings.forEach(warn)
        let standardization = FeatureStandardization(fitting: splits.train)
        return .classification(
            DataSplits(
                train: standardization.apply(to: splits.train), valid: standardization.apply(to: splits.valid),
                test: standardization.apply(to: splits.test)))
    }

    /// The default of ``load(_:warn:)``: the warning as one line on standard error.
    static func printOnStandardError(_ warning: DataWarning) {
        FileHandle.standardError.write(Data("\(warning)\n".utf8))
    }
}
