import ArgumentParser
import Benchmarks
import Foundation

extension NormScope {
    /// `normscope bench`: throughput figures, each beside this machine's own reference.
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure NormScope's kernels on this machine.",
            discussion: """
                Each figure is printed beside a reference measured in the same run: matrix products beside a naive \
                loop, memory-bound kernels as a fraction of this machine's memory copy bandwidth.
                """,
            subcommands: [Tensors.self, Kernels.self, Norm.self, Train.self, Analyze.self, Write.self, Sweep.self]
        )
    }
}

extension NormScope.Bench {
    /// `normscope bench tensors`: copy bandwidth, sgemm against a naive loop, the row kernel serial and parallel.
    struct Tensors: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Matrix-product and row-kernel throughput against this machine's memory bandwidth.",
            discussion: """
                Measures memcpy bandwidth on 512 MiB buffers, OpenBLAS sgemm GFLOP/s at 512³ and 1024³ (and on one \
                thread), a naive triple loop at 256³, and row normalization of 16384 × 1024 Float32 values serial \
                and row-parallel, as GB/s and as a fraction of the copy bandwidth. Takes a few seconds; \
                --quick uses smaller sizes. Build with -c release for meaningful figures.
                """
        )

        @Flag(help: "Use smaller products and row counts (256³ and 512³, 8192 rows) and 3 repetitions.")
        var quick = false

        @OptionGroup var output: JSONOutput

        func validate() throws { try output.check(inputs: []) }

        func run() throws {
            // With --json -, standard output carries only the JSON, so the table goes to standard error.
            let toStandardError = { (text: String) in FileHandle.standardError.write(Data((text + "\n").utf8)) }
            let benchmark = TensorBenchmark(configuration: quick ? .quick : .standard)
            let report = benchmark.run { step in toStandardError("measuring \(step)…") }
            try output.publish(table: report.table, json: report.json())
        }
    }
}

extension NormScope.Bench {
    /// `normscope bench norm`: NormLayer forward + backward against the copy bandwidth, with and without statistics.
    struct Norm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Normalization forward + backward throughput, instrumented and not, against copy bandwidth.",
            discussion: """
                Times a training step (forward + backward on warm buffers) of layernorm and adanorm on [4096 × 512] \
                and [16384 × 1024] Float32 rows, with instrumentation off, with the per-step gradient statistics, \
                and (adanorm) with the Φ(y) histogram too. Prints GB/s counting 5·R·H·4 bytes per step, the \
                fraction of the memcpy bandwidth measured in the same run, and how much the statistics add to the \
                backward pass. Build with -c release for meaningful figures.
                """
        )

        @Flag(help: "Use smaller shapes ([1024 × 512] and [4096 × 1024]) and 3 repetitions.")
        var quick = false

        @OptionGroup var output: JSONOutput

        func validate() throws { try output.check(inputs: []) }

        func run() throws {
            let toStandardError = { (text: String) in FileHandle.standardError.write(Data((text + "\n").utf8)) }
            let report = NormBenchmark(configuration: quick ? .quick : .standard).run {
                toStandardError("measuring \($0)…")
            }
            try output.publish(table: report.table, json: report.json())
        }
    }
}
