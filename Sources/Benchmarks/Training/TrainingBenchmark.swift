import Foundation
import Tensors

/// `normscope bench train`: a training step of each workload with recording off, with full recording, and in
/// PyTorch, interleaved in one run.
///
/// Concretely, for each workload:
///
/// ```
/// start     the two NormScope sides (same weights, same batch) and the PyTorch script as a worker (TorchWorker)
/// warm-up   warmupSteps steps of each variant, untimed
/// rounds    ⌈steps / roundSteps⌉ rounds; in each, roundSteps steps of every variant, one variant after another,
///           the order rotating from round to round: off, recording, PyTorch; recording, PyTorch, off; …
/// report    per variant the median and best step; NormScope / PyTorch and recording / off, both of medians;
///           one step's products (multiply-adds counted by ProductCounter) at the run's shared sgemm 512³ rate,
///           as a share of the median step
/// ```
///
/// The machine is shared and noisy, so the variants take turns in short rounds: a slow spell lands on all of
/// them rather than on whichever ran then, and the medians compare like with like. Each step is timed alone, on
/// NormScope's side around the step, on PyTorch's inside the worker (so the protocol's lines are not counted).
package struct TrainingBenchmark {
    package struct Configuration: Sendable {
        /// Timed steps of each variant.
        package var steps = 200
        /// Steps of each variant per round.
        package var roundSteps = 10
        /// Untimed steps of each variant before the first round.
        package var warmupSteps = 10
        /// PyTorch's intra-op threads (`torch.set_num_threads`).
        package var torchThreads = ProcessInfo.processInfo.activeProcessorCount
        /// The interpreter a script is run with, before the script's path; nil leaves PyTorch out.
        package var python: [String]? = ["/usr/bin/env", "python3"]
        /// The directory the workloads' scripts are relative to; nil finds the repository from the current
        /// directory or the executable.
        package var repository: String?
        /// Where the recording variant writes its traces.
        package var scratchDirectory = NSTemporaryDirectory()
        /// Keep the traces (their paths are in the report) instead of deleting them.
        package var keepsTraces = false
        /// The longest wait for any one line of a worker, its start included (torch's import takes seconds).
        package var workerTimeout: Duration = .seconds(600)

        package init() {}
    }

    package var configuration: Configuration

    package init(configuration: Configuration = Configuration()) {
        precondition(
            configuration.steps >= 1 && configuration.roundSteps >= 1 && configuration.warmupSteps >= 0,
            "TrainingBenchmark expects at least one step and one step per round")
        self.configuration = configuration
    }

    /// Measures every workload in turn.
    ///
    /// - Parameter progress: Called with a short line before each phase.
    /// - Throws: A ``TorchWorker/Failure`` when a worker breaks, or what building a workload or writing its trace
    ///   throws. A PyTorch that cannot run here (no torch, no script) is not an error: the report says why it was
    ///   skipped.
    package func run(
        _ workloads: [any TrainingWorkload], progress: (String) -> Void = { _ in }
    ) throws -> TrainingBenchmarkReport {
        let c = configuration
        let rounds = (c.steps + c.roundSteps - 1) / c.roundSteps
        var report = TrainingBenchmarkReport(
            steps: c.steps, roundSteps: c.roundSteps, rounds: rounds, warmupSteps: c.warmupSteps,
            threads: .init(
                rowParallelTasks: RowParallel.defaultTaskCount, blasThreads: BLAS.threadCount,
                pytorchRequested: c.torchThreads))
        if c.python == nil { report.pytorchSkipped = "PyTorch side left out" }
        progress("the products' roofline: sgemm 512³ shared among the step's tasks")
        // The rate a step's products could reach on this machine, in this run: a 512³ product shared as a step
        // shares its own, timed as `bench kernels` times the steps' products.
        let square = ModelProducts.Shape(name: "512³", m: 512, n: 512, k: 512, transposeA: false, transposeB: false)
        report.productRoofline = ModelProducts.measure([square], repetitions: 10).first?.shared ?? .nan
        for workload in workloads {
            progress("\(workload.name): building the model")
            let path = (c.scratchDirectory as NSString).appendingPathComponent(
                "bench-train-\(getpid())-\(workload.name).h5")
            let (off, recording) = try workload.makeSteppers(recordingInto: path)
            defer { if !c.keepsTraces { try? FileManager.default.removeItem(atPath: path) } }
            var worker: TorchWorker?
            if report.pytorchSkipped == nil {
                progress("\(workload.name): starting \(workload.torchScript)")
                do {
                    worker = try startWorker(for: workload)
                } catch let skipped as SkippedPyTorch {
                    report.pytorchSkipped = skipped.line
                }
            }
            defer { worker?.stop() }

            let sides: [(Int) throws -> [Double]] =
                [{ try Self.time(off, steps: $0) }, { try Self.time(recording, steps: $0) }]
                + (worker.map { worker in [{ try worker.run($0) }] } ?? [])
            if c.warmupSteps > 0 {
                progress("\(workload.name): \(c.warmupSteps) warm-up steps of each variant")
                for side in sides { _ = try side(c.warmupSteps) }
            }
            // What the step's products weigh: one step of the variant without recording, counted.
            let multiplyAdds = try ProductCounter.counting { try off.step() }
            var times = [[Double]](repeating: [], count: sides.count)
            for round in 0..<rounds {
                progress("\(workload.name): round \(round + 1) of \(rounds)")
                let count = min(c.roundSteps, c.steps - round * c.roundSteps)
                for offset in sides.indices {
                    let variant = (round + offset) % sides.count
                    times[variant] += try sides[variant](count)
                }
            }
            try recording.finish()
            report.workloads.append(
                TrainingBenchmarkReport.Workload(
                    name: workload.name, title: workload.title, target: workload.target,
                    recordingOff: .init(milliseconds: times[0]), fullRecording: .init(milliseconds: times[1]),
                    pytorch: worker.map { _ in .init(milliseconds: times[2]) }, pytorchModel: worker?.ready.model,
                    tracePath: c.keepsTraces ? path : nil, recordedSteps: recording.completedSteps,
                    productMultiplyAdds: multiplyAdds, productRoofline: report.productRoofline))
            if let ready = worker?.ready {
                report.torchVersion = ready.torchVersion
                report.threads.pytorchReported = ready.threads
            }
        }
        return report
    }

    /// Why PyTorch's side is left out: the report's line.
    private struct SkippedPyTorch: Error {
        var line: String
    }

    private func startWorker(for workload: any TrainingWorkload) throws -> TorchWorker {
        let c = configuration
        let script =
            if let repository = c.repository {
                (repository as NSString).appendingPathComponent(workload.torchScript)
            } else {
                RepositoryFile.locate(workload.torchScript)
            }
        guard let script, FileManager.default.fileExists(atPath: script) else {
            throw SkippedPyTorch(
                line: "PyTorch side skipped: \(workload.torchScript) not found; run normscope from the repository's "
                    + "root")
        }
        do {
            return try TorchWorker(
                command: (c.python ?? []) + [script, "--serve", "--threads", "\(c.torchThreads)"]
                    + workload.torchArguments,
                name: workload.torchScript, timeout: c.workerTimeout)
        } catch let unavailable as TorchWorker.Unavailable {
            throw SkippedPyTorch(
                line: "PyTorch side skipped: python3 cannot import torch (\(unavailable.reason)); install it with "
                    + #"pip install "torch==2.13.0+cpu""#)
        }
    }

    /// Each of `steps` steps timed alone, in milliseconds.
    private static func time(_ stepper: TrainingStepper, steps: Int) throws -> [Double] {
        var times: [Double] = []
        times.reserveCapacity(steps)
        for _ in 0..<steps {
            let start = ContinuousClock.now
            try stepper.step()
            times.append((ContinuousClock.now - start).inSeconds * 1000)
        }
        return times
    }
}
