import Foundation
import OutputFiles
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
        /// How `output` is named in messages: the option it came from.
        public var outputOption = "--out"
        /// Files the command reads besides the runs' datasets (which the recorder finds itself), e.g. the sweep
        /// file: the trace never replaces any of them.
        public var inputs: [CommandInput] = []

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
    /// SIGINT and SIGTERM, any number of them, stop the sweep after the current step of each run being trained
    /// (or, while the datasets load and the models are checked, before anything is written); the first prints that
    /// it is stopping. Only one model per distinct setting (seeds apart) is built before the trace is created, and
    /// each run's own when it is trained, so a sweep of a thousand seeds holds one run's model per job.
    ///
    /// - Parameter progress: Follows the sweep.
    /// - Returns: The exit status: 0, or 130/143 when SIGINT/SIGTERM stopped the sweep.
    public func record(progress: any SweepProgressObserver) throws -> Int32 {
        // First of all, so that a stop is honoured while the data load, not only once training began.
        let lineStart = isatty(STDERR_FILENO) == 1 ? "\n" : ""
        TerminationSignals.install { signal in
            lineStart + "\(signal.name): stopping after the current step; the trace keeps every recorded step "
                + "(more signals change nothing; kill -9 stops at once)\n"
        }
        defer { TerminationSignals.uninstall() }
        // A file-size limit (ulimit -f, some quotas) kills a writer with SIGXFSZ by default; ignored, the write
        // fails with EFBIG instead, and the writer stops with that said and the trace readable.
        signal(SIGXFSZ, SIG_IGN)
        let runs = try sweep.shard(options.shard.index, of: options.shard.count)
        let ids = runs.map { $0.runID(sweptKeys: sweep.sweptKeys) }
        let inputs = options.inputs + Self.dataFiles(of: runs)
        // The destination is checked before anything is loaded or trained, and again when the writer creates it.
        try TraceWriter.checkPath(
            options.output, overwrite: options.overwrite, resume: options.resume, inputs: inputs,
            option: options.outputOption)
        let jobs = max(1, min(options.jobs, runs.count))
        let threads = RowParallel.defaultTaskCount
        // A run's kernels and products are shared among RowParallel's tasks, which give the same bits for any split
        // (BLAS itself runs on one thread: see `BLAS`), so a run's rows do not depend on --jobs. With several runs
        // at once, each gets one core.
        if jobs > 1 { RowParallel.defaultTaskCount = 1 }
        defer { RowParallel.defaultTaskCount = threads }
        // Every setting checked, every dataset loaded (once per distinct one) and one model built per distinct
        // setting but the seed, before the file exists, so a bad dataset or setting fails without leaving a trace.
        var loaded: [String: RunData] = [:]
        // The prior loss once per loaded dataset (its key includes the char-LM's context, which sets its windows).
        var priors: [String: Double] = [:]
        var layers: [RunConfiguration: [NormLayerSummary]] = [:]
        for (run, id) in zip(runs, ids) {
            if let signal = TerminationSignals.received { return stoppedBeforeRecording(signal, progress) }
            try run.validate()
            let key = RunData.key(run)
            let data = try loaded[key] ?? RunData.load(run)
            if loaded[key] == nil { priors[key] = PriorLoss.of(data, context: run.context) }
            loaded[key] = data
            let shape = Self.withoutSeed(run)
            if layers[shape] == nil {
                layers[shape] = try Trainer(configuration: run, id: id, data: data, priorLoss: nil).normLayers
            }
        }
        if let signal = TerminationSignals.received { return stoppedBeforeRecording(signal, progress) }
        let writer = try TraceWriter(
            path: options.output, overwrite: options.overwrite, inputs: inputs, option: options.outputOption,
            commandLine: options.commandLine.joined(separator: " "), sweepConfigurationJSON: sweepJSON(),
            rootAttributes: [
                TraceFormat.Names.shard: .string("\(options.shard.index)/\(options.shard.count)"),
                TraceFormat.Names.runCount: .int64(Int64(runs.count)),
            ], flushEvery: options.flushEvery, compact: options.compact, live: options.live,
            declaredRuns: options.live
                ? try zip(runs, ids).map { run, id in
                    try TraceWriterSink.describe(
                        id: id, configuration: run, normLayers: layers[Self.withoutSeed(run)]!,
                        priorLoss: priors[RunData.key(run)])
                } : [],
            resume: options.resume)
        let kept = Set(writer.keptRuns)
        if !kept.isEmpty {
            progress.message(
                "Resuming \(options.output): keeping \(kept.count) finished run(s), recording "
                    + "\(ids.filter { !kept.contains($0) }.count)")
        }
        let runner = SweepRunner(
            runs: Array(zip(ids, runs)), indices: ids.indices.filter { !kept.contains(ids[$0]) }, writer: writer,
            observer: progress, shouldStop: { TerminationSignals.isStopRequested },
            makeTrainer: { index in
                let key = RunData.key(runs[index])
                return try Trainer(
                    configuration: runs[index], id: ids[index], data: loaded[key]!, priorLoss: priors[key])
            })
        runner.run(jobs: jobs)
        var failure = runner.failure
        summaries = runner.summaries.keys.sorted().map { runner.summaries[$0]! }
        // Close even after a failure: everything written so far stays readable. A stop closes without compacting:
        // the copy's time grows with the runs (seconds for a thousand), and a stop must take effect at once.
        let stopped = TerminationSignals.received
        do {
            try writer.close(compacting: stopped == nil)
        } catch {
            if failure == nil { failure = error }
        }
        // Not failures: the trace is complete (a compaction that found no room, say).
        for note in writer.notes { progress.warning(note) }
        if let failure { throw failure }
        if let signal = stopped ?? TerminationSignals.received {
            let compaction = options.compact && stopped != nil ? " (not compacted, to stop at once)" : ""
            progress.message("Stopped by \(signal.name); \(options.output) holds every recorded step\(compaction)")
            return signal.exitCode
        }
        let keptNote = kept.isEmpty ? "" : " (and kept \(kept.count) finished run(s))"
        progress.message("Recorded \(summaries.count) run(s) into \(options.output)\(keptNote)")
        return 0
    }

    /// A stop before the trace was created: nothing was written, and the exit status says why.
    private func stoppedBeforeRecording(_ signal: TerminationSignal, _ progress: any SweepProgressObserver) -> Int32 {
        progress.message("Stopped by \(signal.name) before recording; nothing was written")
        return signal.exitCode
    }

    /// The files the runs read: their datasets and IDX labels, bundled datasets aside.
    static func dataFiles(of runs: [RunConfiguration]) -> [CommandInput] {
        var files: [CommandInput] = []
        for run in runs {
            if BundledDataset(rawValue: run.dataset) == nil {
                files.append(CommandInput("the --dataset file", run.dataset))
            }
            if let labels = run.labels { files.append(CommandInput("the --labels file", labels)) }
        }
        var seen = Set<String>()
        return files.filter { seen.insert($0.path).inserted }
    }

    /// What decides a model's shape and its normalization layers: everything but the seed.
    static func withoutSeed(_ run: RunConfiguration) -> RunConfiguration {
        var shape = run
        shape.seed = 0
        return shape
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
                    + s.outcome.status.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
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
