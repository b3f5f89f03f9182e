import Analysis
import ArgumentParser
import Foundation

extension NormScope {
    /// `normscope analyze`: per-preset overfitting statistics of one or more traces.
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Summarize traces: per preset, best validation loss and the overfitting gap, mean ± sd (n).",
            discussion: """
                Reads one or more traces (shards of a sweep are merged by run; a run found twice is reported and \\
                kept once) and prints, per preset over its seeds: the best validation loss, the gap (validation \\
                minus training loss, both in evaluation mode) at the best-validation step and averaged over the last \\
                10% of evaluations, and the best validation accuracy, as mean ± sample sd with n. Diverged and \\
                unfinished runs are marked. The gradient-part and Φ(y) statistics are the next part of this command.
                """
        )

        @Argument(help: ArgumentHelp("Trace files.", valueName: "file"))
        var files: [String]

        @Option(help: "table (default), markdown, json or csv (one row per run).")
        var format: String = "table"

        @Option(help: "The preset the others are compared with (Welch's t-test over seeds); layernorm when present.")
        var baseline: String?

        func validate() throws {
            guard ["table", "markdown", "json", "csv"].contains(format) else {
                throw ValidationError("--format \(format): expected table, markdown, json or csv")
            }
        }

        func run() throws {
            let summary = try TraceSummary(paths: files)
            let presets = summary.presets.map(\.preset)
            let reference = baseline ?? (presets.contains("layernorm") ? "layernorm" : presets.first)
            if let baseline, !presets.contains(baseline) {
                throw ValidationError(
                    "--baseline \(baseline): no such preset in the traces; found \(presets.joined(separator: ", "))")
            }
            switch format {
            case "json":
                FileHandle.standardOutput.write(try summary.json(baseline: reference) + Data("\n".utf8))
            case "markdown":
                print(summary.markdown(baseline: reference))
            case "csv":
                print(summary.csv)
            default:
                print(summary.text(baseline: reference))
            }
        }
    }
}
