import Foundation
import Layers
import Tensors

/// Forward + backward throughput of ``NormLayer`` against this machine's memory copy bandwidth, measured in the same
/// run; `normscope bench norm` prints it.
///
/// Each step is a training forward and a backward on warm buffers (the output and gradient of the previous step are
/// released, so the layer writes into the same memory, as in training). Bytes are counted as the issue that set the
/// targets does: 5·R·H·4 — read x, write the output, read the upstream gradient, read x again, write the input
/// gradient. Statistics overhead is the backward time with statistics over the backward time without.
public struct NormBenchmark: Sendable {
    /// The sizes and repetitions.
    public struct Configuration: Sendable, Codable, Equatable {
        /// The (rows, width) shapes measured.
        public var shapes: [[Int]]
        /// Timed repetitions after a warm-up; the best and the median are reported.
        public var repetitions: Int

        /// [4096 × 512] and [16384 × 1024], 15 repetitions.
        public static let standard = Configuration(shapes: [[4096, 512], [16384, 1024]], repetitions: 15)
        /// [1024 × 512] and [4096 × 1024], 3 repetitions.
        public static let quick = Configuration(shapes: [[1024, 512], [4096, 1024]], repetitions: 3)
    }

    /// One measured variant.
    public struct Entry: Sendable, Codable, Equatable {
        /// The preset, such as `layernorm`.
        public var preset: String
        /// `off`, `statistics` or `statistics + Φ histogram`.
        public var instrumentation: String
        /// [rows, width].
        public var shape: [Int]
        /// Best and median seconds of a forward + backward step.
        public var stepBest: Double
        public var stepMedian: Double
        /// Best seconds of the backward pass alone.
        public var backwardBest: Double
        /// 5·R·H·4 bytes over the best step time, in GB/s (10⁹ bytes).
        public var rate: Double
        /// ``rate`` over the copy bandwidth.
        public var fractionOfCopyBandwidth: Double
        /// Backward time over the same preset's uninstrumented backward time, minus 1; `nil` for `off`.
        public var statisticsOverhead: Double?
    }

    /// The figures of a run.
    public struct Report: Sendable, Codable, Equatable {
        /// The best memcpy bandwidth (read + write) of the run, GB/s.
        public var copyBandwidth: Double
        /// Threads used for rows.
        public var taskCount: Int
        /// The measurements.
        public var entries: [Entry]

        /// An aligned table with a closing line on the targets.
        public var table: String {
            var lines = [
                "NormLayer forward + backward — \(taskCount) task(s); copy bandwidth \(format(copyBandwidth)) GB/s "
                    + "(read + write); bytes = 5·R·H·4 per step",
                "",
                pad("preset", 18) + pad("instrumentation", 26) + pad("shape", 13) + pad("step best", 11)
                    + pad("median", 10) + pad("GB/s", 8) + pad("of copy", 9) + "backward overhead",
                String(repeating: "-", count: 112),
            ]
            for e in entries {
                lines.append(
                    pad(e.preset, 18) + pad(e.instrumentation, 26) + pad("\(e.shape[0])×\(e.shape[1])", 13)
                        + pad(milliseconds(e.stepBest), 11) + pad(milliseconds(e.stepMedian), 10)
                        + pad(format(e.rate), 8) + pad(percent(e.fractionOfCopyBandwidth), 9)
                        + (e.statisticsOverhead.map { (($0 >= 0) ? "+" : "") + percent($0) } ?? "—"))
            }
            lines.append("")
            lines.append(
                "Targets: instrumented forward + backward ≥ 50% of copy bandwidth; statistics ≤ +10% on backward.")
            return lines.joined(separator: "\n")
        }

        /// The figures as pretty-printed JSON.
        public func json() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            return try encoder.encode(self)
        }
    }

    /// The sizes measured.
    public var configuration: Configuration

    /// A benchmark of the given sizes.
    public init(configuration: Configuration = .standard) {
        self.configuration = configuration
    }

    /// Measures copy bandwidth, then every preset × instrumentation × shape.
    ///
    /// - Parameter progress: Called with a short line before each measurement.
    public func run(progress: (String) -> Void = { _ in }) -> Report {
        progress("memory copy, 512 MiB")
        let copy = TensorBenchmark(configuration: .quick).measureCopyBandwidth().map(\.rate).max() ?? .nan
        var entries: [Entry] = []
        let variants: [(NormPreset, String, NormInstrumentation)] = [
            (.layerNorm, "off", .off),
            (.layerNorm, "statistics", NormInstrumentation(statistics: true, phiHistogram: false)),
            (.adaNorm, "off", .off),
            (.adaNorm, "statistics", NormInstrumentation(statistics: true, phiHistogram: false)),
            (.adaNorm, "statistics + Φ histogram", .statistics),
        ]
        for shape in configuration.shapes {
            let (rows, width) = (shape[0], shape[1])
            progress("\(variants.count) variants, \(rows) × \(width)")
            var random = SeededRandom(seed: 5)
            let x = Matrix<Float>(rows: rows, columns: width) { _, _ in
                Float(random.normal(mean: 1, standardDeviation: 2))
            }
            let g = Matrix<Float>(rows: rows, columns: width) { _, _ in Float(random.normal()) }
            let layers = variants.map { NormLayer<Float>($0.0, width: width, instrumentation: $0.2) }
            let saved = layers.map { $0.forward(x, mode: .training).saved }
            // Variants take turns within each repetition, so a slow moment of the machine (this VM's memory
            // reclaim moves pages under us at times) lands on all of them rather than on one.
            var stepTimes = [[Double]](repeating: [], count: variants.count)
            var backwardTimes = [[Double]](repeating: [], count: variants.count)
            for repetition in 0...configuration.repetitions {
                for (index, layer) in layers.enumerated() {
                    let step = seconds {
                        let (output, saved) = layer.forward(x, mode: .training)
                        let gradInput = layer.backward(g, saved: saved)
                        keep(output.scalars[0] + gradInput.scalars[0])
                    }
                    let backward = seconds { keep(layer.backward(g, saved: saved[index]).scalars[0]) }
                    // Repetition 0 warms the buffers up.
                    if repetition > 0 {
                        stepTimes[index].append(step)
                        backwardTimes[index].append(backward)
                    }
                }
            }
            for (index, (preset, label, instrumentation)) in variants.enumerated() {
                let steps = stepTimes[index].sorted()
                let backward = backwardTimes[index].min()!
                let baseline = variants.indices.first { variants[$0].0 == preset && variants[$0].2 == .off }
                let rate = 5 * Double(rows * width * MemoryLayout<Float>.stride) / steps[0] / 1e9
                entries.append(
                    Entry(
                        preset: preset.rawValue, instrumentation: label, shape: shape, stepBest: steps[0],
                        stepMedian: steps[steps.count / 2], backwardBest: backward, rate: rate,
                        fractionOfCopyBandwidth: rate / copy,
                        statisticsOverhead: instrumentation == .off
                            ? nil : baseline.map { backward / backwardTimes[$0].min()! - 1 }))
            }
        }
        let tasks = RowParallel.automatic.taskCount(rows: 16384, columns: 1024)
        return Report(copyBandwidth: copy, taskCount: tasks, entries: entries)
    }

    private func seconds(_ body: () -> Void) -> Double {
        ContinuousClock().measure(body).inSeconds
    }
}

/// Keeps a result alive so the optimizer cannot drop the work that produced it.
@inline(never)
private func keep(_ value: Float) {
    withExtendedLifetime(value) {}
}

private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

private func format(_ value: Double) -> String { String(format: "%.1f", value) }
private func percent(_ value: Double) -> String { String(format: "%.0f%%", value * 100) }
private func milliseconds(_ value: Double) -> String { String(format: "%.2f ms", value * 1000) }
