import Foundation
import HDF5
import OutputFiles
import Tensors

/// Records training runs into a trace file (format 2, `analysis/TRACE_FORMAT.md`) from a dedicated writer thread,
/// so the trainer never waits on HDF5 or the disk unless it is far ahead.
///
/// ```swift
/// let writer = try TraceWriter(
///     path: "runs/digits.h5", commandLine: CommandLine.arguments.joined(separator: " "),
///     sweepConfigurationJSON: sweepJSON)
/// let run = try writer.beginRun(description)
/// for step in 0..<steps {
///     try writer.append(step: stepRow, norms: gradRows, phi: phiRecords, to: run)   // returns at once
///     if step % 100 == 0 { try writer.append(evaluation: evalRow, to: run) }
/// }
/// try writer.finishRun(run, status: .completed, completedSteps: Int64(steps))
/// try writer.close()
/// ```
///
/// **Threads.** The writer thread creates the file and makes every HDF5 call of it; the calls here only put
/// messages in a bounded queue (`queueCapacity` messages). `append` returns at once unless the queue is full, in
/// which case it waits for room: back-pressure instead of unbounded memory. Calls may come from any thread; rows
/// of one run must come in step order from one thread.
///
/// **Buffering and durability.** The writer keeps each dataset's new rows in memory and appends them a chunk
/// (`chunkRows`) at a time, or at a flush. It flushes (appends everything, then `H5Fflush`) every `flushEvery`
/// steps or `flushInterval`, whichever comes first, when a run begins or finishes, and on `flush()`. A recorder
/// killed at any moment (even by SIGKILL) leaves a file that h5py and `File.open` read, holding every row up to the
/// last flush: the default (compatible) file format is used for exactly that reason (a killed writer of the latest
/// format leaves a file marked open that a plain open refuses).
///
/// **Live mode.** `live: true` writes the latest file format in single-writer/multiple-reader (SWMR) mode, so
/// h5py (`swmr=True`) can follow a recording as it grows. SWMR forbids creating objects once it has started, so
/// every run must be declared up front (`declaredRuns`), and `beginRun` then takes one of them; statuses are
/// written when the writer closes. A killed live recorder's file opens in SWMR-read mode, and in any reader after
/// `h5clear -s FILE`.
///
/// **Errors.** An error met on the writer thread (a full disk, an HDF5 failure) stops the recording and is thrown,
/// as a one-line `TraceWriterError`, by the next call and by `close()`; every flushed row stays readable. Misuse
/// that is a programming error (a wrong number of layer rows, a handle from another writer) traps.
public final class TraceWriter: Sendable {
    /// The trace file's path.
    public let path: String
    /// Whether the trace is written in live (SWMR) mode.
    public let isLive: Bool
    private let channel: WriterChannel
    /// This writer's claim on `path`, released when the file is closed.
    private let writerLock: WriterLock
    /// This writer's claim on the file itself, under whatever name, held as long as `writerLock`.
    private let fileLock: TraceFileLock
    private let state: ProducerState
    /// The finished runs an existing trace already held when the writer resumed it (`resume: true`), kept as they
    /// are; empty for a new trace.
    public let keptRuns: [String]

    /// Creates the trace file and starts its writer thread.
    ///
    /// The path is checked as every writing command checks its output (`OutputFile`): a folder, anything but a
    /// regular file, a dangling symbolic link, one of `inputs` (by file identity) or an existing file without
    /// `overwrite` is refused; a symbolic link is written through, to the file it names. The trace is created under
    /// a unique hidden name beside its path and renamed into place, whole, before the first step: an existing file
    /// is replaced, never truncated in place. One writer per file: another writer of the same path, or of the same
    /// file under another name (a hard or symbolic link), is refused (`WriterLock`, `TraceFileLock`).
    ///
    /// - Parameters:
    ///   - path: where to write the trace; its directory must exist.
    ///   - overwrite: replace an existing file; when false (the default) an existing file is an error.
    ///   - inputs: the files the recording reads (its datasets, its sweep file), never to be written over.
    ///   - option: how the path is named in messages (`"--out"`).
    ///   - commandLine: the command that records, stored as the root attribute `command_line`.
    ///   - sweepConfigurationJSON: the whole configuration as JSON text, stored as the root attribute `config`.
    ///   - rootAttributes: further root attributes (the format's own names cannot be overridden).
    ///   - flushEvery: flush after this many steps (across runs) at most; default 100.
    ///   - flushInterval: flush when this much time has passed since the last flush and rows are waiting; default 10 s.
    ///   - queueCapacity: messages the queue holds before `append` waits; default 256.
    ///   - chunkRows: rows per chunk of every appendable dataset; default 1024.
    ///   - compressionLevel: deflate level (after the shuffle filter), 1…9; default 4.
    ///   - compact: after a clean close, rewrite the trace without the dead copies of chunks its flushes left
    ///     (`TraceCompaction`; default true). A failed compaction leaves the trace as closed and says so in
    ///     `notes`.
    ///   - chunkWriting: who compresses the chunks: every core before HDF5 stores them (`.automatic`, the
    ///     default), or HDF5's own filters on the writer thread (`.hdf5Filters`). The file is the same format.
    ///   - live: write in SWMR mode so readers can follow; requires `declaredRuns`.
    ///   - declaredRuns: runs created up front, before any step (required in live mode, allowed otherwise).
    ///   - resume: when `path` exists, record into it instead of refusing it: its finished (completed or diverged)
    ///     runs are kept (`keptRuns`), its unfinished ones removed so that they can be begun again from their
    ///     start. The trace must be of this format, with the same `sweepConfigurationJSON` and the same values of
    ///     `rootAttributes`. Not with `overwrite` or `live`.
    /// - Throws: `TraceWriterError` with `.fileExists`, `.directoryNotFound`, `.refused` (see above), `.inUse`
    ///   (another writer has the path or the file), `.invalidRequest` (bad JSON or run descriptions) or `.hdf5`
    ///   (the file could not be created).
    public convenience init(
        path: String, overwrite: Bool = false, inputs: [CommandInput] = [], option: String = "the trace",
        commandLine: String, sweepConfigurationJSON: String,
        rootAttributes: [String: AttributeValue] = [:], flushEvery: Int = 100, flushInterval: Duration = .seconds(10),
        queueCapacity: Int = 256, chunkRows: Int = 1024, compressionLevel: Int = 4,
        chunkWriting: TraceChunkWriting = .automatic, compact: Bool = true, live: Bool = false,
        declaredRuns: [RunDescription] = [], resume: Bool = false
    ) throws(TraceWriterError) {
        var configuration = WriterConfiguration(
            path: path, overwrite: overwrite, commandLine: commandLine,
            sweepConfigurationJSON: sweepConfigurationJSON, rootAttributes: rootAttributes,
            flushEvery: flushEvery, flushIntervalSeconds: flushInterval.inSeconds,
            chunkRows: chunkRows, compressionLevel: compressionLevel, chunkWriting: chunkWriting, live: live,
            declaredRuns: declaredRuns, created: Date(), failAfterSteps: nil)
        configuration.compactOnClose = compact
        configuration.inputs = inputs
        configuration.option = option
        try self.init(configuration: configuration, queueCapacity: queueCapacity, resume: resume)
    }

    /// The designated initializer; tests reach it to inject faults.
    init(configuration: WriterConfiguration, queueCapacity: Int, resume: Bool = false) throws(TraceWriterError) {
        var configuration = configuration
        let path = configuration.path
        func invalid(_ message: String) -> TraceWriterError {
            TraceWriterError(code: .invalidRequest, path: path, message: message)
        }
        guard configuration.flushEvery >= 1 else { throw invalid("flushEvery must be at least 1 step") }
        guard configuration.flushIntervalSeconds > 0 else { throw invalid("flushInterval must be positive") }
        guard queueCapacity >= 1 else { throw invalid("queueCapacity must be at least 1 message") }
        guard configuration.chunkRows >= 1 else { throw invalid("chunkRows must be at least 1") }
        if case .parallel(let tasks) = configuration.chunkWriting, tasks < 1 {
            throw invalid("chunkWriting .parallel needs at least 1 task, got \(tasks)")
        }
        guard (1...9).contains(configuration.compressionLevel) else {
            throw invalid("compressionLevel must be 1…9, got \(configuration.compressionLevel)")
        }
        guard RunDescription.isJSON(configuration.sweepConfigurationJSON) else {
            throw invalid("the sweep configuration is not valid JSON")
        }
        if resume && configuration.overwrite { throw invalid("resuming a trace and overwriting it exclude each other") }
        if resume && configuration.live {
            throw invalid("a live (SWMR) trace cannot be resumed: its runs are all created when it starts")
        }
        if configuration.live && configuration.declaredRuns.isEmpty {
            throw invalid("live (SWMR) mode needs every run declared up front: pass declaredRuns")
        }
        var ids = Set<String>()
        for run in configuration.declaredRuns {
            if let problem = run.problem { throw invalid(problem) }
            if !ids.insert(run.id).inserted { throw invalid("run '\(run.id)' is declared twice") }
        }
        let output = try Self.checkPath(
            path, overwrite: configuration.overwrite, resume: resume, inputs: configuration.inputs,
            option: configuration.option)
        // Claimed before the file is looked at, beside the file a symbolic link names: with --force, the check
        // below would otherwise let a second writer replace the first one's trace.
        let claim = try WriterLock(destination: output.destination, tracePath: path)
        // A compaction killed before its rename left its scratch copy; the trace itself is whole.
        TraceCompaction.removeLeftover(for: output.destination)
        var kept: [String] = []
        let fileLock: TraceFileLock
        if resume && output.replaces {
            // Resuming opens the trace in place, under its lock, and only then reads it.
            fileLock = try TraceFileLock(path: output.destination, tracePath: path)
            let existing = try ResumableTrace.inspect(
                path: output.destination, sweepConfigurationJSON: configuration.sweepConfigurationJSON,
                rootAttributes: configuration.rootAttributes)
            configuration.resumeReplacing = existing.replacedRuns
            kept = existing.keptRuns
            configuration.placement = .inPlace(destination: output.destination)
        } else {
            // Never truncated in place (through a hard link that would destroy another name's data, and a reader
            // of the old file would see it vanish): a new file under a unique name beside it, renamed over it by
            // the writer thread once it is a valid trace, before the first step.
            let temporary: String
            do {
                temporary = try output.makeTemporary()
            } catch {
                throw TraceWriterError(refusal: error, path: path)
            }
            do {
                fileLock = try TraceFileLock(path: temporary, tracePath: path)
            } catch {
                output.discard(temporary)
                throw error
            }
            configuration.placement = .aside(output, temporary: temporary)
        }
        configuration.fileIdentity = fileLock.identity

        self.path = path
        writerLock = claim
        self.fileLock = fileLock
        isLive = configuration.live
        channel = WriterChannel(capacity: queueCapacity, path: path)
        keptRuns = kept
        state = ProducerState(declaredRuns: configuration.declaredRuns, existingRuns: kept)
        let channel = channel
        let startTicket = channel.makeTicket()
        let writerConfiguration = configuration
        let thread = Thread {
            TraceFileWriter.run(configuration: writerConfiguration, channel: channel, startTicket: startTicket)
        }
        thread.name = "normscope.trace-writer"
        thread.start()
        try channel.waitForAnswer(startTicket)
    }

    /// Checks `path` as the initializer does, so that a command can refuse it in one line before it loads or
    /// trains anything: a folder, anything but a regular file, a dangling symbolic link, a missing or read-only
    /// folder, one of `inputs` (by file identity), or an existing file without `overwrite` (or `resume`, which
    /// opens it) is refused.
    /// - Returns: the checked destination; through a symbolic link, the file it names.
    @discardableResult
    public static func checkPath(
        _ path: String, overwrite: Bool, resume: Bool = false, inputs: [CommandInput] = [], option: String = "the trace"
    ) throws(TraceWriterError) -> OutputFile {
        do {
            return try OutputFile(path, option: option, force: overwrite || resume, inputs: inputs, example: "trace.h5")
        } catch {
            throw TraceWriterError(refusal: error, path: path)
        }
    }

    deinit {
        // A writer dropped without close() still closes its file; errors have nowhere to go here.
        if !state.isClosed { _ = closeResult() }
    }

    // MARK: - Runs

    /// Begins a run: creates `runs/<id>` with its attributes and empty datasets (status "running") and makes it
    /// durable. Waits for the writer thread, so a problem is thrown here.
    ///
    /// In live mode, the run must be one of `declaredRuns` (created when the writer started).
    /// - Throws: `.invalidRequest` for a bad or duplicate description, or the writer's failure.
    public func beginRun(_ run: RunDescription) throws(TraceWriterError) -> RunHandle {
        let index = try state.register(run, live: isLive, path: path)
        let ticket = channel.makeTicket()
        try channel.send(.begin(index: index, run: run, ticket: ticket))
        try channel.waitForAnswer(ticket)
        return RunHandle(
            id: run.id, index: index, writerID: ObjectIdentifier(self), layerCount: run.normLayers.count,
            phiHistogramWidths: run.normLayers.map(\.phiHistogramWidth),
            rawSizes: run.normLayers.map { 4 * $0.rawRows * $0.width })
    }

    /// Queues one training step: its `steps` row, one `grad` row per normalization layer (in the order of
    /// `RunDescription.normLayers`), and Φ records for the adaptive layers that recorded one this step.
    /// Returns at once unless the queue is full.
    /// - Throws: the writer's failure, or `.invalidRequest`/`.closed` for a finished run or a closed writer.
    public func append(
        step row: StepRow, norms: [NormStepRow], phi: [PhiRecord] = [], to run: RunHandle
    ) throws(TraceWriterError) {
        check(run)
        precondition(
            norms.count == run.layerCount,
            "TraceWriter.append expects one NormStepRow per layer (\(run.layerCount)) for run '\(run.id)', "
                + "got \(norms.count)"
        )
        for record in phi {
            precondition(
                run.phiHistogramWidths.indices.contains(record.layerIndex),
                "PhiRecord.layerIndex \(record.layerIndex) is not a layer of run '\(run.id)'")
            guard let width = run.phiHistogramWidths[record.layerIndex] else {
                preconditionFailure("layer \(record.layerIndex) of run '\(run.id)' has no phiEdges, so it records no Φ")
            }
            precondition(
                record.counts.count == width,
                "Φ histogram of layer \(record.layerIndex) needs \(width) counts (below, bins, above), "
                    + "got \(record.counts.count)"
            )
        }
        try state.checkWritable(run, path: path)
        try channel.send(.step(run: run.index, row: row, norms: norms, phi: phi))
    }

    /// Queues one evaluation row. Returns at once unless the queue is full.
    /// - Throws: the writer's failure, or `.invalidRequest`/`.closed` for a finished run or a closed writer.
    /// Queues raw gradient parts of one layer at `step`: `4 × rawRows × width` values, total then direct,
    /// re-centering and re-scaling, each row-major over the layer's first `rawRows` input rows.
    public func append(
        rawParts values: [Float], layer: Int, step: Int64, to run: RunHandle
    ) throws(TraceWriterError) {
        check(run)
        precondition(
            run.rawSizes.indices.contains(layer) && run.rawSizes[layer] > 0,
            "layer \(layer) of run '\(run.id)' was declared without raw rows")
        precondition(
            values.count == run.rawSizes[layer],
            "raw parts of layer \(layer) need \(run.rawSizes[layer]) values, got \(values.count)")
        try state.checkWritable(run, path: path)
        try channel.send(.raw(run: run.index, layer: layer, step: step, values: values))
    }

    public func append(evaluation row: EvaluationRow, to run: RunHandle) throws(TraceWriterError) {
        check(run)
        try state.checkWritable(run, path: path)
        try channel.send(.evaluation(run: run.index, row: row))
    }

    /// Ends a run: records its status, `completed_steps` and `diverged_step` (-1 when `divergedAtStep` is nil), and
    /// flushes. In live mode the attributes are written when the writer closes (SWMR cannot change them).
    /// - Parameters:
    ///   - run: the run.
    ///   - status: how it ended; not `.running`.
    ///   - divergedAtStep: the step whose loss was not finite (or above the threshold), for `.diverged`.
    ///   - divergenceReason: why it diverged, stored as `diverged_reason`, for `.diverged`.
    ///   - completedSteps: optimizer steps the run completed.
    /// - Throws: the writer's failure, or `.invalidRequest`/`.closed` for a finished run or a closed writer.
    public func finishRun(
        _ run: RunHandle, status: RunStatus, divergedAtStep: Int64? = nil, divergenceReason: String? = nil,
        completedSteps: Int64
    ) throws(TraceWriterError) {
        check(run)
        precondition(status != .running, "finishRun needs a final status, got .running")
        try state.finish(run, path: path)
        try channel.send(
            .finish(
                run: run.index, status: status, divergedAtStep: divergedAtStep, divergenceReason: divergenceReason,
                completedSteps: completedSteps))
    }

    // MARK: - Durability and closing

    /// Appends every row queued so far and flushes the file; when it returns, all of it is on disk. Blocks.
    /// - Throws: the writer's failure, or `.closed`.
    public func flush() throws(TraceWriterError) {
        try state.checkOpen(path: path)
        let ticket = channel.makeTicket()
        try channel.send(.flush(ticket: ticket))
        try channel.waitForAnswer(ticket)
    }

    /// Writes everything queued, marks runs that were begun and not finished as "interrupted", closes the file and
    /// ends the writer thread. Calling it again returns the same result.
    /// - Parameter compacting: give back the trace's dead space (`compact`); false closes it as its flushes left
    ///   it, at once: what a recorder asked to stop does, since a compaction takes time that grows with the runs.
    /// - Throws: the first error the writer thread met, if any.
    public func close(compacting: Bool = true) throws(TraceWriterError) {
        let error = closeResult(compacting: compacting)
        fileLock.release()
        writerLock.release()
        if let error { throw error }
    }

    /// Closes once; later calls (and concurrent ones) get the first call's result.
    private func closeResult(compacting: Bool = true) -> TraceWriterError? {
        state.closeOnce {
            let ticket = channel.makeTicket()
            do throws(TraceWriterError) {
                try channel.send(.close(ticket: ticket, compact: compacting), evenAfterFailure: true)
                try channel.waitForAnswer(ticket)
                return nil
            } catch {
                return error
            }
        }
    }

    /// What the writer had to say that is not an error, once `close()` returned: a trace it could not compact
    /// (full disk), complete but larger than its data. Print these.
    public var notes: [String] { channel.notes }

    // MARK: - Test hooks

    /// Waits until the writer has handled every message sent so far, without flushing.
    func waitUntilIdle() throws(TraceWriterError) {
        let ticket = channel.makeTicket()
        try channel.send(.barrier(ticket: ticket))
        try channel.waitForAnswer(ticket)
    }

    /// The most messages that were ever waiting in the queue at once.
    var maximumQueueLength: Int { channel.maximumQueueLength }

    private func check(_ run: RunHandle) {
        precondition(run.writerID == ObjectIdentifier(self), "run '\(run.id)' was begun on another TraceWriter")
    }
}

/// The producer side's bookkeeping: which runs exist, which are finished, whether the writer is closed.
///
/// `@unchecked Sendable` because its mutable state is only touched while `lock` is held.
private final class ProducerState: @unchecked Sendable {
    private let lock = NSLock()
    private var runIndices: [String: Int] = [:]
    /// Runs created up front, by id: `beginRun` must repeat their description exactly.
    private var declared: [String: RunDescription]
    private var begun: Set<Int> = []
    private var finished: Set<Int> = []
    private var closeOutcome: TraceWriterError??
    /// Runs a resumed trace already holds, finished.
    private let existing: Set<String>

    init(declaredRuns: [RunDescription], existingRuns: [String] = []) {
        existing = Set(existingRuns)
        declared = Dictionary(declaredRuns.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, run) in declaredRuns.enumerated() { runIndices[run.id] = index }
    }

    var isClosed: Bool { lock.withLock { closeOutcome != nil } }

    /// Reserves the run's index, checking the description first.
    func register(_ run: RunDescription, live: Bool, path: String) throws(TraceWriterError) -> Int {
        func invalid(_ message: String) -> TraceWriterError {
            TraceWriterError(code: .invalidRequest, path: path, message: message)
        }
        if let problem = run.problem { throw invalid(problem) }
        let result: Result<Int, TraceWriterError> = lock.withLock {
            if closeOutcome != nil { return .failure(Self.closedError(path)) }
            if existing.contains(run.id) {
                return .failure(invalid("run '\(run.id)' exists already in this trace, finished (kept on resuming)"))
            }
            if let index = runIndices[run.id] {
                if let description = declared[run.id], !begun.contains(index) {
                    // The file already holds the declared layers; rows shaped for other ones would not fit.
                    guard description == run else {
                        return .failure(invalid("run '\(run.id)' differs from the description it was declared with"))
                    }
                    begun.insert(index)
                    return .success(index)
                }
                return .failure(invalid("run '\(run.id)' exists already in this trace"))
            }
            if live { return .failure(invalid("run '\(run.id)' was not declared; live mode needs every run up front")) }
            let index = runIndices.count
            runIndices[run.id] = index
            begun.insert(index)
            return .success(index)
        }
        return try result.get()
    }

    func checkOpen(path: String) throws(TraceWriterError) {
        if isClosed { throw Self.closedError(path) }
    }

    func checkWritable(_ run: RunHandle, path: String) throws(TraceWriterError) {
        let problem: TraceWriterError? = lock.withLock {
            if closeOutcome != nil { return Self.closedError(path) }
            if finished.contains(run.index) {
                return TraceWriterError(
                    code: .invalidRequest, path: path, message: "run '\(run.id)' is finished; it takes no more rows")
            }
            return nil
        }
        if let problem { throw problem }
    }

    func finish(_ run: RunHandle, path: String) throws(TraceWriterError) {
        try checkWritable(run, path: path)
        lock.withLock { _ = finished.insert(run.index) }
    }

    /// Runs `body` the first time only, and returns its result every time; concurrent callers wait for it.
    func closeOnce(_ body: () -> TraceWriterError?) -> TraceWriterError? {
        // Holding the lock across `body` makes a second closer wait for the first. Producer calls made meanwhile
        // wait here too and then see the writer closed; body itself never takes this lock.
        lock.lock()
        defer { lock.unlock() }
        if let closeOutcome { return closeOutcome }
        let outcome = body()
        closeOutcome = .some(outcome)
        return outcome
    }

    static func closedError(_ path: String) -> TraceWriterError {
        TraceWriterError(code: .closed, path: path, message: "the trace writer is closed")
    }
}
