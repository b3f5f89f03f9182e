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
    public init() {}

    /// Exports `trace` into `directory` (created if needed).
    ///
    /// - Returns: The files written, in order.
    public func export(trace: String, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = try File.open(trace)
        defer { try? file.close() }
        guard try file.exists("runs") else {
            throw HDF5Error(
                code: .objectNotFound, operation: "export", filePath: trace, objectPath: "/runs",
                message: "not a NormScope trace (no /runs group)")
        }
        var written: [String] = []
        func write(_ name: String, header: [String], rows: [[String]]) throws {
            let path = (directory as NSString).appendingPathComponent(name)
            let text =
                ([header] + rows).map { $0.map(Self.escape).joined(separator: ",") }.joined(separator: "\n") + "\n"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            written.append(path)
        }
        let runs = try file.openGroup("runs")
        var runRows: [[String: String]] = []
        for id in try runs.children().sorted() {
            let run = try runs.openGroup(id)
            var attributes = ["run": id]
            for name in try run.attributeNames() where name != "config" {
                attributes[name] = (try? run.attributeValue(name)).map { "\($0)" } ?? ""
            }
            runRows.append(attributes)
            try writeTable("\(id).steps.csv", table: run.openDataset("steps").read(as: StepRow.self), using: write)
            try writeTable(
                "\(id).evals.csv", table: run.openDataset("evals").read(as: EvaluationRow.self), using: write)
            guard try run.exists("norms") else { continue }
            let norms = try run.openGroup("norms")
            for layer in try norms.children().sorted() {
                let group = try norms.openGroup(layer)
                try writeTable(
                    "\(id).\(layer).grad.csv", table: group.openDataset("grad").read(as: NormStepRow.self), using: write
                )
                if try group.exists("phi") {
                    try writeTable(
                        "\(id).\(layer).phi.csv", table: group.openDataset("phi").read(as: PhiStepRow.self),
                        using: write)
                    let histogram = try group.openDataset("phi_hist")
                    let shape = try histogram.shape()
                    let counts = try histogram.read(as: Int64.self)
                    let lower = try group.openDataset("phi_bin").read(as: Double.self)
                    let steps = try group.openDataset("phi_step").read(as: Int64.self)
                    let width = shape.count == 2 ? shape[1] : 0
                    let header = ["step"] + lower.map { $0.isFinite ? "from_\($0)" : "below" }
                    let rows = (0..<(shape.first ?? 0)).map { row in
                        ["\(steps[row])"] + counts[(row * width)..<((row + 1) * width)].map { "\($0)" }
                    }
                    try write("\(id).\(layer).phi_hist.csv", header: header, rows: rows)
                }
            }
        }
        let keys = ["run"] + Set(runRows.flatMap(\.keys)).subtracting(["run"]).sorted()
        try write("runs.csv", header: keys, rows: runRows.map { row in keys.map { row[$0] ?? "" } })
        return written.sorted()
    }

    /// A table of compound rows: the header is the row type's field names, the values its stored properties in
    /// declaration order (which `fields` follows for every trace row type).
    private func writeTable<Row: CompoundRow>(
        _ name: String, table rows: [Row], using write: (String, [String], [[String]]) throws -> Void
    ) throws {
        let header = Row.fields.map(\.name)
        let values = rows.map { row in
            Mirror(reflecting: row).children.map { child -> String in
                if let value = child.value as? Double { return Self.number(value) }
                return "\(child.value)"
            }
        }
        precondition(values.allSatisfy { $0.count == header.count }, "\(Row.self) fields and properties disagree")
        try write(name, header, values)
    }

    static func number(_ value: Double) -> String {
        value.isNaN ? "nan" : value.isInfinite ? (value > 0 ? "inf" : "-inf") : "\(value)"
    }

    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
