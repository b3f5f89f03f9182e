import Analysis
import ArgumentParser
import Foundation

extension NormScope {
    /// `normscope analyze`: per-preset overfitting statistics of one or more traces.
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Summarize traces: overfitting gaps, gradient parts, Theorem 1 checks and Φ(y), per group, mean ± sd (n).",
            discussion: """
                Reads one or more traces — shards of a sweep, or traces recorded apart: runs that differ in any \
                setting are different runs whatever their ids, and a run given twice (same preset, seed and \
                settings in two files) is named at the top and counted once; FILE:LABEL shows a file's runs as \
                LABEL:<run id> — and groups runs by preset and every setting that differs between them (--group-by to \
                choose), pooling seeds only. Per group: the best validation loss, the gap (validation minus \
                training loss, both in evaluation mode) at the best-validation step and averaged over the last 10% \
                of evaluations, and the best validation accuracy, as mean ± sample sd with n; diverged and \
                unfinished runs are counted and noted. Each group against the baseline preset at the same settings: \
                Δ with a seeded bootstrap 95% interval, Welch's p, Hedges' g and a verdict by one rule \
                (analysis/METHODS.md, "Comparing groups"; no test where neither side varies). Then, per norm layer \
                early (first 10% of steps) and late (last 10%): re-centering (recenter_ratio), re-scaling \
                (rescale_ratio), each part's share and cos(t, d); the identities of Theorem 1 checked at every \
                recorded step; AdaNorm's Φ(y) (mean = C, sd, quantiles, share ≤ 0). Every value is checked against \
                what it can be: objects with values that cannot be right are listed as damaged and those values left \
                out; objects that cannot be read are listed as missing; the rest is still summarized. --format json \
                is documented in analysis/ANALYZE_JSON.md.
                """
        )

        @Argument(
            help: ArgumentHelp(
                "Trace files; FILE:LABEL names the file's runs LABEL:<run id> (a path that exists is taken whole, "
                    + "':' and all).",
                valueName: "file"))
        var files: [String]

        /// How `--format` prints the summary.
        enum Format: String, CaseIterable, ExpressibleByArgument, CustomStringConvertible {
            case table, markdown, json
            /// One row per run.
            case csv

            var description: String { rawValue }
        }

        @Option(help: "How to print the summary (csv: one row per run).")
        var format: Format = .table

        @OptionGroup var grouping: GroupingOptions

        func run() throws {
            let summary = try TraceSummary(paths: files, groupBy: grouping.keys)
            let reference = try resolveBaseline(grouping.baseline, in: summary)
            switch format {
            case .json:
                FileHandle.standardOutput.write(try summary.json(baseline: reference) + Data("\n".utf8))
            case .markdown:
                print(summary.markdown(baseline: reference))
            case .csv:
                print(summary.csv)
                // The runs given twice, the notes and damage go to standard error, so the CSV on standard output
                // stays a table.
                for line in summary.leader + summary.trailer {
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            case .table:
                print(summary.text(baseline: reference))
            }
        }
    }
}
