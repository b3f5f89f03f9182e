import Analysis
import ArgumentParser
import Foundation
import OutputFiles
import Recording
import Training

extension NormScope {
    /// `normscope demo`: the default sweep on the bundled digits.
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the default sweep: the digits MLP with five normalization variants, 2 seeds each.",
            discussion: """
                Trains a 2-hidden-layer MLP (256 units) on the bundled handwritten digits with layernorm, \
                layernorm-simple, detachnorm, adanorm and none (no normalization), seeds 0 and 1, long enough to \
                overfit, writes the trace, prints each run's final losses and overfitting gap and the tables of \
                `normscope analyze`, and writes the charts of `normscope report` next to the trace (.html). \
                Trains for about 40 s on 2 cores (release build).

                Both files are checked before training: a folder, a device, the report on the trace's own path, or \
                an existing file without --force is refused in one line, so a second run asks for --force (or \
                another --out) instead of replacing the first one's trace. The report is written aside and renamed \
                into place whole; through a symbolic link, the file it names is replaced and the link kept.
                """
        )

        @Option(name: .shortAndLong, help: ArgumentHelp("The trace to write.", valueName: "path"))
        var out: String = "normscope-demo.h5"

        @Option(
            help: ArgumentHelp("The HTML report to write (default: the trace's name with .html).", valueName: "path"))
        var report: String?

        @Flag(help: "Replace the trace and the report if they exist.")
        var force = false

        @Option(help: "Training steps per run.")
        var steps: Int = 2000

        @Flag(help: "No progress display.")
        var quiet = false

        @Option(
            parsing: .unconditional,
            help: "Runs trained at once, each on one core (default: the number of cores); the rows are the same for any N.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        /// The demo's sweep: what `normscope record` would run from this JSON.
        static func sweep(steps: Int) throws -> SweepConfiguration {
            var base = RunConfiguration()
            base.dataset = "digits"
            base.model = .mlp
            base.hidden = [256, 256]
            base.steps = steps
            base.batch = 64
            base.lr = 1e-3
            base.evalEvery = 50
            return SweepConfiguration(
                base: base, presets: [.layerNorm, .layerNormSimple, .detachNorm, .adaNorm, .none], seeds: [0, 1])
        }

        func validate() throws {
            guard jobs >= 1 else { throw OptionValueError("--jobs \(jobs): must be a positive whole number") }
        }

        /// The report's path: `--report`, or the trace's with .html for .h5.
        var reportPath: String { report ?? (out.hasSuffix(".h5") ? String(out.dropLast(3)) : out) + ".html" }

        /// One output checked; an earlier demo's file is most often why one exists, so the refusal also says how
        /// to keep it.
        static func output(
            _ path: String, option: String, force: Bool, inputs: [CommandInput] = [], example: String
        ) throws -> OutputFile {
            do {
                return try OutputFile(path, option: option, force: force, inputs: inputs, example: example)
            } catch {
                guard error.reason == .exists else { throw error }
                throw OptionValueError(
                    "\(option) \(path) exists; add --force to replace it, or choose another \(option).")
            }
        }

        func run() throws {
            // Both outputs are checked before a step is trained; the report must not land on the trace, which does
            // not exist yet, so the two are compared by their resolved paths.
            _ = try Self.output(out, option: "--out", force: force, example: "normscope-demo.h5")
            let page = try Self.output(
                reportPath, option: "--report", force: force, inputs: [CommandInput("the --out trace", out)],
                example: "normscope-demo.html")
            var options = SweepRecorder.Options(
                output: out, overwrite: force, flushEvery: 500, commandLine: CommandLine.arguments, shard: (0, 1))
            options.jobs = jobs
            let recorder = SweepRecorder(sweep: try Self.sweep(steps: steps), options: options)
            let status = try recorder.record(progress: ProgressDisplay(quiet: quiet))
            print(recorder.summaryTable)
            print("\nPer preset (normscope analyze \(out)):\n")
            let summary = try TraceSummary(paths: [out])
            print(summary.text(baseline: "layernorm"))
            try TraceReport(
                summary: summary, files: [out], baseline: "layernorm", toolVersion: TraceFormat.toolVersion
            ).write(to: page)
            print("\nTrace: \(out)\nReport: \(reportPath) (open it in a browser)")
            if status != 0 { throw ExitCode(status) }
        }
    }
}
