import Analysis
import ArgumentParser
import Benchmarks
import Foundation
import OutputFiles
import Tensors

extension NormScope.Bench {
    /// `normscope bench analyze`: `normscope analyze` on a ≥ 1 GB trace beside an h5py + NumPy script.
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trace analysis throughput and peak memory, beside h5py + NumPy doing the same reductions.",
            discussion: """
                Writes a synthetic trace of at least --size-gb (8 runs: layernorm, layernorm-simple, detachnorm and \
                adanorm × 2 seeds; 4 norm layers of width 512; evaluations every 25 steps, Φ(y) every 10 for \
                AdaNorm) with the real trace writer, unless --trace names one to reuse. It reads the file once so \
                that every timed run finds it in the page cache, and measures the memcpy bandwidth for reference.

                Then it runs, alternately and 3 times each, `normscope analyze --format json TRACE` (this \
                executable: reads every table block by block, 4096 rows at a time, its chunks inflated on every \
                core) and \
                `python3 analysis/bench_analyze.py TRACE` (h5py reads every table whole, NumPy reduces it): the \
                same summaries per run and layer (evaluations, gradient-part windows, Theorem 1 counts, Φ(y) \
                windows and histograms, chart series). Each is a child process, timed on the wall clock, its own \
                peak resident memory read from wait4 (ru_maxrss).

                Prints per tool the best and median seconds, MB/s of file bytes, the peak RSS in MiB and the ratio \
                ours/theirs, the speed-up against the target of 4× the script's throughput, and whether the two \
                agree on every number (counts exactly, the rest within 1e-9 relative); exits with failure if they \
                do not. Needs python3 with h5py and NumPy, and the repository's analysis/ directory (run from its \
                root). Build with -c release for meaningful figures.
                """
        )

        @Option(name: .customLong("size-gb"), help: "The least size of the trace, in GB (10⁹ bytes).")
        var sizeGB: Double = 1.0

        @Option(
            help: ArgumentHelp(
                "Analyze this trace: reused if it is at least --size-gb, else a synthetic one is written there "
                    + "(and kept).", valueName: "path"))
        var trace: String?

        @Flag(help: "Keep the generated trace in the temporary directory (its path is printed).")
        var keep = false

        @OptionGroup var output: JSONOutput

        /// The trace read, which the figures must not be written over; it may not exist yet (then it is written).
        var traceInput: [CommandInput] { trace.map { [CommandInput("the --trace file", $0)] } ?? [] }

        func validate() throws {
            guard sizeGB > 0, sizeGB <= 1000 else {
                throw OptionValueError("--size-gb \(sizeGB): expected 0 < size ≤ 1000")
            }
            if let trace {
                let directory = URL(fileURLWithPath: trace).deletingLastPathComponent().path
                guard FileManager.default.fileExists(atPath: directory) else {
                    throw OptionValueError(
                        "--trace \(trace): the directory \(directory) does not exist; create it first.")
                }
            }
            try output.check(inputs: traceInput)
        }

        func run() throws {
            let benchmark = AnalysisBenchmark(
                configuration: .init(traceBytes: Int64(sizeGB * 1e9), tracePath: trace, keepTrace: keep))
            let report = try benchmark.run(
                copyBandwidth: {
                    TensorBenchmark(configuration: .quick).measureCopyBandwidth().map(\.rate).max() ?? .nan
                },
                progress: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            try output.publish(table: report.table, json: report.json(), inputs: traceInput)
            if !report.comparison.agrees { throw ExitCode.failure }
        }
    }
}
