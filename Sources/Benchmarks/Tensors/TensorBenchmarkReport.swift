import Foundation
import Tensors

/// The figures of one ``TensorBenchmark`` run, as a table for the terminal or as JSON for tools.
public struct TensorBenchmarkReport: Sendable, Codable, Equatable {
    /// What the figures were measured on.
    public struct Machine: Sendable, Codable, Equatable {
        /// Processors available to this process.
        public var activeProcessorCount: Int
        /// OpenBLAS's thread count for `sgemm`.
        public var blasThreadCount: Int
        /// OpenBLAS's description of its build.
        public var blasConfiguration: String
        /// The CPU core kernels in use (OpenBLAS's choice, or NormScope's repair of it).
        public var blasCoreName: String
        /// Why those kernels (`BLASKernelSelection.reason`).
        public var blasKernelReason: String
        /// The processor the figures come from.
        public var cpu: CPUIdentity
    }

    /// Best and median of the timed repetitions, in seconds.
    public struct Timing: Sendable, Codable, Equatable {
        /// The fastest repetition, the figure rates are computed from.
        public var best: Double
        /// The median repetition, to show how steady the machine was.
        public var median: Double
        /// The number of timed repetitions, after one warm-up.
        public var repetitions: Int
    }

    /// One measured figure.
    public struct Entry: Sendable, Codable, Equatable {
        /// What was measured, for instance `"sgemm"`.
        public var kernel: String
        /// How, for instance `"OpenBLAS, 2 thread(s)"` or `"serial, 1 task(s)"`.
        public var variant: String
        /// The problem size: `[m, n, k]` for products, `[rows, columns]` for row kernels, `[bytes]` for copies.
        public var shape: [Int]
        /// The timings the rate comes from.
        public var timing: Timing
        /// The throughput at the best timing, in ``unit``.
        public var rate: Double
        /// `"GB/s"` (10⁹ bytes read plus written per second) or `"GFLOP/s"` (10⁹ floating-point operations).
        public var unit: String
        /// For memory-bound kernels: ``rate`` divided by the run's copy bandwidth.
        public var fractionOfCopyBandwidth: Double?
        /// For matrix products: ``rate`` divided by the naive loop's rate on the same size.
        public var speedupOverNaive: Double?

        /// Creates an entry.
        public init(
            kernel: String,
            variant: String,
            shape: [Int],
            timing: Timing,
            rate: Double,
            unit: String,
            fractionOfCopyBandwidth: Double? = nil,
            speedupOverNaive: Double? = nil
        ) {
            self.kernel = kernel
            self.variant = variant
            self.shape = shape
            self.timing = timing
            self.rate = rate
            self.unit = unit
            self.fractionOfCopyBandwidth = fractionOfCopyBandwidth
            self.speedupOverNaive = speedupOverNaive
        }
    }

    /// What the figures were measured on.
    public var machine: Machine
    /// The sizes measured.
    public var configuration: TensorBenchmark.Configuration
    /// The best memory copy bandwidth of the run, in GB/s counting read and write: the reference for
    /// memory-bound kernels.
    public var copyBandwidth: Double
    /// Every figure, in the order measured.
    public var entries: [Entry]

    // MARK: - Table

    /// The figures as an aligned plain-text table, with the machine on a header line.
    public var table: String {
        let header = ["kernel", "variant", "size", "best", "median", "rate", "reference"]
        let rows = entries.map { entry -> [String] in
            var reference = ""
            if let fraction = entry.fractionOfCopyBandwidth {
                reference = String(format: "%.0f%% of copy bandwidth", 100 * fraction)
            } else if let speedup = entry.speedupOverNaive {
                reference = speedup == 1 ? "1× (baseline)" : String(format: "%.0f× naive", speedup)
            }
            return [
                entry.kernel,
                entry.variant,
                Self.describe(shape: entry.shape, unit: entry.unit),
                Self.describe(seconds: entry.timing.best),
                Self.describe(seconds: entry.timing.median),
                String(format: "%.1f", entry.rate) + " " + entry.unit,
                reference,
            ]
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { cell, width in cell.padding(toLength: width, withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        let title =
            "Tensors benchmark — \(machine.activeProcessorCount) processors, OpenBLAS \(machine.blasCoreName) "
            + "with \(machine.blasThreadCount) thread(s); best of \(configuration.repetitions) after a warm-up\n"
            + "CPU: \(machine.cpu); kernels: \(machine.blasCoreName) (\(machine.blasKernelReason))"
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        let footnote = String(
            format: "Copy bandwidth %.1f GB/s (read + write). GB = 10⁹ bytes; a row kernel reads x and writes y once.",
            copyBandwidth
        )
        return ([title, "", line(header), rule] + rows.map(line) + ["", footnote]).joined(separator: "\n")
    }

    // MARK: - JSON

    /// The report as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    // MARK: - Formatting

    private static func describe(shape: [Int], unit: String) -> String {
        if unit == "GB/s" && shape.count == 1 { return "\(shape[0] >> 20) MiB" }
        return shape.map(String.init).joined(separator: "×")
    }

    private static func describe(seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.2f s", seconds) : String(format: "%.2f ms", seconds * 1e3)
    }
}
