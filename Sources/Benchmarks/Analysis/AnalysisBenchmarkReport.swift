import Analysis
import Foundation
import Tensors

extension AnalysisBenchmark {
    /// The figures of one benchmark run, as a table (`table`) or JSON (`json()`).
    public struct Report: Sendable, Codable {
        /// How the synthetic trace was made.
        public struct Generation: Sendable, Codable {
            /// Seconds to write the trace, and to calibrate its size before.
            public var seconds: Double
            public var calibrationSeconds: Double
            public var runs: Int
            public var stepsPerRun: Int
            public var layers: Int
            public var width: Int
        }

        /// One tool's timings and memory.
        public struct Tool: Sendable, Codable {
            public var name: String
            /// Language and libraries.
            public var detail: String
            public var command: String
            /// Wall seconds of each repetition, in order.
            public var seconds: [Double]
            public var bestSeconds: Double
            public var medianSeconds: Double
            /// File bytes per second, in MB/s (10⁶ bytes), at the best and the median time.
            public var bestMegabytesPerSecond: Double
            public var medianMegabytesPerSecond: Double
            /// The largest peak RSS of any repetition, in MiB.
            public var peakResidentMiB: Double
            /// Median CPU seconds (user + system) of one analysis.
            public var medianCPUSeconds: Double

            init(name: String, detail: String, command: String, measurements: [ProcessMeasurement], fileBytes: Int64) {
                self.name = name
                self.detail = detail
                self.command = command
                seconds = measurements.map(\.wallSeconds)
                let sorted = seconds.sorted()
                bestSeconds = sorted[0]
                medianSeconds = median(sorted)
                bestMegabytesPerSecond = Double(fileBytes) / 1e6 / bestSeconds
                medianMegabytesPerSecond = Double(fileBytes) / 1e6 / medianSeconds
                peakResidentMiB = measurements.map(\.peakResidentMiB).max() ?? .nan
                medianCPUSeconds = median(measurements.map { $0.userSeconds + $0.systemSeconds })
            }
        }

        public var tracePath: String
        /// The file's size in bytes: what MB/s counts.
        public var traceBytes: Int64
        /// The rows the tables hold, uncompressed (as the script counted them), nil if unknown.
        public var tableBytes: Int64?
        /// Nil when an existing trace was reused.
        public var generation: Generation?
        public var traceKept: Bool
        /// Seconds to read the file once before the timings (into the page cache).
        public var warmReadSeconds: Double
        /// This machine's memcpy bandwidth in GB/s, nil when not measured.
        public var copyBandwidth: Double?
        /// normscope first, then the h5py + NumPy script.
        public var tools: [Tool]
        public var comparison: Comparison
        /// The speed-up over the script that `normscope analyze` aims for (issue 14, "Traces at disk speed"): 4×
        /// its throughput on the same trace.
        public var throughputTarget: Double = 4
        /// The processor the figures come from: the inflate and unshuffle run at its speed on every core.
        public var cpu: CPUIdentity = .current

        /// normscope's throughput over the script's, median against median, nil without both tools.
        public var speedUp: Double? {
            tools.count == 2 ? tools[1].medianSeconds / tools[0].medianSeconds : nil
        }


        /// The report as aligned text.
        public var table: String {
            let mb = Double(traceBytes) / 1e6
            var lines = [
                "Trace analysis — normscope analyze vs h5py + NumPy, same trace, same run", "CPU              \(cpu)",
            ]
            var traceLine = "trace            \(tracePath), \(String(format: "%.1f", mb)) MB"
            if let tableBytes {
                traceLine += String(format: " (%.1f MB of rows uncompressed)", Double(tableBytes) / 1e6)
            }
            lines.append(traceLine)
            if let g = generation {
                lines.append(
                    String(
                        format:
                            "generated        in %.1f s (+ %.1f s calibrating): %d runs × %d steps, %d layers of %d",
                        g.seconds, g.calibrationSeconds, g.runs, g.stepsPerRun, g.layers, g.width)
                        + (traceKept ? "" : "; deleted afterwards"))
            } else {
                lines.append("generated        no, an existing trace was reused")
            }
            lines.append(
                String(
                    format: "page cache       whole file read once in %.2f s (%.0f MB/s) before timing",
                    warmReadSeconds, mb / warmReadSeconds))
            if let copyBandwidth {
                lines.append(
                    String(
                        format:
                            "copy bandwidth   %.1f GB/s (memcpy, read + write): the ceiling for one pass over memory",
                        copyBandwidth))
            }
            lines.append("")
            let header = [
                "tool".padding(toLength: 20, withPad: " ", startingAt: 0), "   best s", " median s", " MB/s best",
                " MB/s med", "  peak RSS MiB", "  CPU s med", "  runs (s)",
            ]
            lines.append(header.joined())
            for tool in tools {
                lines.append(
                    tool.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(
                            format: "%9.3f%9.3f%10.1f%9.1f%14.1f%11.3f", tool.bestSeconds, tool.medianSeconds,
                            tool.bestMegabytesPerSecond, tool.medianMegabytesPerSecond, tool.peakResidentMiB,
                            tool.medianCPUSeconds)
                        + "  " + tool.seconds.map { String(format: "%.3f", $0) }.joined(separator: ", "))
            }
            if tools.count == 2 {
                let (ours, theirs) = (tools[0], tools[1])
                lines.append(
                    "ours / theirs".padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(
                            format: "%9.3f%9.3f%10.3f%9.3f%14.3f%11.3f", ours.bestSeconds / theirs.bestSeconds,
                            ours.medianSeconds / theirs.medianSeconds,
                            ours.bestMegabytesPerSecond / theirs.bestMegabytesPerSecond,
                            ours.medianMegabytesPerSecond / theirs.medianMegabytesPerSecond,
                            ours.peakResidentMiB / theirs.peakResidentMiB,
                            ours.medianCPUSeconds / theirs.medianCPUSeconds))
                lines.append(
                    String(
                        format: "speed-up            %.2f× the script's throughput (median against median; best "
                            + "against best %.2f×): %.2f of the %.0f× target",
                        theirs.medianSeconds / ours.medianSeconds, theirs.bestSeconds / ours.bestSeconds,
                        theirs.medianSeconds / ours.medianSeconds / throughputTarget, throughputTarget))
                if let copyBandwidth {
                    lines.append(
                        String(
                            format: "of copy bandwidth   normscope %.2f%%, NumPy %.2f%% (file MB/s at best ÷ memcpy)",
                            ours.bestMegabytesPerSecond / 10 / copyBandwidth,
                            theirs.bestMegabytesPerSecond / 10 / copyBandwidth))
                }
                for tool in tools { lines.append("  \(tool.name): \(tool.detail)") }
            }
            lines.append("")
            lines.append(comparison.summary)
            return lines.joined(separator: "\n")
        }

        /// The report as JSON (keys sorted).
        public func json() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try encoder.encode(self)
        }
    }
}
