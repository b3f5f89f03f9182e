import ArgumentParser
import Benchmarks
import Foundation

extension NormScope.Bench {
    /// `normscope bench write`: the trace writer with HDF5's filters against chunks compressed on every core.
    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trace writing time with HDF5's filters against parallel chunk compression, interleaved.",
            discussion: """
                Writes the synthetic trace of `bench analyze` (at least --size-gb) with the real trace writer, \
                --rounds times with each way of compressing chunks, alternating: HDF5's shuffle and deflate inside \
                H5Dwrite on the writer thread (what NormScope did before), and whole chunks shuffled and deflated \
                on --tasks cores and stored with H5Dwrite_chunk (the default). Prints each path's median and best \
                seconds, each file's size against its datasets' stored bytes, the speedup of the medians beside \
                its target (≥ 3×), and whether both files hold the same rows. Build with -c release for meaningful \
                figures.
                """
        )

        @Option(name: .customLong("size-gb"), help: "The least size of the trace, in GB (10⁹ bytes).")
        var sizeGB: Double = 1.0

        @Option(parsing: .unconditional, help: "Rounds; each writes the trace once with each path.")
        var rounds: Int = 3

        @Option(parsing: .unconditional, help: "Tasks that compress chunks in the parallel path (default: the cores).")
        var tasks: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: ArgumentHelp("Write the traces in this directory (default: the temporary one).", valueName: "dir"))
        var directory: String?

        func validate() throws {
            guard sizeGB > 0, sizeGB <= 1000 else {
                throw OptionValueError("--size-gb \(sizeGB): expected 0 < size ≤ 1000")
            }
            for (option, value) in [("--rounds", rounds), ("--tasks", tasks)] where value < 1 {
                throw OptionValueError("\(option) \(value): must be a positive whole number")
            }
        }

        func run() throws {
            let benchmark = WriteBenchmark(
                configuration: .init(
                    traceBytes: Int64(sizeGB * 1e9), rounds: rounds, tasks: tasks, directory: directory))
            let report = try benchmark.run(progress: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
            print(report.table)
            if !report.identical { throw ExitCode.failure }
        }
    }
}
