import Analysis
import Foundation
import Tensors

/// The figures of one ``TrainingBenchmark`` run, as a table for the terminal or as JSON for tools.
package struct TrainingBenchmarkReport: Sendable, Codable, Equatable {
    /// One variant's step times.
    package struct Timing: Sendable, Codable, Equatable {
        package var medianMilliseconds: Double
        package var bestMilliseconds: Double
        /// Every timed step, in the order taken.
        package var milliseconds: [Double]

        package init(milliseconds: [Double]) {
            medianMilliseconds = median(milliseconds)
            bestMilliseconds = milliseconds.min() ?? .nan
            self.milliseconds = milliseconds
        }
    }

    /// One workload's three variants and their ratios.
    package struct Workload: Sendable, Codable, Equatable {
        /// `mlp` or `char-lm`.
        package var name: String
        package var title: String
        /// The aim for ``ratio``.
        package var target: Double
        package var recordingOff: Timing
        package var fullRecording: Timing
        /// Nil when PyTorch's side was skipped.
        package var pytorch: Timing?
        /// The worker's own description of its model.
        package var pytorchModel: String?
        /// NormScope recording off / PyTorch, of the medians.
        package var ratio: Double?
        /// NormScope with full recording / PyTorch, of the medians.
        package var recordingRatio: Double?
        /// Full recording / recording off − 1, of the medians (the target is ≤ 5%).
        package var recordingOverhead: Double
        /// The recording variant's trace, when it was kept.
        package var tracePath: String?
        /// Steps the recording variant wrote into its trace, warm-up included.
        package var recordedSteps: Int
        /// Multiply-adds of one step's matrix products (`ProductCounter`), recording off.
        package var productMultiplyAdds: Int
        /// Milliseconds the products take at the run's ``TrainingBenchmarkReport/productRoofline``.
        package var productRooflineMilliseconds: Double
        /// ``productRooflineMilliseconds`` / the median step with recording off: how much of the step the products
        /// would be if they ran at the machine's measured sgemm rate.
        package var productShare: Double

        package init(
            name: String, title: String, target: Double, recordingOff: Timing, fullRecording: Timing, pytorch: Timing?,
            pytorchModel: String?, tracePath: String?, recordedSteps: Int, productMultiplyAdds: Int,
            productRoofline: Double
        ) {
            self.name = name
            self.title = title
            self.target = target
            self.recordingOff = recordingOff
            self.fullRecording = fullRecording
            self.pytorch = pytorch
            self.pytorchModel = pytorchModel
            ratio = pytorch.map { recordingOff.medianMilliseconds / $0.medianMilliseconds }
            recordingRatio = pytorch.map { fullRecording.medianMilliseconds / $0.medianMilliseconds }
            recordingOverhead = fullRecording.medianMilliseconds / recordingOff.medianMilliseconds - 1
            self.tracePath = tracePath
            self.recordedSteps = recordedSteps
            self.productMultiplyAdds = productMultiplyAdds
            productRooflineMilliseconds = 2 * Double(productMultiplyAdds) / (productRoofline * 1e9) * 1e3
            productShare = productRooflineMilliseconds / recordingOff.medianMilliseconds
        }

        /// The variant whose median is the most times its best step, and that ratio.
        var widestSpread: (variant: String, spread: Double)? {
            let variants =
                [("NormScope recording off", recordingOff), ("NormScope full recording", fullRecording)]
                + (pytorch.map { [("PyTorch", $0)] } ?? [])
            return variants.map { ($0.0, $0.1.medianMilliseconds / $0.1.bestMilliseconds) }
                .filter { $0.1.isFinite }.max { $0.1 < $1.1 }
        }
    }

    /// The threads each side used.
    package struct Threads: Sendable, Codable, Equatable {
        /// `RowParallel.defaultTaskCount`: the tasks of NormScope's row-parallel kernels.
        package var rowParallelTasks: Int
        /// `BLAS.threadCount`: OpenBLAS's threads for NormScope's matrix products.
        package var blasThreads: Int
        /// What `--threads` asked PyTorch for (`torch.set_num_threads`).
        package var pytorchRequested: Int
        /// What PyTorch reported (`torch.get_num_threads`), when it ran.
        package var pytorchReported: Int?
    }

    /// Timed steps of each variant.
    package var steps: Int
    package var roundSteps: Int
    package var rounds: Int
    package var warmupSteps: Int
    package var threads: Threads
    /// `torch.__version__`, when PyTorch ran.
    package var torchVersion: String?
    /// Why PyTorch's side was left out, as the line the table prints.
    package var pytorchSkipped: String?
    package var workloads: [Workload] = []
    /// GFLOP/s of a 512³ sgemm shared among the step's tasks, measured in this run: the products' roofline.
    package var productRoofline: Double = .nan
    /// The processor, and the OpenBLAS kernels in use.
    package var cpu: CPUIdentity = .current
    package var blasCore = BLAS.coreName

    // MARK: - Table

    /// The figures as aligned lines: a heading, then one block per workload.
    package var table: String {
        var lines = [
            "Training step, NormScope and PyTorch interleaved: \(rounds) round(s) of \(roundSteps) step(s) of each "
                + "variant after \(warmupSteps) warm-up step(s); median and best of \(steps) steps each",
            "Threads: NormScope \(threads.rowParallelTasks) row-parallel task(s) (RowParallel.defaultTaskCount) and "
                + "\(threads.blasThreads) OpenBLAS thread(s) (BLAS.threadCount); "
                + (torchVersion.map {
                    "PyTorch \($0) \(threads.pytorchReported ?? threads.pytorchRequested) thread(s) "
                        + "(torch.set_num_threads(\(threads.pytorchRequested)))"
                } ?? "PyTorch did not run"),
            "CPU: \(cpu); OpenBLAS kernels \(blasCore); products' roofline "
                + String(format: "%.0f GFLOP/s (sgemm 512³ shared among the step's tasks, this run)", productRoofline),
        ]
        for workload in workloads {
            lines += ["", workload.title]
            lines.append(Self.line("NormScope, recording off", workload.recordingOff))
            lines.append(Self.line("NormScope, full recording", workload.fullRecording))
            if let pytorch = workload.pytorch {
                lines.append(Self.line("PyTorch \(torchVersion ?? "")", pytorch))
            }
            if let ratio = workload.ratio, let recordingRatio = workload.recordingRatio {
                lines.append(
                    Self.label("NormScope / PyTorch, median")
                        + String(format: "%.2f× recording off, %.2f× full recording", ratio, recordingRatio)
                        + String(format: "   (target ≤ %.1f×)", workload.target))
            }
            lines.append(
                Self.label("products at the roofline")
                    + String(
                        format: "%.2f GFLOP per step, %.2f ms = %.0f%% of the median step (recording off)",
                        2 * Double(workload.productMultiplyAdds) / 1e9, workload.productRooflineMilliseconds,
                        workload.productShare * 100))
            lines.append(
                Self.label("recording overhead, median")
                    + String(format: "%+.1f%%   (target ≤ 5%%)", workload.recordingOverhead * 100))
            if let (variant, spread) = workload.widestSpread, spread > Self.busySpread {
                lines.append(
                    "  note: \(variant)'s median step is "
                        + String(format: "%.1f× its best", spread)
                        + ": the machine was busy during this run (PyTorch's threads wait for a core at every "
                        + "parallel region), so the ratios say little; run it again on an idle machine")
            }
        }
        if let pytorchSkipped { lines += ["", pytorchSkipped] }
        return lines.joined(separator: "\n")
    }

    /// A median this many times the best step: on an idle machine every variant's median was within 1.7× its best
    /// (three runs, 2026-12-01); while another build ran, PyTorch's char-LM steps went from 40 ms to 1.1 s.
    static let busySpread = 2.0

    private static func label(_ text: String) -> String {
        "  " + text.padding(toLength: 32, withPad: " ", startingAt: 0)
    }

    private static func line(_ name: String, _ timing: Timing) -> String {
        label(name)
            + String(format: "median %8.3f ms   best %8.3f ms", timing.medianMilliseconds, timing.bestMilliseconds)
    }

    // MARK: - JSON

    /// The report as pretty-printed JSON with sorted keys.
    package func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self)
    }
}
