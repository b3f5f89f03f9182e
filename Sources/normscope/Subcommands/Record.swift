import ArgumentParser
import Foundation
import OutputFiles
import Recording
import Training

extension NormScope {
    /// `normscope record`: train a sweep and write its gradient trace.
    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a sweep of normalization variants and record their gradient traces into HDF5.",
            discussion: """
                Every run (preset × seed × grid point) trains the model and records, per step, the loss, the \
                learning rate and the gradient norm; per normalization layer, the statistics of its input \
                gradient's direct, re-centering and re-scaling parts and, for AdaNorm, Φ(y)'s distribution; and \
                every --eval-every steps the training-subset and validation loss and accuracy (the overfitting \
                gap). With no flags it records the digits MLP with layernorm, seed 0.

                A sweep file (--config) holds any run key plus "presets", "seeds" and "grid", e.g.
                  {"steps": 2000, "presets": ["layernorm", "adanorm"], "seeds": 3, "grid": {"lr": [0.001, 0.0003]}}
                Flags override the file's values. Ctrl-C (SIGINT) or SIGTERM, once or many times, finishes the \
                step, marks the run interrupted, closes the trace and exits 130/143; the file written so far stays \
                readable, also after kill -9 (up to the last flush).

                --out is never a folder, a device or one of the files the sweep reads; an existing file is replaced \
                only with --force (by a new trace renamed over it, never truncated); through a symbolic link the \
                file it names is written. One recorder per file: another one writing it, under this name or through \
                a link, is refused.
                """
        )

        @OptionGroup var settings: RunOptions

        @Option(name: .customLong("config"), help: ArgumentHelp("A sweep file (JSON).", valueName: "sweep.json"))
        var configFile: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("The trace to write.", valueName: "path"))
        var out: String = "normscope-trace.h5"

        @Option(help: ArgumentHelp("Run only slice i of n of the sweep (0-based), e.g. 0/4.", valueName: "i/n"))
        var shard: String?

        @Flag(help: "Replace --out if it exists (a new trace is renamed over it once it holds its first flush).")
        var force = false

        @Flag(
            help: """
                Continue the same sweep in --out: keep its finished runs, record the unfinished ones again from \
                their start (created if missing).
                """)
        var resume = false

        @Option(name: .customLong("flush-every"), parsing: .unconditional, help: "Make the trace durable every N steps (also every 10 s).")
        var flushEvery: Int = 200

        @Flag(help: "No progress display.")
        var quiet = false

        @Option(
            parsing: .unconditional,
            help: "Runs trained at once, each on one core (default: the number of cores); the rows are the same for any N.")
        var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

        @Flag(help: "Let readers follow the trace while it is written (HDF5 SWMR: open with h5py's swmr=True).")
        var live = false

        @Flag(
            help: """
                Leave the closed trace as its flushes left it, with the dead copies of rewritten chunks (by \
                default it is rewritten without them, to about its data's size).
                """)
        var noCompact = false

        func validate() throws {
            if let shard { _ = try parseShard(shard) }
            guard jobs >= 1 else { throw OptionValueError("--jobs \(jobs): must be a positive whole number") }
            if resume && force { throw OptionValueError("--resume and --force: choose one (keep the trace, or replace it)") }
            if resume && live { throw OptionValueError("--resume and --live: a live trace cannot be resumed") }
            guard flushEvery > 0 else { throw OptionValueError("--flush-every \(flushEvery): must be a positive whole number") }
        }

        func run() throws {
            // For the command's whole life, never uninstalled: the recorder's own installation nests inside this
            // one, so a signal arriving after it stopped and returned is absorbed too, and the process still ends
            // with the stop's status (130/143) instead of being killed by the late signal.
            TerminationSignals.install()
            let sweep = try settings.sweep(file: configFile)
            var (index, count) = (0, 1)
            if let shard { (index, count) = try parseShard(shard) }
            var options = SweepRecorder.Options(
                output: out, overwrite: force, flushEvery: flushEvery, commandLine: CommandLine.arguments,
                shard: (index, count))
            options.live = live
            options.compact = !noCompact
            options.resume = resume
            options.jobs = jobs
            options.inputs = configFile.map { [CommandInput("the --config file", $0)] } ?? []
            let status = try SweepRecorder(sweep: sweep, options: options).record(
                progress: ProgressDisplay(quiet: quiet))
            if status != 0 { throw ExitCode(status) }
        }
    }
}

/// Parses `i/n`.
func parseShard(_ text: String) throws -> (Int, Int) {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(i) else {
        throw OptionValueError("--shard expects i/n with 0 ≤ i < n (e.g. 0/4), got '\(text)'")
    }
    return (i, n)
}
