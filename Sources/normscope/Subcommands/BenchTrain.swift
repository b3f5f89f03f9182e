import ArgumentParser
import Benchmarks
import Foundation

extension NormScope.Bench {
    /// `normscope bench train`: the MLP's and the char-LM's training step, recording off and on, interleaved with
    /// PyTorch's step of the same model.
    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Training step time, recording off and on, interleaved with PyTorch's step of the same model.",
            discussion: """
                Two workloads: the MLP (4 × 512 with LayerNorm, input 512, batch 256, Adam) and the char-LM that \
                `normscope record --model char-lm --dataset devils-dictionary` trains with its defaults (2 pre-norm \
                blocks of width 64, 4 heads, ffn 128, LayerNorm, 64 sequences × 64 bytes, Adam). Each is timed \
                with recording off, with full recording (every norm layer's gradient statistics written through \
                the trace writer into an HDF5 file) and in PyTorch (analysis/bench_torch_mlp.py, \
                analysis/bench_torch_charlm.py, kept running as a worker), in rounds of 10 steps that take turns \
                after a warm-up, so that a noisy machine slows all three alike.

                Prints per workload the median and best step of each variant, NormScope / PyTorch of the medians \
                beside the target (MLP ≤ 1.0×, char-LM ≤ 0.8×), the recording overhead (target ≤ 5%), and how \
                much of the step its matrix products would take at this run's sgemm rate (one step's multiply-adds \
                counted, over a 512³ product shared among the step's tasks: the products' roofline); on top, the \
                CPU, the OpenBLAS kernels and the threads each side used. Without torch the PyTorch side is \
                skipped with one line saying how to install it. Run from the repository's root, so the scripts are \
                found; build with -c release for meaningful figures.
                """
        )

        /// The workloads `--model` chooses.
        enum Workloads: String, CaseIterable, ExpressibleByArgument {
            case mlp
            case charLM = "char-lm"
            case both
        }

        @Option(help: "The workload.")
        var model: Workloads = .both

        @Option(parsing: .unconditional, help: "Timed steps of each variant.")
        var steps: Int = 200

        @Option(parsing: .unconditional, help: "Untimed warm-up steps of each variant before the first round.")
        var warmup: Int = 10

        @Option(parsing: .unconditional, help: "PyTorch's threads (torch.set_num_threads); default: the cores.")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @OptionGroup var output: JSONOutput

        func validate() throws {
            for (option, value) in [("--steps", steps), ("--threads", threads)] where value < 1 {
                throw OptionValueError("\(option) \(value): must be a positive whole number")
            }
            guard warmup >= 0 else { throw OptionValueError("--warmup \(warmup): must be 0 or a positive whole number") }
            try output.check(inputs: [])
        }

        func run() throws {
            var workloads: [any TrainingWorkload] = []
            if model != .charLM { workloads.append(MLPWorkload()) }
            if model != .mlp { workloads.append(try CharLMWorkload()) }
            var configuration = TrainingBenchmark.Configuration()
            configuration.steps = steps
            configuration.roundSteps = min(10, steps)
            configuration.warmupSteps = warmup
            configuration.torchThreads = threads
            // A broken worker's Failure is one line ("Error: the PyTorch worker … exited with status 1 while …").
            let report = try TrainingBenchmark(configuration: configuration).run(workloads) {
                FileHandle.standardError.write(Data("\($0)…\n".utf8))
            }
            try output.publish(table: report.table, json: report.json())
        }
    }
}
