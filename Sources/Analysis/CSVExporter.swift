import DamagedFiles
import Foundation
import HDF5
import OutputFiles
import Recording

/// Writes every table of a trace as CSV files with a header row, for tools that do not read HDF5 —
/// `normscope export FILE --out DIR`.
///
/// Files: `runs.csv` (one row per run: its attributes), and per run `<run>.steps.csv`, `<run>.evals.csv`,
/// `<run>.<layer>.grad.csv`, and for AdaNorm layers `<run>.<layer>.phi.csv` and `<run>.<layer>.phi_hist.csv` (one
/// column per histogram slot, named by its lower edge). Numbers are written in full precision; NaN as `nan`.
public struct CSVExporter {
    /// Whether SIGINT and SIGTERM stop the export (between two blocks of rows) and leave nothing behind, instead of
    /// killing the process with its staging folder on disk. For a command line tool; a library caller that handles
    /// the signals itself leaves it off.
    public var stopsOnSignals: Bool
    /// Whether files of the same names in an existing folder are replaced (`--force`); without it, an export
    /// that would replace one is refused before anything is written.
    public var force: Bool
    /// The option the folder came from, named in refusals.
    public var option: String

    public init(stopsOnSignals: Bool = false, force: Bool = false, option: String = "--out") {
        self.stopsOnSignals = stopsOnSignals
        self.force = force
        self.option = option
    }

    /// Checks `directory` as a folder to export into, for a command to call before any other work: a file, a
    /// device, a dangling link or a path that cannot be made is refused in one line. `export` checks it again.
    public func check(folder directory: String) throws(OutputError) {
        _ = try ExportFolder.check(directory, option: option)
    }

    /// Exports `trace` into `directory`, all or nothing (see `ExportFolder`): the files are written next to it and
    /// moved in only when every one was written, so a failure leaves no folder, no file and no temporary behind.
    /// When `directory` exists, its other files are kept; a file of the same name as one of the export's is
    /// replaced only with `force`, and that is checked, from the trace's list of runs and layers, before a row
    /// is written. Tables are read in blocks and written through a buffer, so memory stays bounded whatever the
    /// trace's size.
    ///
    /// The trace is vetted by `probe` first (see `DamageProbe`); an object the probe saw crash HDF5 fails the export.
    ///
    /// - Returns: The files written, in order.
    /// - Throws: `HDF5Error` for a trace that cannot be read (naming the object and rows), `OutputError` for a
    ///   folder or file the output contract refuses (the trace itself, something in the way, an existing file
    ///   without `force`), `ExportError` for a folder or file that cannot be written.
    public func export(trace: String, to directory: String, probe: DamageProbe = DamageProbe()) throws -> [String] {
        let (file, _, _) = try TraceFile.open(trace, probe: probe)
        defer { try? file.close() }
        guard try file.exists(TraceFormat.Names.runs) else {
            throw HDF5Error(
                code: .objectNotFound, operation: "export", filePath: trace, objectPath: "/runs",
                message: "not a NormScope trace (no /runs group)")
        }
        let planned = try plan(file, target: directory)
        if stopsOnSignals { TerminationSignals.install() }
        defer { if stopsOnSignals { TerminationSignals.uninstall() } }
        let folder = try ExportFolder(
            target: directory, option: option, names: planned.map(\.name), force: force, trace: trace)
        do {
            for entry in planned { try write(entry, into: folder) }
        } catch {
            folder.discard()
            if error is HDF5Error || error is ExportError { throw error }
            throw ExportError(path: folder.target, reason: "cannot be written: \(ExportFolder.reason(error))")
        }
        return try folder.commit().sorted()
    }

    /// One CSV file of an export: its name, known before anything is written, and its content, read from the
    /// trace only when it is written.
    private struct PlannedFile {
        let name: String
        /// The header row and a function that appends the rows.
        let content: () throws -> (header: [String], rows: (CSVFileWriter) throws -> Void)
    }

    /// Every file of the export, from the trace's runs and layers; the tables themselves are not read yet.
    private func plan(_ file: File, target: String) throws -> [PlannedFile] {
        var planned: [PlannedFile] = []
        func table<Row: CompoundRow & Sendable>(_ name: String, _ open: @escaping () throws -> Dataset, as: Row.Type) {
            planned.append(
                PlannedFile(name: name) {
                    let dataset = try open()
                    // The columns the table stores: one written before a field existed gets no column of
                    // stand-ins for it.
                    let stored = TraceSchema.fieldNames(try dataset.typeDescription())
                    let fields = Row.fields.filter { !$0.mayBeAbsent || stored.contains($0.name) }
                    return (
                        fields.map(\.name),
                        { csv in
                            var blocks = try BlockReader(dataset).blocks(as: Row.self)
                            while let (rows, _) = try blocks.next() {
                                try checkStop(target)
                                for row in rows { try csv.append(fields.map { $0.text(of: row) }) }
                            }
                        }
                    )
                })
        }
        let runs = try file.openGroup(TraceFormat.Names.runs)
        var runRows: [[String: String]] = []
        for id in try runs.children().sorted() {
            let run = try runs.openGroup(id)
            var attributes = ["run": id]
            for name in try run.attributeNames() where name != "config" {
                // Shown as settings are (`0.9`, `true`, `[128,128]`), so format-1 text and format-2 typed values
                // give the same cells.
                attributes[name] = (try? run.attributeValue(name)).map { SettingValue($0).description } ?? ""
            }
            runRows.append(attributes)
            table("\(id).steps.csv", { try run.openDataset(TraceFormat.Names.steps) }, as: StepRow.self)
            table("\(id).evals.csv", { try run.openDataset(TraceFormat.Names.evals) }, as: EvaluationRow.self)
            guard try run.exists(TraceFormat.Names.norms) else { continue }
            let norms = try run.openGroup(TraceFormat.Names.norms)
            for layer in try norms.children().sorted() {
                let group = try norms.openGroup(layer)
                table(
                    "\(id).\(layer).grad.csv", { try group.openDataset(TraceFormat.Names.grad) }, as: NormStepRow.self)
                guard try group.exists(TraceFormat.Names.phi) else { continue }
                table("\(id).\(layer).phi.csv", { try group.openDataset(TraceFormat.Names.phi) }, as: PhiStepRow.self)
                planned.append(
                    PlannedFile(name: "\(id).\(layer).phi_hist.csv") { try histogram(group, target: target) })
            }
        }
        let keys = ["run"] + Set(runRows.flatMap(\.keys)).subtracting(["run"]).sorted()
        planned.append(
            PlannedFile(name: "runs.csv") {
                (keys, { csv in for row in runRows { try csv.append(keys.map { row[$0] ?? "" }) } })
            })
        return planned
    }

    /// Writes one planned file into the staging folder; a write error names the file it was for.
    private func write(_ entry: PlannedFile, into folder: ExportFolder) throws {
        func failed(_ error: any Error) -> any Error {
            if error is HDF5Error || error is ExportError { return error }
            return ExportError(
                path: (folder.target as NSString).appendingPathComponent(entry.name),
                reason: "cannot be written: \(ExportFolder.reason(error)); nothing was exported")
        }
        let (header, rows) = try entry.content()
        let writer: CSVFileWriter
        do { writer = try CSVFileWriter(path: folder.stagingPath(entry.name), header: header) } catch {
            throw failed(error)
        }
        do {
            try rows(writer)
            try writer.finish()
        } catch {
            writer.abandon()
            throw failed(error)
        }
    }

    /// `phi_hist` with its step per row and one column per slot, named by the slot's lower edge.
    private func histogram(_ group: Group, target: String) throws -> (
        header: [String], rows: (CSVFileWriter) throws -> Void
    ) {
        let histogram = try group.openDataset(TraceFormat.Names.phiHistogram)
        let shape = try histogram.shape()
        let width = shape.count == 2 ? shape[1] : 0
        let lower = try BlockReader(group.openDataset(TraceFormat.Names.phiBin)).all(as: Double.self)
        let steps = try group.openDataset(TraceFormat.Names.phiStep)
        let header = ["step"] + lower.map { $0.isFinite ? "from_\($0)" : "below" }
        return (
            header,
            { csv in
                guard width > 0 else { return }
                var blocks = try BlockReader(histogram).blocks(as: Int64.self)
                while let (block, first) = try blocks.next() {
                    try checkStop(target)
                    let rows = block.count / width
                    let stepValues = try BlockReader(steps).rows(first..<(first + rows), as: Int64.self)
                    for row in 0..<rows {
                        try csv.append(
                            ["\(stepValues[row])"] + block[(row * width)..<((row + 1) * width)].map { "\($0)" })
                    }
                }
            }
        )
    }

    /// Ends the export when a signal asked it to stop.
    private func checkStop(_ target: String) throws {
        guard stopsOnSignals, let signal = TerminationSignals.received else { return }
        throw ExportError(path: target, reason: "stopped by \(signal.name); nothing was exported", signal: signal)
    }

    static func escape(_ field: String) -> String { CSVFileWriter.escape(field) }
}
