import Foundation
import HDF5
import OutputFiles
import Tensors

/// What the writer thread needs to create and write a trace: the `TraceWriter` initializer's arguments.
struct WriterConfiguration: Sendable {
    var path: String
    var overwrite: Bool
    var commandLine: String
    var sweepConfigurationJSON: String
    var rootAttributes: [String: AttributeValue]
    var flushEvery: Int
    var flushIntervalSeconds: Double
    var chunkRows: Int
    var compressionLevel: Int
    /// Who filters the chunks: HDF5 on the writer thread, or every core before `H5Dwrite_chunk`.
    var chunkWriting: TraceChunkWriting = .automatic
    var live: Bool
    var declaredRuns: [RunDescription]
    var created: Date
    /// Test hook: fail as a full disk would after handling this many steps.
    var failAfterSteps: Int?
    /// Give back the dead space of a cleanly closed trace (`TraceCompaction`).
    var compactOnClose = true
    /// Test hook: the compaction fails as on a full disk.
    var failCompaction = false
    /// Resuming: open the existing trace instead of creating one, and remove these unfinished runs first.
    var resumeReplacing: [String]? = nil
    /// The files the recording reads, which the trace must not replace.
    var inputs: [CommandInput] = []
    /// How the path is named in messages (`--out`).
    var option = "the trace"
    /// Where the writer thread writes; set by `TraceWriter` once it checked the path and claimed it.
    var placement: TracePlacement? = nil
    /// The file `TraceFileLock` holds: what the path must still name at every flush.
    var fileIdentity: FileIdentity? = nil
}

/// Where a trace is written: into the existing trace (resuming), or into a temporary file beside the destination,
/// renamed over it once it is a valid trace (root attributes, declared runs, flushed), before the first step.
enum TracePlacement: Sendable {
    case inPlace(destination: String)
    case aside(OutputFile, temporary: String)
}

/// The writer thread's side: owns the HDF5 `File` and every object in it, turns queued messages into rows, and
/// decides when to append and when to flush. Every HDF5 call of a trace happens here, on one thread, because the
/// serial HDF5 library is not thread-safe (README, "Threads"). Not `Sendable`, on purpose.
final class TraceFileWriter {
    typealias Names = TraceFormat.Names

    private let configuration: WriterConfiguration
    private let channel: WriterChannel
    private var file: File?
    /// Where the file is now: its temporary name until it is renamed into place, then its destination.
    private var location: String
    /// Whether a temporary trace was renamed into place (or the trace was opened in place).
    private var isInPlace: Bool
    /// Runs by index; nil for an index whose `beginRun` failed, and (but in live mode) for a finished run.
    private var runs: [RunTables?] = []
    private var stepsSinceFlush = 0
    private var lastFlush = ContinuousClock.now
    /// Whether rows arrived since the last flush, so an idle writer does not flush (or wake up) for nothing.
    private var isDirty = false
    private var hasFailed = false
    private var stepsHandled = 0
    /// The file's allocated size at its last successful flush: what its on-disk structures refer to.
    private var flushedSize: UInt64?
    /// Whether the file's descriptor was pointed away from the disk after a failure.
    private var isDetached = false
    /// Filters chunks on every core (`chunkWriting` `.parallel`); nil when HDF5's filters do.
    private let encoder: ChunkEncoder?

    private init(configuration: WriterConfiguration, channel: WriterChannel) {
        self.configuration = configuration
        self.channel = channel
        switch configuration.placement {
        case .aside(_, let temporary):
            (location, isInPlace) = (temporary, false)
        case .inPlace(let destination):
            (location, isInPlace) = (destination, true)
        case nil:
            preconditionFailure("TraceFileWriter needs the placement TraceWriter sets")
        }
        switch configuration.chunkWriting {
        case .hdf5Filters: encoder = nil
        case .parallel(let tasks): encoder = ChunkEncoder(tasks: max(1, tasks))
        }
    }

    /// The writer thread's body: creates the file, answers `startTicket`, then handles messages until `.close`.
    static func run(configuration: WriterConfiguration, channel: WriterChannel, startTicket: Int) {
        let writer = TraceFileWriter(configuration: configuration, channel: channel)
        defer { channel.endWriter() }
        do throws(TraceWriterError) {
            try writer.start()
        } catch {
            writer.abandonFile()
            channel.fail(error)
            channel.answer(startTicket, with: error)
            return
        }
        channel.answer(startTicket, with: nil)
        writer.loop()
    }

    // MARK: - Start

    /// Creates the file with its root attributes (and, declared up front, its runs), starts SWMR in live mode,
    /// and flushes, so that the file is a valid empty trace before the first step.
    private func start() throws(TraceWriterError) {
        if let replacing = configuration.resumeReplacing { return try resume(replacing: replacing) }
        guard case .aside(let output, let temporary) = configuration.placement else {
            preconditionFailure("a new trace is written aside")
        }
        let path = configuration.path
        let file: File
        do {
            // The empty temporary `OutputFile` made, under this writer's file lock: HDF5 fills the same inode.
            // Crash-consistent in live (SWMR) mode too: with metadata evictions on, HDF5 1.10.8's SWMR writer fails
            // once the cache evicts chunk-index entries ("can't write unprocessed chunk data (Child entry doesn't
            // have a flush dependency parent array)", then heap corruption), after about 390 runs of the digits MLP
            // (`record --seeds 500 --steps 1 --live`); keeping metadata until each flush avoids it.
            file = try File.create(
                temporary, mode: .truncate, format: configuration.live ? .latest : .compatible,
                crashConsistent: true)
        } catch {
            throw TraceWriterError(error, path: path, while: "creating the trace", leaving: .nothingWritten)
        }
        self.file = file
        do {
            try writeRootAttributes(file)
            for (index, run) in configuration.declaredRuns.enumerated() {
                runs.append(try RunTables(in: file, run: run, layout: layout, encoder: encoder))
                precondition(runs.count == index + 1)
            }
            if configuration.live {
                // Every object exists now; from here on only appends are allowed (HDF5's SWMR rule).
                try file.startSWMRWrite()
            }
            // A recorder killed before its first step still leaves a valid, if empty, trace.
            try flushFile()
        } catch {
            throw TraceWriterError(error, path: path, while: "creating the trace", leaving: .nothingWritten)
        }
        // Into place before the first step, so that readers following the path (`--live`) and the promise of every
        // step up to the last flush hold from then on; without `overwrite`, only if the path is still free.
        do {
            try output.commit(temporary)
        } catch {
            throw TraceWriterError(refusal: error, path: path)
        }
        location = output.destination
        isInPlace = true
    }

    /// Opens an existing trace to record the rest of its sweep (`ResumableTrace` checked it): removes the runs that
    /// will be recorded again, notes the resumption at the root, and flushes, before the first new step.
    private func resume(replacing: [String]) throws(TraceWriterError) {
        let path = configuration.path
        let file: File
        do {
            file = try File.open(location, mode: .readWrite, crashConsistent: true)
        } catch {
            throw TraceWriterError(error, path: path, while: "opening the trace to resume it", leaving: .traceUnchanged)
        }
        self.file = file
        do {
            let runs = try file.openGroup(Names.runs)
            for id in replacing { try runs.removeLink(id) }
            try runs.close()
            try file.setAttribute(Names.resumedAt, Self.iso8601(configuration.created))
            try file.setAttribute(Names.resumeCommandLine, configuration.commandLine)
            try flushFile()
        } catch {
            throw TraceWriterError(error, path: path, while: "opening the trace to resume it")
        }
    }

    /// The root attributes of the trace format and the empty `/runs` group.
    private func writeRootAttributes(_ file: File) throws(HDF5Error) {
        for key in configuration.rootAttributes.keys.sorted() {
            try file.setAttributeValue(key, configuration.rootAttributes[key]!)
        }
        // Written after the caller's attributes so the format's own cannot be overridden by them.
        try file.setAttribute(Names.format, TraceFormat.name)
        try file.setAttribute(Names.formatVersion, TraceFormat.version)
        try file.setAttribute(Names.toolVersion, TraceFormat.toolVersion)
        try file.setAttribute(Names.hdf5Version, HDF5Version.string)
        try file.setAttribute(Names.created, Self.iso8601(configuration.created))
        try file.setAttribute(Names.commandLine, configuration.commandLine)
        try file.setAttribute(Names.config, configuration.sweepConfigurationJSON)
        try file.createGroup(Names.runs).close()
    }

    /// `2025-01-31T12:00:00Z`.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The layout of every appendable dataset: chunked along the step axis, shuffle + deflate.
    private var layout: DatasetLayout {
        .appendable(
            chunkRows: configuration.chunkRows,
            compression: .deflate(level: configuration.compressionLevel, shuffle: true))
    }

    /// After a failed start: close what was opened and remove the temporary we created, which never became the
    /// trace. A resumed trace is the user's: never removed.
    private func abandonFile() {
        if let file {
            runs = []
            do { try file.close() } catch {}
            self.file = nil
        }
        if !isInPlace, case .aside(let output, let temporary) = configuration.placement { output.discard(temporary) }
    }

    // MARK: - The loop

    /// Handles messages until `.close`. Between messages, waits no longer than the next interval flush.
    private func loop() {
        while true {
            guard let message = channel.receive(until: flushDeadline) else {
                // Woken by the interval (or a look at the queue): flush if it is time.
                attempt("flushing") { () throws(HDF5Error) in try flushIfDue() }
                continue
            }
            if case .close(let ticket, let compact) = message {
                close(compacting: compact)
                channel.answer(ticket, with: channel.currentFailure)
                return
            }
            if hasFailed {
                // Rows after a failure are dropped; requests still get the failure as their answer.
                if !message.isData { answer(message) }
                continue
            }
            handle(message)
            attempt("flushing") { () throws(HDF5Error) in try flushIfDue() }
        }
    }

    /// When the interval flush is due, or nil while nothing waits to be flushed.
    private var flushDeadline: Date? {
        guard isDirty, !hasFailed else { return nil }
        let elapsed = ContinuousClock.now - lastFlush
        let remaining = configuration.flushIntervalSeconds - elapsed.inSeconds
        return Date(timeIntervalSinceNow: max(0, remaining))
    }

    /// Applies one message while the writer is healthy; an HDF5 error turns into the writer's sticky failure.
    private func handle(_ message: WriterMessage) {
        switch message {
        case .begin(let index, let run, let ticket):
            let ok = attempt("beginning run '\(run.id)'") { () throws(HDF5Error) in try begin(index: index, run: run) }
            channel.answer(ticket, with: ok ? nil : channel.currentFailure)
        case .step(let index, let row, let norms, let phi):
            attempt("writing run '\(runs[index]?.run.id ?? "?")'") { () throws(HDF5Error) in
                guard let run = runs[index] else { return }
                run.add(step: row, norms: norms, phi: phi)
                stepsSinceFlush += 1
                isDirty = true
                stepsHandled += 1
                if let limit = configuration.failAfterSteps, stepsHandled >= limit {
                    throw HDF5Error(
                        code: .library, operation: "H5Dwrite", filePath: configuration.path,
                        message: "write failed (injected fault: No space left on device)")
                }
                try run.writeFullChunks(chunkRows: configuration.chunkRows)
            }
        case .evaluation(let index, let row):
            attempt("writing run '\(runs[index]?.run.id ?? "?")'") { () throws(HDF5Error) in
                guard let run = runs[index] else { return }
                run.add(evaluation: row)
                isDirty = true
                try run.writeFullChunks(chunkRows: configuration.chunkRows)
            }
        case .raw(let index, let layer, let step, let values):
            attempt("writing run '\(runs[index]?.run.id ?? "?")'") { () throws(HDF5Error) in
                guard let run = runs[index] else { return }
                try run.layers[layer].addRaw(step: step, values: values)
                isDirty = true
            }
        case .finish(let index, let status, let divergedAtStep, let divergenceReason, let completedSteps):
            attempt("finishing run '\(runs[index]?.run.id ?? "?")'") { () throws(HDF5Error) in
                guard let run = runs[index] else { return }
                let outcome = RunStatusAttributes(
                    status: status, divergedAtStep: divergedAtStep, completedSteps: completedSteps,
                    divergenceReason: divergenceReason)
                run.outcome = outcome
                // In live mode attributes cannot change under SWMR; close() writes the outcome after SWMR ends.
                if !configuration.live { try RunTables.writeOutcome(outcome, on: run.group) }
                // A finished run is a natural point to make everything durable.
                try flushAll()
                if !configuration.live {
                    // Nothing more goes into it: its buffers and HDF5 objects go, so a sweep of a thousand runs
                    // holds those of the runs being trained only. (Live, close() still writes its outcome.)
                    try run.close()
                    runs[index] = nil
                }
            }
        case .flush, .barrier, .close:
            answer(message)
        }
    }

    /// Answers a synchronous request that carries no rows.
    private func answer(_ message: WriterMessage) {
        switch message {
        case .flush(let ticket):
            if !hasFailed { attempt("flushing") { () throws(HDF5Error) in try flushAll() } }
            channel.answer(ticket, with: channel.currentFailure)
        case .barrier(let ticket), .begin(_, _, let ticket):
            channel.answer(ticket, with: channel.currentFailure)
        default:
            break
        }
    }

    /// Creates run `index` (or, in live mode, marks the declared one begun).
    private func begin(index: Int, run: RunDescription) throws(HDF5Error) {
        if index < runs.count, let declared = runs[index] {
            // Declared runs were created at start (in live mode, before SWMR began).
            declared.isBegun = true
            return
        }
        // Two threads beginning runs at once may deliver the later index first.
        while runs.count <= index { runs.append(nil) }
        let tables = try RunTables(in: file!, run: run, layout: layout, encoder: encoder)
        tables.isBegun = true
        runs[index] = tables
        // The new run's group and attributes are durable before its first step.
        try flushAll()
    }

    /// Runs `body`; on an HDF5 error records the writer's failure (writing stops) and returns false.
    @discardableResult
    private func attempt(_ action: String, _ body: () throws(HDF5Error) -> Void) -> Bool {
        do {
            try body()
            return true
        } catch {
            hasFailed = true
            channel.fail(TraceWriterError(error, path: configuration.path, while: action))
            // From here on HDF5 must not write to the disk: the next write could land beside a failed one and
            // leave structures that point past the end of the file.
            if !isDetached, let file {
                isDetached = true
                file.detachFromDisk(truncatingTo: flushedSize)
            }
            return false
        }
    }

    // MARK: - Flushing

    /// Flushes when `flushEvery` steps or `flushInterval` have passed since the last flush, and rows are waiting.
    private func flushIfDue() throws(HDF5Error) {
        guard isDirty, !hasFailed else { return }
        let intervalPassed = (ContinuousClock.now - lastFlush).inSeconds >= configuration.flushIntervalSeconds
        if stepsSinceFlush >= configuration.flushEvery || intervalPassed { try flushAll() }
    }

    /// Appends every pending row of every run, then `H5Fflush`: after this, a writer killed at any moment leaves a
    /// file holding all of it (the crash-safety tests kill a real recorder to show it).
    private func flushAll() throws(HDF5Error) {
        for run in runs { try run?.writeAll() }
        try flushFile()
        stepsSinceFlush = 0
        isDirty = false
        lastFlush = .now
    }

    /// `H5Fflush`, made all-or-nothing against storage failures: the file must still be where it was created, and
    /// the disk must hold room for all of it (plus what the flush itself may allocate) before HDF5 writes a byte of
    /// metadata. Either check failing leaves the file as of the previous flush.
    private func flushFile() throws(HDF5Error) {
        guard let file else { return }
        // The file HDF5 writes is the one `TraceFileLock` holds; the path it is at must still name it.
        guard let identity = configuration.fileIdentity, FileIdentity(path: location) == identity else {
            throw HDF5Error(
                code: .storage, operation: "stat", filePath: configuration.path,
                message: "the file was removed or replaced while being written (or its directory was)")
        }
        let size = try file.allocatedSize()
        try file.reserveSpace(size + Self.flushAllowance(size))
        try file.flush()
        let flushed = try file.allocatedSize()
        flushedSize = flushed
        file.trimReservedSpace(to: flushed)
    }

    /// Room reserved beyond the allocated size for what a flush allocates itself (HDF5's metadata aggregator blocks,
    /// new B-tree nodes): 64 KiB plus 1 %.
    static func flushAllowance(_ size: UInt64) -> UInt64 { 65_536 + size / 100 }

    // MARK: - Closing

    /// Writes every pending row, marks unfinished runs "interrupted" (normal mode), flushes and closes every object
    /// and the file; in live mode then writes the statuses; then compacts the file when `compacting` and the
    /// configuration say so. Every failure is recorded, none is thrown.
    private func close(compacting: Bool) {
        guard let file else { return }
        if !hasFailed {
            attempt("closing the trace") { () throws(HDF5Error) in
                for run in runs {
                    guard let run else { continue }
                    try run.writeAll()
                    if !configuration.live, run.outcome == nil {
                        // Begun and never finished: the trainer stopped without saying why.
                        try RunTables.writeOutcome(interruptedOutcome(run), on: run.group)
                    }
                }
                try flushFile()
            }
        }
        // Close every object even after a failure, so the file handle is released.
        attempt("closing the trace") { () throws(HDF5Error) in
            var firstError: HDF5Error?
            for run in runs {
                do throws(HDF5Error) { try run?.close() } catch { firstError = firstError ?? error }
            }
            if let firstError { throw firstError }
            if isDetached && !file.canCloseAfterDetaching() {
                file.abandon()
            } else {
                try file.close()
            }
        }
        self.file = nil
        if configuration.live && !hasFailed {
            attempt("writing the runs' status after live recording") { () throws(HDF5Error) in
                try writeLiveOutcomes()
            }
        }
        runs = []
        if compacting && configuration.compactOnClose && !hasFailed {
            let outcome = TraceCompaction.run(path: location, injectedFailure: configuration.failCompaction)
            if let note = TraceCompaction.note(outcome, path: configuration.path) { channel.addNote(note) }
        }
    }

    /// The outcome of a run the trainer never finished: its recorded steps, or 0 if it never began.
    private func interruptedOutcome(_ run: RunTables) -> RunStatusAttributes {
        RunStatusAttributes(
            status: .interrupted, divergedAtStep: nil, completedSteps: run.isBegun ? run.recordedSteps : 0)
    }

    /// SWMR forbids changing attributes, and HDF5 1.10 cannot leave SWMR mode except by closing; so a live trace's
    /// final status is written by reopening it normally once it is closed.
    private func writeLiveOutcomes() throws(HDF5Error) {
        // A reader following the trace (h5py, swmr=True) still holds HDF5's shared lock on it, which would refuse
        // this open ("unable to lock file"); the writer's own lock (`WriterLock`) keeps other writers out instead.
        let file = try File.open(location, mode: .readWrite, crashConsistent: true, fileLocking: false)
        for run in runs {
            guard let run else { continue }
            let group = try file.openGroup("\(Names.runs)/\(run.run.id)")
            try RunTables.writeOutcome(run.outcome ?? interruptedOutcome(run), on: group)
            try group.close()
        }
        try file.close()
    }
}
