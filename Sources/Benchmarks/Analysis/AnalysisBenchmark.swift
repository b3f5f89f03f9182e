import Analysis
import Foundation
import HDF5
import Recording
import Tensors

/// `normscope bench analyze`: how fast `normscope analyze` reads a large trace, and in how much memory, beside an
/// h5py + NumPy script (`analysis/bench_analyze.py`) doing the same reductions on the same file in the same run.
///
/// Concretely, `run` does
///
/// ```
/// 1. trace     reuse `tracePath` if it is a trace of ≥ traceBytes, else write a SyntheticTrace of that size
/// 2. warm      read the whole file once, so every timed analysis reads it from the page cache
/// 3. copy      this machine's memcpy bandwidth (the caller's measurement), the ceiling for any pass over memory
/// 4. time      repeat `repetitions` times, alternating:
///                normscope analyze --format json TRACE           (a child process: ProcessMeasurement)
///                python3 analysis/bench_analyze.py TRACE --json  (a child process)
/// 5. compare   every per-run and per-layer number of the two JSON documents: counts exactly, the others within
///              1e-9 relative
/// ```
///
/// Each tool's figures are its own child process's: wall seconds (best and median), MB/s of file bytes, and its
/// peak resident memory (`ru_maxrss` from `wait4`), so neither the benchmark itself nor the other tool is counted.
public struct AnalysisBenchmark: Sendable {
    /// What to measure and with which programs.
    public struct Configuration: Sendable {
        /// The least size of the trace, in bytes.
        public var traceBytes: Int64
        /// The trace to analyze: reused when it is a trace at least `traceBytes` long, (re)generated when it does
        /// not exist or is a smaller synthetic one. Nil: a file in the system temporary directory.
        public var tracePath: String?
        /// Keep a generated trace in the temporary directory instead of deleting it (a `tracePath` is never deleted).
        public var keepTrace: Bool
        /// Timed analyses per tool.
        public var repetitions: Int
        /// The `normscope` executable to time (`analyze --format json`); by default the running program.
        public var executable: String
        /// The Python interpreter, looked up on PATH.
        public var python: String
        /// The comparison script; nil: `analysis/bench_analyze.py` found from the current directory or the package.
        public var script: String?

        /// - Parameters:
        ///   - traceBytes: the least size of the trace.
        ///   - tracePath: a trace to reuse or where to generate it; nil for a temporary file.
        ///   - keepTrace: keep a generated temporary trace.
        ///   - repetitions: timed analyses per tool, at least 1 (3 by default).
        ///   - executable: the `normscope` to time; the running program by default.
        ///   - python: the interpreter, `python3` by default.
        ///   - script: the comparison script; located automatically by default.
        public init(
            traceBytes: Int64, tracePath: String? = nil, keepTrace: Bool = false, repetitions: Int = 3,
            executable: String = AnalysisBenchmark.currentExecutable, python: String = "python3", script: String? = nil
        ) {
            precondition(repetitions >= 1, "AnalysisBenchmark expects at least 1 repetition, got \(repetitions)")
            self.traceBytes = traceBytes
            self.tracePath = tracePath
            self.keepTrace = keepTrace
            self.repetitions = repetitions
            self.executable = executable
            self.python = python
            self.script = script
        }
    }

    /// Why the benchmark could not run or finish: one sentence saying what to do.
    public typealias Failure = BenchmarkFailure

    /// What to measure.
    public var configuration: Configuration

    /// - Parameter configuration: what to measure.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The path of the running executable (`/proc/self/exe` on Linux).
    public static var currentExecutable: String { RepositoryFile.currentExecutable }

    // MARK: - Running

    /// Runs the whole benchmark.
    ///
    /// - Parameters:
    ///   - copyBandwidth: measures this machine's memory copy bandwidth in GB/s (called once, after the trace is
    ///     ready and before the timings); nil to leave it out.
    ///   - progress: called with a short line before each phase.
    /// - Returns: the figures and the comparison of the two tools' results.
    /// - Throws: `Failure` when Python, h5py or the script is missing, the trace path is unusable, or a tool fails;
    ///   `TraceWriterError` when the trace cannot be written.
    public func run(
        copyBandwidth: (() -> Double)? = nil, progress: (String) -> Void = { _ in }
    ) throws -> Report {
        let script = try locateScript()
        try checkPython()
        let (trace, generation, temporary) = try prepareTrace(progress: progress)
        defer { if temporary && !configuration.keepTrace { try? FileManager.default.removeItem(atPath: trace) } }
        let bytes = Self.fileSize(trace)

        progress("reading the trace once so that every timed run finds it in the page cache")
        let warm = try Self.readWhole(trace)
        let bandwidth = copyBandwidth.map { measure in
            progress("measuring the memory copy bandwidth")
            return measure()
        }

        let scratch = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "normscope-bench-analyze-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        func file(_ name: String) -> String { (scratch as NSString).appendingPathComponent(name) }

        var ours: [ProcessMeasurement] = []
        var theirs: [ProcessMeasurement] = []
        for repetition in 1...configuration.repetitions {
            progress("repetition \(repetition) of \(configuration.repetitions): normscope analyze")
            ours.append(
                try measure(
                    configuration.executable, ["analyze", "--format", "json", trace], tool: "normscope analyze",
                    output: file("normscope-\(repetition).json"), error: file("normscope-\(repetition).err")))
            progress("repetition \(repetition) of \(configuration.repetitions): h5py + NumPy")
            theirs.append(
                try measure(
                    configuration.python, [script, trace, "--json", file("numpy-\(repetition).json")],
                    tool: "bench_analyze.py", output: file("numpy-\(repetition).out"),
                    error: file("numpy-\(repetition).err")))
        }

        progress("comparing the results")
        let ourJSON = try Data(contentsOf: URL(fileURLWithPath: file("normscope-1.json")))
        let theirJSON = try Data(contentsOf: URL(fileURLWithPath: file("numpy-1.json")))
        let comparison = try Comparison(analyzeJSON: ourJSON, scriptJSON: theirJSON)
        let header = try? JSONDecoder().decode(ScriptHeader.self, from: theirJSON)
        return Report(
            tracePath: trace, traceBytes: bytes, tableBytes: header?.tableBytes, generation: generation,
            traceKept: !temporary || configuration.keepTrace, warmReadSeconds: warm,
            copyBandwidth: bandwidth,
            tools: [
                Report.Tool(
                    name: "normscope analyze",
                    detail: "Swift, block by block, chunks read raw and inflated on "
                        + "\(ProcessInfo.processInfo.activeProcessorCount) cores",
                    command: "\(configuration.executable) analyze --format json TRACE", measurements: ours,
                    fileBytes: bytes),
                Report.Tool(
                    name: "bench_analyze.py", detail: header?.tool ?? "h5py + NumPy",
                    command: "\(configuration.python) \(script) TRACE --json OUT",
                    measurements: theirs, fileBytes: bytes),
            ],
            comparison: comparison)
    }

    /// The fields of the script's JSON that the report shows.
    private struct ScriptHeader: Decodable {
        var tool: String
        var tableBytes: Int64
    }

    /// Runs one tool and insists that it succeeded.
    private func measure(
        _ executable: String, _ arguments: [String], tool: String, output: String, error: String
    ) throws -> ProcessMeasurement {
        let result = try ProcessMeasurement.run(
            executable, arguments: arguments, standardOutput: output, standardError: error)
        guard result.status == 0 else {
            let message = (try? String(contentsOfFile: error, encoding: .utf8)) ?? ""
            let tail = message.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw Failure(message: "\(tool) failed with status \(result.status): \(tail)")
        }
        return result
    }

    // MARK: - Preparation

    /// The comparison script: `configuration.script`, else `analysis/bench_analyze.py` under the current directory,
    /// a directory above the executable, or the package this file was compiled from.
    func locateScript() throws(Failure) -> String {
        let relative = "analysis/bench_analyze.py"
        if let script = configuration.script {
            guard FileManager.default.fileExists(atPath: script) else {
                throw Failure(message: "the comparison script \(script) does not exist")
            }
            return script
        }
        guard let script = RepositoryFile.locate(relative, executable: configuration.executable) else {
            throw Failure(
                message: "cannot find \(relative): run from the repository's root (or pass the script's path)")
        }
        return script
    }

    /// Fails early, before a trace is written, when the interpreter or its modules are missing.
    private func checkPython() throws(Failure) {
        let result: ProcessMeasurement
        do {
            result = try ProcessMeasurement.run(configuration.python, arguments: ["-c", "import h5py, numpy"])
        } catch {
            throw Failure(message: "\(error); the comparison needs Python 3 with h5py and NumPy")
        }
        guard result.status == 0 else {
            throw Failure(
                message: "\(configuration.python) cannot import h5py and numpy (status \(result.status)); "
                    + "install them with `pip install h5py numpy` (or apt-get install python3-h5py)")
        }
    }

    /// The trace to analyze, how it was generated (nil when reused), and whether it is a temporary file.
    private func prepareTrace(
        progress: (String) -> Void
    ) throws -> (path: String, generation: Report.Generation?, temporary: Bool) {
        let temporary = configuration.tracePath == nil
        let path =
            configuration.tracePath
            ?? (NSTemporaryDirectory() as NSString).appendingPathComponent(
                "normscope-bench-analyze-\(ProcessInfo.processInfo.processIdentifier).h5")
        if FileManager.default.fileExists(atPath: path) {
            let size = Self.fileSize(path)
            let kind = Self.traceKind(path)
            if kind != .notATrace, size >= configuration.traceBytes {
                progress("reusing \(path) (\(Self.megabytes(size)) MB)")
                return (path, nil, temporary)
            }
            guard kind == .synthetic || temporary else {
                throw Failure(
                    message: kind == .notATrace
                        ? "\(path) exists and is not a NormScope trace; choose another --trace path"
                        : "\(path) is a recorded trace of \(Self.megabytes(size)) MB, smaller than the "
                            + "\(Self.megabytes(configuration.traceBytes)) MB asked for; it is left alone: choose "
                            + "another --trace path or a smaller --size-gb")
            }
        }
        let directory = (path as NSString).deletingLastPathComponent
        let start = ContinuousClock.now
        progress("calibrating the synthetic trace's size (two short traces)")
        let trace = try SyntheticTrace.sized(
            atLeast: configuration.traceBytes, scratchDirectory: directory.isEmpty ? "." : directory)
        let calibration = ContinuousClock.now - start
        progress(
            "writing \(path): \(trace.runs.count) runs × \(trace.stepsPerRun) steps, \(trace.layerNames.count) "
                + "layers of width \(trace.width)")
        var lastPercent = -1
        let written = try trace.write(to: path, overwrite: true) { fraction in
            let percent = Int(fraction * 100)
            if percent / 10 != lastPercent / 10 {
                lastPercent = percent
                progress("  \(percent)% written")
            }
        }
        return (
            path,
            Report.Generation(
                seconds: written.seconds, calibrationSeconds: calibration.inSeconds, runs: trace.runs.count,
                stepsPerRun: trace.stepsPerRun, layers: trace.layerNames.count, width: trace.width),
            temporary
        )
    }

    private enum TraceKind { case notATrace, recorded, synthetic }

    /// Whether `path` is a NormScope trace, and whether this benchmark wrote it.
    private static func traceKind(_ path: String) -> TraceKind {
        do {
            let file = try File.open(path)
            defer { try? file.close() }
            guard try file.attribute(TraceFormat.Names.format, as: String.self) == TraceFormat.name,
                try file.exists(TraceFormat.Names.runs)
            else { return .notATrace }
            return try file.attributeNames().contains("synthetic_generator") ? .synthetic : .recorded
        } catch {
            return .notATrace
        }
    }

    /// Reads the file from start to end in 8 MiB pieces; returns the seconds it took.
    private static func readWhole(_ path: String) throws -> Double {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Failure(message: "cannot open \(path) for reading")
        }
        defer { try? handle.close() }
        let start = ContinuousClock.now
        while let data = try handle.read(upToCount: 8 << 20), !data.isEmpty {}
        return (ContinuousClock.now - start).inSeconds
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f", Double(bytes) / 1e6) }
}

// MARK: - Report
