import Foundation
import HDF5
import Recording

/// Writes every table of a trace as CSV files with a header row, for tools that do not read HDF5 —
/// `normscope export FILE --csv DIR`.
///
/// Files: `runs.csv` (one row per run: its attributes), and per run `<run>.steps.csv`, `<run>.evals.csv`,
/// `<run>.<layer>.grad.csv`, and for AdaNorm layers `<run>.<layer>.phi.csv` and `<run>.<layer>.phi_hist.csv` (one
/// column per histogram slot, named by its lower edge). Numbers are written in full precision; NaN as `nan`.
public struct CSVExporter {
    /// Whether SIGINT and SIGTERM stop the export (between two blocks of rows) and leave nothing behind, instead of
    /// killing the process with its staging folder on disk. For a command line tool; a library caller that handles
    /// the signals itself leaves it off.
    public var stopsOnSignals: Bool

    public init(stopsOnSignals: Bool = false) {
        self.stopsOnSignals = stopsOnSignals
    }

    /// Exports `trace` into `directory`, all or nothing (see `ExportFolder`): the files are written next to it and
    /// moved in only when every one was written, so a failure leaves no folder, no file and no temporary behind.
    /// When `directory` exists, the export's files replace those of the same names and other files are kept.
    /// Tables are read in blocks and written through a buffer, so memory stays bounded whatever the trace's size.
    ///
    /// - Returns: The files written, in order.
    /// - Throws: `HDF5Error` for a trace that cannot be read (naming the object and rows), `ExportError` for a
    ///   folder or file that cannot be written.
    public func export(trace: String, to directory: String) throws -> [String] {
        let (file, _) = try TraceFile.open(trace)
        defer { try? file.close() }
        guard try file.exists(TraceFormat.Names.runs) else {
            throw HDF5Error(
                code: .objectNotFound, operation: "export", filePath: trace, objectPath: "/runs",
                message: "not a NormScope trace (no /runs group)")
        }
        if stopsOnSignals { TerminationSignals.install() }
        defer { if stopsOnSignals { TerminationSignals.uninstall() } }
        let folder = try ExportFolder(target: directory)
        let names: [String]
        do {
            names = try write(file, into: folder)
        } catch {
            folder.discard()
            if error is HDF5Error || error is ExportError { throw error }
            throw ExportError(path: folder.target, reason: "cannot be written: \(ExportFolder.reason(error))")
        }
        return try folder.commit(names).sorted()
    }

    /// Writes every table of `file` into the staging folder; returns the files' names.
    private func write(_ file: File, into folder: ExportFolder) throws -> [String] {
        var written: [String] = []
        /// Writes one CSV through `body`, which appends the rows; a write error names the file it was for.
        func write(_ name: String, header: [String], _ body: (CSVFileWriter) throws -> Void) throws {
            func failed(_ error: any Error) -> any Error {
                if error is HDF5Error || error is ExportError { return error }
                return ExportError(
                    path: (folder.target as NSString).appendingPathComponent(name),
                    reason: "cannot be written: \(ExportFolder.reason(error)); nothing was exported")
            }
            let writer: CSVFileWriter
            do { writer = try CSVFileWriter(path: folder.stagingPath(name), header: header) } catch {
                throw failed(error)
            }
            do {
                try body(writer)
                try writer.finish()
            } catch {
                writer.abandon()
                throw failed(error)
            }
            written.append(name)
        }
        func table<Row: CompoundRow & Sendable>(_ name: String, _ dataset: Dataset, as: Row.Type) throws {
            // The columns the table stores: one written before a field existed gets no column of stand-ins for it.
            let stored = TraceSchema.fieldNames(try dataset.typeDescription())
            let fields = Row.fields.filter { !$0.mayBeAbsent || stored.contains($0.name) }
            try write(name, header: fields.map(\.name)) { csv in
                var blocks = try BlockReader(dataset).blocks(as: Row.self)
                while let (rows, _) = try blocks.next() {
                    try checkStop(folder.target)
                    for row in rows { try csv.append(fields.map { $0.text(of: row) }) }
                }
            }
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
            try table("\(id).steps.csv", run.openDataset(TraceFormat.Names.steps), as: StepRow.self)
            try table("\(id).evals.csv", run.openDataset(TraceFormat.Names.evals), as: EvaluationRow.self)
            guard try run.exists(TraceFormat.Names.norms) else { continue }
            let norms = try run.openGroup(TraceFormat.Names.norms)
            for layer in try norms.children().sorted() {
                let group = try norms.openGroup(layer)
                try table("\(id).\(layer).grad.csv", group.openDataset(TraceFormat.Names.grad), as: NormStepRow.self)
                guard try group.exists(TraceFormat.Names.phi) else { continue }
                try table("\(id).\(layer).phi.csv", group.openDataset(TraceFormat.Names.phi), as: PhiStepRow.self)
                try histogram("\(id).\(layer).phi_hist.csv", group: group, target: folder.target, using: write)
            }
        }
        let keys = ["run"] + Set(runRows.flatMap(\.keys)).subtracting(["run"]).sorted()
        try write("runs.csv", header: keys) { csv in
            for row in runRows { try csv.append(keys.map { row[$0] ?? "" }) }
        }
        return written
    }

    /// `phi_hist` with its step per row and one column per slot, named by the slot's lower edge.
    private func histogram(
        _ name: String, group: Group, target: String,
        using write: (String, [String], (CSVFileWriter) throws -> Void) throws -> Void
    ) throws {
        let histogram = try group.openDataset(TraceFormat.Names.phiHistogram)
        let shape = try histogram.shape()
        let width = shape.count == 2 ? shape[1] : 0
        let lower = try BlockReader(group.openDataset(TraceFormat.Names.phiBin)).all(as: Double.self)
        let steps = try group.openDataset(TraceFormat.Names.phiStep)
        let header = ["step"] + lower.map { $0.isFinite ? "from_\($0)" : "below" }
        try write(name, header) { csv in
            guard width > 0 else { return }
            var blocks = try BlockReader(histogram).blocks(as: Int64.self)
            while let (block, first) = try blocks.next() {
                try checkStop(target)
                let rows = block.count / width
                let stepValues = try BlockReader(steps).rows(first..<(first + rows), as: Int64.self)
                for row in 0..<rows {
                    try csv.append(["\(stepValues[row])"] + block[(row * width)..<((row + 1) * width)].map { "\($0)" })
                }
            }
        }
    }

    /// Ends the export when a signal asked it to stop.
    private func checkStop(_ target: String) throws {
        guard stopsOnSignals, let signal = TerminationSignals.received else { return }
        throw ExportError(path: target, reason: "stopped by \(signal.name); nothing was exported", signal: signal)
    }

    static func escape(_ field: String) -> String { CSVFileWriter.escape(field) }
}
