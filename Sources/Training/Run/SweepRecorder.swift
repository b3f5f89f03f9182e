import Foundation
import Recording
import Tensors

/// Records a sweep into one trace: each run trained in turn by a ``Trainer``, written by a ``TraceWriter`` on its
/// own thread, with SIGINT/SIGTERM finishing the current step and closing the file.
///
/// This is `normscope record` and `normscope demo` without the command line.
public final class SweepRecorder {
    /// Where and how to write.
    public struct Options: Sendable {
        /// The trace's path.
        public var output: String
        /// Replace an existing file.
        public var overwrite: Bool
        /// Make the trace durable every N steps (and every 10 s).
        public var flushEvery: Int
        /// The command line, recorded in the trace.
        public var commandLine: [String]
        /// Record slice `index` of `count` of the sweep.
        public var shard: (index: Int, count: Int)
        /// Single-writer/multiple-reader mode, so readers (h5py `swmr=True`) can follow the trace while it is
        /// written; after a crash such a file needs `h5clear -s` (or an SWMR reader) to open.
        public var live = false
        /// Continue the sweep in an existing trace (`--resume`): its finished runs are kept, the others recorded again
        /// from their start. A missing trace is simply created.
        public var resume = false
        /// Rewrite the closed trace without the dead chunk copies its flushes left (`TraceWriter`'s `compact`).
        public var compact = true
        /// Runs trained at once, each on one core (BLAS and the row kernels single-threaded); 1 trains one run at
        /// a time with every core. The rows are the same for any value.
        public var jobs = 1

        public init(output: String, overwrite: Bool, flushEvery: Int, commandLine: [String], shard: (Int, Int)) {
            self.output = output
            self.overwrite = overwrite
            self.flushEvery = flushEvery
            self.commandLine = commandLine
            self.shard = (shard.0, shard.1)
        }
    }

    /// One finished run, for the closing table.
    public struct Summary: Sendable {
        public var id: String
        public var outcome: RunOutcome
        public var lastEvaluation: EvaluationRow?
        public var bestValidation: EvaluationRow?
    }

    public let sweep: SweepConfiguration
    public let options: Options
    /// The runs recorded so far.
    public private(set) var summaries: [Summary] = []

    public init(sweep: SweepConfiguration, options: Options) {
        self.sweep = sweep
        self.options = options
    }

    /// Trains every run of the shard into the trace.
    ///
    /// - Parameter progress: Follows the sweep.
    /// - Returns: The exit status: 0, or 130/143 when SIGINT/SIGTERM stopped the sweep.
    public func record(progress: any SweepProgressObserver) throws -> Int32 {
        let runs = try sweep.shard(options.shard.index, of: options.shard.count)
        let ids = runs.map { $0.runID(sweptKeys: sweep.sweptKeys) }
        // Load every dataset (once per distinct one) and build every model before the file exists, so a bad
        // dataset or setting fails without leaving a trace behind.
        let jobs = max(1, min(options.jobs, runs.count))
        let threads = RowParallel.defaultTaskCount
        // A run's kernels and products are shared among RowParallel's tasks, which give the same bits for any split
        // (BLAS itself runs on one thread: see `BLAS`), so a run's rows do not depend on --jobs. With several runs
        // at once, each gets one core.
        if jobs > 1 { RowParallel.defaultTaskCount = 1 }
        defer { RowParallel.defaultTaskCount = threads }
        var loaded: [String: RunData] = [:]
        let trainers = try zip(runs, ids).map { run, id in
            try run.validate()
            let key = RunData.key(run)
            let data = try loaded[key] ?? RunData.load(run)
            loaded[key] = data
            return try Trainer(configuration: run, id: id, data: data)
        }
        let writer = try TraceWriter(
            path: options.output, overwrite: options.overwrite, commandLine: options.commandLine.joined(separator: " "),
            sweepConfigurationJSON: sweepJSON(),
            rootAttributes: [
                "shard": .string("\(options.shard.index)/\(options.shard.count)"),
                "run_count": .int64(Int64(runs.count)),
            ], flushEvery: options.flushEvery, compact: options.compact, live: options.live,
            declaredRuns: options.live
                ? try trainers.map {
                    try TraceWriterSink.describe(id: $0.id, configuration: $0.configuration, normLayers: $0.normLayers)
                } : [],
            resume: options.resume)
        let kept = Set(writer.keptRuns)
        if !kept.isEmpty {
            progress.message(
                "Resuming \(options.output): keeping \(kept.count) finished run(s), recording "
                    + "\(trainers.filter { !kept.contains($0.id) }.count)")
        }
        TerminationSignals.install()
        defer { TerminationSignals.uninstall() }
        // A file-size limit (ulimit -f, some quotas) kills a writer with SIGXFSZ by default; ignored, the write
        // fails with EFBIG instead, and the writer stops with that said and the trace readable.
        signal(SIGXFSZ, SIG_IGN)
        let runner = SweepRunner(
            trainers: trainers, indices: trainers.indices.filter { !kept.contains(trainers[$0].id) }, writer: writer,
            observer: progress, shouldStop: { TerminationSignals.isStopRequested })
        runner.run(jobs: jobs)
        var failure = runner.failure
        summaries = runner.summaries.keys.sorted().map { runner.summaries[$0]! }
        // Close even after a failure: everything written so far stays readable.
        do {
            try writer.close()
        } catch {
            if failure == nil { failure = error }
        }
        // Not failures: the trace is complete (a compaction that found no room, say).
        for note in writer.notes { progress.warning(note) }
        if let failure { throw failure }
        if let signal = TerminationSignals.received {
            progress.message("Stopped by \(signal); the trace holds every finished step: \(options.output)")
            return 128 + signal.rawValue
        }
        let keptNote = kept.isEmpty ? "" : " (and kept \(kept.count) finished run(s))"
        progress.message("Recorded \(summaries.count) run(s) into \(options.output)\(keptNote)")
        return 0
    }

    /// The sweep as the JSON a sweep file would hold.
    private func sweepJSON() throws -> String {
        var object = try JSONSettings.object(sweep.base)
        object["presets"] = sweep.variants.map(\.json)
        object["seeds"] = sweep.seeds
        if !sweep.grid.isEmpty {
            object["grid"] = Dictionary(uniqueKeysWithValues: sweep.grid.map { ($0.key, $0.values) })
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// Each run's final and best evaluation, as an aligned table.
    public var summaryTable: String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "—" }
        var lines = [
            "run".padding(toLength: 28, withPad: " ", startingAt: 0) + "status       steps  train loss  valid loss  "
                + "gap     best valid (step)  valid acc"
        ]
        for s in summaries {
            let last = s.lastEvaluation
            let best = s.bestValidation.map { "\(number($0.validLoss)) (\($0.step))" } ?? "—"
            lines.append(
                s.id.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + s.outcome.status.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + String(s.outcome.completedSteps).padding(toLength: 7, withPad: " ", startingAt: 0)
                    + number(last?.trainLoss).padding(toLength: 12, withPad: " ", startingAt: 0)
                    + number(last?.validLoss).padding(toLength: 12, withPad: " ", startingAt: 0)
                    + number(last?.gap).padding(toLength: 8, withPad: " ", startingAt: 0)
                    + best.padding(toLength: 19, withPad: " ", startingAt: 0)
                    + number(last?.validAccuracy))
        }
        return lines.joined(separator: "\n")
    }
}
