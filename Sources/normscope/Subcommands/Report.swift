import Analysis
import ArgumentParser
import OutputFiles
import Recording

extension NormScope {
    /// `normscope report`: the analysis as one self-contained HTML page with charts.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the analysis of traces as one self-contained HTML page with SVG charts.",
            discussion: """
                The page holds every table of `normscope analyze` and, as inline SVG (no script, no network): \
                training and validation loss per group (a preset at one setting of the varying settings, mean over seeds), the overfitting gap over steps, \
                rescale_ratio per layer, the norms of the total gradient and its direct, re-centering and \
                re-scaling parts per preset and layer, and AdaNorm's Φ(y) over training (mean and quantiles, \
                share ≤ 0, histograms as heat maps). Open it in any browser. Unfinished runs, damaged objects (their values left out) and objects that could not be read are listed at the top; the rest is complete.

                The page is written beside --out under a hidden temporary name and renamed into place whole, so an \
                error or Ctrl-C leaves the old file or none. --out is checked before any trace is read: a folder, a \
                device, one of the traces (by any spelling or link) or an existing file without --force is refused in \
                one line; through a symbolic link, the file it names is replaced and the link kept.
                """
        )

        @Argument(help: ArgumentHelp("Trace files (shards are merged by run).", valueName: "file"))
        var files: [String]

        @Option(
            name: [.customShort("o"), .customLong("out")],
            help: ArgumentHelp("The HTML file to write (default: report.html).", valueName: "path"))
        var out: String?

        /// `--output`, the name `--out` had before it was named as in `record` and `demo`.
        @Option(name: .customLong("output"), help: .hidden)
        var output: String?

        @Flag(help: "Replace the --out file if it exists.")
        var force = false

        @OptionGroup var grouping: GroupingOptions

        @Option(help: ArgumentHelp("Points per chart line (each a mean over its steps).", valueName: "n"))
        var points: Int = 240

        func validate() throws {
            guard (8...4096).contains(points) else { throw OptionValueError("--points \(points): expected 8…4096") }
        }

        func run() throws {
            let path = try RenamedOption.value(("--out", out), formerly: ("--output", output)) ?? "report.html"
            // Checked before a trace is read, and again when the page is written.
            let page = try OutputFile(
                path, option: "--out", force: force,
                // A labelled argument (`A.h5:sweep`) reads the file A.h5, which must not be written over either.
                inputs: files.map { CommandInput("one of the traces", TraceInput(argument: $0).path) },
                example: "report.html")
            let summary = try TraceSummary(paths: files, groupBy: grouping.keys, bins: points)
            let report = TraceReport(
                summary: summary, files: files, baseline: try resolveBaseline(grouping.baseline, in: summary),
                toolVersion: TraceFormat.toolVersion)
            try report.write(to: page)
            print(
                "Wrote \(path): \(summary.runs.count) runs, \(summary.groups.count) groups"
                    + (summary.damaged.isEmpty ? "" : "; \(summary.damaged.count) damaged objects, listed at its top")
                    + (summary.missing.isEmpty ? "" : "; \(summary.missing.count) objects missing, listed at its top"))
        }
    }
}
