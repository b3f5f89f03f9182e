import ArgumentParser
import Foundation
import Recording
import Training

/// The flags of `normscope record` that override a run setting; each has the default of ``RunConfiguration``.
struct RunOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The model: transformer is a classifier over feature vectors cut into tokens, char-lm a causal "
                + "character LM."))
    var model: ModelKind?

    @Option(
        help:
            "A bundled dataset (digits, devils-dictionary) or a file: .csv[.gz], an IDX images file (with --labels), or text for char-lm."
    )
    var dataset: String?

    @Option(help: "The IDX labels file, when --dataset is an IDX images file.")
    var labels: String?

    @Option(
        name: .customLong("label-column"), parsing: .unconditional,
        help: "The CSV column holding the label, counted from 1; negative counts from the end (default -1, the last).")
    var labelColumn: Int?

    @Flag(
        inversion: .prefixedNo,
        help: "Whether a CSV's first line is a header (names, or scikit-learn's counts line); detected by default.")
    var header: Bool?

    @Option(parsing: .unconditional, help: "Bytes of text per training window, for char-lm (default 64).")
    var context: Int?

    @Option(help: ArgumentHelp(PresetList.help, valueName: "presets"), transform: PresetList.init(parsing:))
    var presets: PresetList?

    @Option(parsing: .unconditional, help: "Seeds per preset: a count N (seeds 0..N-1).")
    var seeds: Int?

    @Option(parsing: .unconditional, help: "Training steps per run.")
    var steps: Int?

    @Option(parsing: .unconditional, help: "Minibatch size (examples, or sequences for char-lm).")
    var batch: Int?

    @Option(parsing: .unconditional, help: "Peak learning rate.")
    var lr: Double?

    @Option(
        name: .customLong("eval-every"), parsing: .unconditional,
        help: "Evaluate on the validation set and a training subset every N steps.")
    var evalEvery: Int?

    /// Each number is refused with its option and the range it must be in. The counts are parsed `.unconditional`
    /// so that `--steps -5` reaches this check instead of reading as an unknown flag `-5`.
    func validate() throws {
        for (option, value) in [("--seeds", seeds), ("--steps", steps), ("--batch", batch), ("--eval-every", evalEvery)] {
            if let value, value < 1 { throw OptionValueError("\(option) \(value): must be a positive whole number") }
        }
        if labelColumn == 0 {
            throw OptionValueError("--label-column 0: columns count from 1 (1 is the first column) and -1 is the last")
        }
        // The models need a context of two tokens at least (RunConfiguration.validate refuses less).
        if let context, context < 2 { throw OptionValueError("--context \(context): must be a whole number ≥ 2") }
        if let lr, !(lr.isFinite && lr > 0) {
            throw OptionValueError("--lr \(lr): must be a finite positive number, e.g. 0.001")
        }
    }

    /// The run keys these flags set, as JSON values.
    var overrides: [String: Any] {
        var values: [String: Any] = [:]
        if let model { values["model"] = model.rawValue }
        if let dataset { values["dataset"] = dataset }
        if let labels { values["labels"] = labels }
        if let labelColumn { values["label_column"] = labelColumn }
        if let header { values["header"] = header }
        if let context { values["context"] = context }
        if let steps { values["steps"] = steps }
        if let batch { values["batch"] = batch }
        if let lr { values["lr"] = lr }
        if let evalEvery { values["eval_every"] = evalEvery }
        return values
    }

    /// The sweep these flags describe on top of `file`'s (or the defaults).
    func sweep(file: String?) throws -> SweepConfiguration {
        var object: [String: Any] = [:]
        let name = file ?? "command line"
        if let file {
            let data = try SweepConfiguration.contents(ofFile: file)
            // Parse once strictly for the file's own errors, then merge the flags over it.
            _ = try SweepConfiguration.parse(data, file: file)
            object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        }
        for (key, value) in overrides { object[key] = value }
        if let presets { object["presets"] = presets.presets.map(\.rawValue) }
        if let seeds { object["seeds"] = seeds }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try SweepConfiguration.parse(data, file: name)
    }
}
