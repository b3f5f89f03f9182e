import Analysis
import Foundation
import HDF5
import Recording
import Tensors

/// `normscope bench write`: how long the real trace writer takes to write `bench analyze`'s synthetic trace with
/// each way of compressing chunks (`TraceChunkWriting`), in the same run, in alternation, so that a slow spell of
/// this shared machine falls on both.
///
/// ```
/// 1. size     SyntheticTrace.sized: a configuration whose trace is at least traceBytes
/// 2. time     repeat `rounds` times, the order of the two swapped every round:
///               write it with .hdf5Filters   (HDF5's shuffle + deflate inside H5Dwrite, on the writer thread)
///               write it with .parallel      (libdeflate on `tasks` tasks, H5Dwrite_chunk)
/// 3. check    both files hold the same rows: every dataset's length, and the last run's tables value by value
/// ```
///
/// Each time is the generator's whole write, from creating the writer to `close()` returning (rows made by the
/// caller's thread, the queue, compression, HDF5, compaction when due), as `bench analyze` generates its trace.
public struct WriteBenchmark: Sendable {
    /// What to measure.
    public struct Configuration: Sendable {
        /// The least size of the trace, in bytes.
        public var traceBytes: Int64
        /// Rounds; each writes the trace once per path.
        public var rounds: Int
        /// Tasks of the parallel path.
        public var tasks: Int
        /// Where the traces go; nil: the system temporary directory.
        public var directory: String?

        public init(
            traceBytes: Int64, rounds: Int = 3, tasks: Int = ProcessInfo.processInfo.activeProcessorCount,
            directory: String? = nil
        ) {
            precondition(rounds >= 1 && tasks >= 1, "WriteBenchmark expects at least 1 round and 1 task")
            self.traceBytes = traceBytes
            self.rounds = rounds
            self.tasks = tasks
            self.directory = directory
        }
    }

    /// One path's figures.
    public struct PathFigures: Sendable {
        public var name: String
        /// Seconds of each round, in round order.
        public var seconds: [Double]
        /// CPU seconds (user + system, every thread of this process) of each round: what the writing cost the
        /// machine, which a busy neighbour changes less than the wall time.
        public var cpuSeconds: [Double]
        /// The file's size and its datasets' stored bytes, after the last round.
        public var fileBytes: UInt64
        public var storedBytes: UInt64
    }

    /// What `run` measured.
    public struct Report: Sendable {
        public var trace: SyntheticTrace
        /// HDF5's filters, then the parallel path.
        public var paths: [PathFigures]
        /// Whether both files hold the same rows.
        public var identical: Bool
        /// The system's load averages (1, 5, 15 min) before the first round and after the last, when known.
        public var loadBefore: String?
        public var loadAfter: String?

        /// Median of the HDF5-filter path over median of the parallel path.
        public var speedup: Double { median(paths[0].seconds) / median(paths[1].seconds) }

        /// The report as aligned text.
        public var table: String {
            let steps = trace.runs.count * trace.stepsPerRun
            var lines = [
                "Trace writing: the synthetic trace of bench analyze (\(trace.runs.count) runs × \(trace.stepsPerRun) "
                    + "steps = \(steps) steps, \(trace.layerNames.count) norm layers of width \(trace.width)), "
                    + "\(paths[0].seconds.count) interleaved round(s) of each path; median and best of the rounds",
                "CPU: \(CPUIdentity.current)",
            ]
            for path in paths {
                let sorted = path.seconds.sorted()
                lines.append(
                    path.name.padding(toLength: 44, withPad: " ", startingAt: 0)
                        + String(format: "median %7.2f s   best %7.2f s   ", median(sorted), sorted[0])
                        + String(format: "CPU %7.2f s   ", median(path.cpuSeconds))
                        + String(
                            format: "file %.3f GB, %.3f× its stored data", Double(path.fileBytes) / 1e9,
                            Double(path.fileBytes) / Double(max(1, path.storedBytes))))
            }
            lines.append(
                "speedup, median".padding(toLength: 44, withPad: " ", startingAt: 0)
                    + String(format: "%.2f×   (target ≥ 3×)", speedup))
            lines.append("same rows in both files: " + (identical ? "yes" : "NO"))
            if let loadBefore, let loadAfter {
                lines.append(
                    "load average before \(loadBefore), after \(loadAfter) (2 cores: above 1 another program was busy)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// Why the benchmark could not finish.
    public typealias Failure = BenchmarkFailure

    public var configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Sizes the trace, writes it `rounds` times with each path, and compares the two files.
    /// - Parameter progress: called with a short line before each write and with each time.
    public func run(progress: (String) -> Void = { _ in }) throws -> Report {
        let directory = (configuration.directory ?? NSTemporaryDirectory() as String) as NSString
        let scratch = directory.appendingPathComponent(
            "normscope-bench-write-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        progress("sizing a trace of at least \(String(format: "%.2f", Double(configuration.traceBytes) / 1e9)) GB")
        let trace = try SyntheticTrace.sized(atLeast: configuration.traceBytes, scratchDirectory: scratch)
        let variants: [(name: String, writing: TraceChunkWriting, file: String)] = [
            ("HDF5's filters on the writer thread", .hdf5Filters, "hdf5-filters.h5"),
            ("\(configuration.tasks) task(s) + H5Dwrite_chunk", .parallel(tasks: configuration.tasks), "parallel.h5"),
        ]
        var seconds: [[Double]] = [[], []]
        var cpu: [[Double]] = [[], []]
        let loadBefore = Self.loadAverage()
        for round in 1...configuration.rounds {
            for index in round % 2 == 1 ? [0, 1] : [1, 0] {
                let variant = variants[index]
                progress("round \(round) of \(configuration.rounds): \(variant.name)")
                let cpuBefore = Self.processCPUSeconds()
                let written = try trace.write(
                    to: (scratch as NSString).appendingPathComponent(variant.file), overwrite: true,
                    chunkWriting: variant.writing)
                seconds[index].append(written.seconds)
                cpu[index].append(Self.processCPUSeconds() - cpuBefore)
                progress(String(format: "  %.2f s (CPU %.2f s)", written.seconds, cpu[index].last!))
            }
        }
        var paths: [PathFigures] = []
        for (index, variant) in variants.enumerated() {
            let path = (scratch as NSString).appendingPathComponent(variant.file)
            let file = try File.open(path)
            let stored = try file.datasetStorageBytes()
            try file.close()
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
            paths.append(
                PathFigures(
                    name: variant.name, seconds: seconds[index], cpuSeconds: cpu[index], fileBytes: size,
                    storedBytes: stored))
        }
        progress("comparing the two files")
        let identical = try Self.sameRows(
            (scratch as NSString).appendingPathComponent(variants[0].file),
            (scratch as NSString).appendingPathComponent(variants[1].file), lastRun: trace.runs.last!.id,
            layers: trace.layerNames)
        return Report(
            trace: trace, paths: paths, identical: identical, loadBefore: loadBefore, loadAfter: Self.loadAverage())
    }

    /// User and system CPU seconds of this process so far, every thread's.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// The first three fields of /proc/loadavg, or nil where there is none.
    static func loadAverage() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// Every dataset of the two traces has as many rows, and the last run's steps and gradient tables are equal
    /// value for value (`seconds` included: the synthetic trace makes it up).
    static func sameRows(_ a: String, _ b: String, lastRun: String, layers: [String]) throws -> Bool {
        let first = try File.open(a)
        let second = try File.open(b)
        let runs = try first.openGroup("runs").children()
        guard try runs == second.openGroup("runs").children() else { return false }
        for run in runs {
            for table in ["steps", "evals"] + layers.map({ "norms/\($0)/grad" }) {
                let path = "runs/\(run)/\(table)"
                guard try first.openDataset(path).shape() == second.openDataset(path).shape() else { return false }
            }
        }
        func same<Row: DatasetElement>(_ path: String, _ type: Row.Type) throws -> Bool {
            let x = try first.openDataset(path).read(as: Row.self)
            let y = try second.openDataset(path).read(as: Row.self)
            // The last run diverges, and NaN ≠ NaN: compare the stored bits.
            return x.count == y.count && x.withUnsafeBytes { p in y.withUnsafeBytes { q in p.elementsEqual(q) } }
        }
        guard try same("runs/\(lastRun)/steps", StepRow.self) else { return false }
        for layer in layers where try !same("runs/\(lastRun)/norms/\(layer)/grad", NormStepRow.self) {
            return false
        }
        return true
    }
}
