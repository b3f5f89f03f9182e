import Foundation
import HDF5
import Recording
import TestSupport
import Tensors
import Testing

@testable import Benchmarks

// Figures are never judged here (the machine is shared; `normscope bench train` measures): these tests check that
// each workload steps, that the recording variant writes what `record` writes, and that the rounds reach the worker.
@Suite("Training benchmark")
struct TrainingBenchmarkTests {
    /// Small shapes, so a debug build takes a few steps of each in seconds; the char-LM still comes from record's
    /// path (its defaults, the bundled text) with a smaller batch, context and width.
    private static func workloads() throws -> [any TrainingWorkload] {
        [
            MLPWorkload(width: 16, depth: 2, batch: 8),
            try CharLMWorkload(overrides: ["batch": 2, "context": 8, "width": 16, "heads": 2, "ffn": 32]),
        ]
    }

    private static func configuration(
        _ directory: TemporaryDirectory, worker: String
    ) throws -> TrainingBenchmark.Configuration {
        var configuration = TrainingBenchmark.Configuration()
        configuration.steps = 5
        configuration.roundSteps = 2
        configuration.warmupSteps = 1
        configuration.torchThreads = 3
        configuration.python = ["/bin/sh"]
        configuration.repository = try FakeTorchWorker.repository(worker, in: directory)
        configuration.scratchDirectory = directory.path
        configuration.keepsTraces = true
        configuration.workerTimeout = .seconds(30)
        return configuration
    }

    @Test("both workloads step in every variant, in rounds, beside the worker, and their entries are sane")
    func bothWorkloads() throws {
        let directory = TemporaryDirectory()
        let configuration = try Self.configuration(directory, worker: FakeTorchWorker.wellBehaved)
        var phases: [String] = []
        let report = try TrainingBenchmark(configuration: configuration).run(try Self.workloads()) {
            phases.append($0)
        }
        #expect(report.rounds == 3 && report.pytorchSkipped == nil && report.torchVersion == "fake")
        #expect(report.threads.pytorchRequested == 3 && report.threads.pytorchReported == 1)
        #expect(phases.filter { $0.hasPrefix("char-lm: round") }.count == 3)
        #expect(report.workloads.map(\.name) == ["mlp", "char-lm"])
        for workload in report.workloads {
            for timing in [workload.recordingOff, workload.fullRecording] {
                #expect(timing.milliseconds.count == 5, "\(workload.name)")
                #expect(timing.milliseconds.allSatisfy { $0.isFinite && $0 > 0 }, "\(workload.name)")
                #expect(timing.bestMilliseconds <= timing.medianMilliseconds)
            }
            let pytorch = try #require(workload.pytorch)
            #expect(pytorch.milliseconds == Array(repeating: 1.5, count: 5))
            #expect(workload.ratio == workload.recordingOff.medianMilliseconds / 1.5)
            #expect(workload.recordingOverhead.isFinite)
            #expect(workload.productMultiplyAdds > 0 && workload.productShare.isFinite, "\(workload.name)")
        }
        #expect(report.productRoofline > 0 && report.blasCore == BLAS.coreName)
        // The worker was started with --serve, the threads asked for and the workload's shapes.
        let mlpArguments = try #require(report.workloads[0].pytorchModel)
        #expect(mlpArguments.hasSuffix("--serve --threads 3 --width 16 --layers 2 --batch 8"), "\(mlpArguments)")
        let charArguments = try #require(report.workloads[1].pytorchModel)
        #expect(charArguments.contains("--vocab 85 --context 8 --width 16 --heads 2 --layers 2 --ffn 32 --batch 2"))
        #expect(charArguments.contains("--placement pre"))
        let table = report.table
        #expect(table.contains("(target ≤ 1.0×)") && table.contains("(target ≤ 0.8×)"))
        #expect(table.contains("(target ≤ 5%)") && table.contains("RowParallel.defaultTaskCount"))
        #expect(table.contains("CPU: \(CPUIdentity.current); OpenBLAS kernels \(BLAS.coreName)"))
        let decoded = try JSONDecoder().decode(TrainingBenchmarkReport.self, from: report.json())
        #expect(decoded == report)
    }

    @Test("the recording variant wrote every step's rows, one per norm layer, as record writes them")
    func recordingWritesRows() throws {
        let directory = TemporaryDirectory()
        let configuration = try Self.configuration(directory, worker: FakeTorchWorker.wellBehaved)
        let report = try TrainingBenchmark(configuration: configuration).run(try Self.workloads())
        let expectations = [
            ("bench-mlp", ["hidden1.norm", "hidden2.norm"]),
            (
                "layernorm-s0",
                ["block1.attn_norm", "block1.ffn_norm", "block2.attn_norm", "block2.ffn_norm", "final_norm"]
            ),
        ]
        for (workload, (run, layers)) in zip(report.workloads, expectations) {
            #expect(workload.recordedSteps == 6)  // 1 warm-up step and 5 timed
            let path = try #require(workload.tracePath)
            let file = try File.open(path)
            defer { try? file.close() }
            let steps = try file.openDataset("runs/\(run)/steps").read(as: StepRow.self)
            #expect(steps.map(\.step) == Array(0..<6))
            #expect(steps.allSatisfy { $0.loss.isFinite && $0.loss > 0 && $0.gradientNorm > 0 })
            for layer in layers {
                let rows = try file.openDataset("runs/\(run)/norms/\(layer)/grad").read(as: NormStepRow.self)
                #expect(rows.count == 6, "\(run) \(layer)")
                #expect(rows.allSatisfy { $0.totalNorm > 0 && $0.rescaleRatio.isFinite }, "\(run) \(layer)")
            }
            #expect(try file.openGroup("runs/\(run)").attribute("status", as: String.self) == "completed")
        }
    }

    @Test("a busy machine is called out: a median far above the best step gets a note, a steady one none")
    func busyMachineNote() {
        func report(pytorch: [Double]) -> TrainingBenchmarkReport {
            var report = TrainingBenchmarkReport(
                steps: 5, roundSteps: 5, rounds: 1, warmupSteps: 0,
                threads: .init(rowParallelTasks: 2, blasThreads: 2, pytorchRequested: 2))
            report.torchVersion = "fake"
            report.workloads = [
                .init(
                    name: "mlp", title: "MLP", target: 1, recordingOff: .init(milliseconds: [10, 11, 10, 12, 10]),
                    fullRecording: .init(milliseconds: [10, 10, 11, 10, 10]), pytorch: .init(milliseconds: pytorch),
                    pytorchModel: nil, tracePath: nil, recordedSteps: 5, productMultiplyAdds: 2_500_000_000,
                    productRoofline: 1000)
            ]
            return report
        }
        let steady = report(pytorch: [5, 6, 5, 5, 7])
        #expect(steady.workloads[0].ratio == 2 && !steady.table.contains("note:"))
        // 5 GFLOP at 1000 GFLOP/s is 5 ms, half of the 10 ms median.
        #expect(steady.table.contains("5.00 GFLOP per step, 5.00 ms = 50% of the median step"), "\(steady.table)")
        let busy = report(pytorch: [40, 1100, 1140, 1130, 45]).table
        #expect(busy.contains("note: PyTorch's median step is 27.5× its best: the machine was busy"), "\(busy)")
    }

    @Test("a worker without torch: the PyTorch side is skipped with one line saying how to install it")
    func torchMissing() throws {
        let directory = TemporaryDirectory()
        let worker = #"echo '{"unavailable": "No module named '"'"'torch'"'"'"}'; exit 3"#
        let configuration = try Self.configuration(directory, worker: worker)
        let report = try TrainingBenchmark(configuration: configuration).run(try Self.workloads())
        let skipped = try #require(report.pytorchSkipped)
        #expect(skipped.contains("No module named 'torch'") && skipped.contains(#"pip install "torch==2.13.0+cpu""#))
        #expect(report.workloads.count == 2 && report.workloads.allSatisfy { $0.pytorch == nil && $0.ratio == nil })
        #expect(report.table.split(separator: "\n").filter { $0.contains("skipped") }.count == 1)
    }

    @Test("a worker that breaks mid-benchmark ends it with its one-line failure")
    func workerBreaks() throws {
        let directory = TemporaryDirectory()
        let configuration = try Self.configuration(
            directory, worker: FakeTorchWorker.readyThen("echo 'Segmentation fault' >&2; exit 139"))
        let error = #expect(throws: TorchWorker.Failure.self) {
            try TrainingBenchmark(configuration: configuration).run([MLPWorkload(width: 8, depth: 1, batch: 4)])
        }
        #expect(
            error?.message
                == "the PyTorch worker analysis/bench_torch_mlp.py exited with status 139 while answering 'run 1': Segmentation fault"
        )
    }
}
