import HDF5
import Recording

/// Each run's table lengths against what its status says was recorded: the recorder writes one `steps` row and one
/// `grad` row per layer at every step it takes, so a finished run's tables have exactly as many rows as its
/// attributes promise, and an unfinished one's grow together.
///
/// - `completed`: `steps` and every `grad` have `completed_steps` rows.
/// - `diverged`: `diverged_step + 1` rows (the step whose loss was not finite is recorded too).
/// - `running`, `interrupted`: every `grad` has as many rows as `steps` — except in a live file, whose running
///   runs grow while they are read (each table's length is taken when it is opened, a moment apart).
///
/// Runs whose status or counts are missing or unreadable are left to the structure check, which names them.
enum RunLengthCheck {
    typealias Names = TraceFormat.Names

    static func problems(file: File, path: String, live: Bool) -> [DamagedObject] {
        guard (try? file.kind(of: Names.runs)) == .group, let runs = try? file.openGroup(Names.runs),
            let ids = try? runs.children().sorted()
        else { return [] }
        defer { try? runs.close() }
        var problems: [DamagedObject] = []
        for id in ids {
            guard (try? runs.kind(of: id)) == .group, let run = try? runs.openGroup(id) else { continue }
            problems += check(run, path: path, live: live)
            try? run.close()
        }
        return problems
    }

    private static func check(_ run: Group, path: String, live: Bool) -> [DamagedObject] {
        guard let statusName = try? run.attribute(Names.status, as: String.self),
            let status = RunStatus(rawValue: statusName)
        else { return [] }
        var tables: [(object: String, rows: Int)] = []
        if let steps = rows(run, Names.steps) { tables.append((run.objectPath + "/" + Names.steps, steps)) }
        if (try? run.kind(of: Names.norms)) == .group, let norms = try? run.openGroup(Names.norms) {
            for layer in (try? norms.children().sorted()) ?? [] {
                if let grad = rows(norms, layer + "/" + Names.grad) {
                    tables.append((norms.objectPath + "/" + layer + "/" + Names.grad, grad))
                }
            }
            try? norms.close()
        }
        let expected: Int
        let because: String
        switch status {
        case .completed:
            guard let steps = try? run.attribute(Names.completedSteps, as: Int64.self) else { return [] }
            expected = Int(steps)
            because = "the run completed \(steps) steps (completed_steps)"
        case .diverged:
            guard let step = try? run.attribute(Names.divergedStep, as: Int64.self), step >= 0 else { return [] }
            expected = Int(step) + 1
            because = "the run diverged at step \(step) (diverged_step), so steps 0…\(step) are recorded"
        case .running where live:
            return []
        case .running, .interrupted:
            let stepsObject = run.objectPath + "/" + Names.steps
            guard let steps = tables.first(where: { $0.object == stepsObject })?.rows else { return [] }
            expected = steps
            because = "a \(status.rawValue) run records a grad row with every steps row"
        }
        return tables.filter { $0.rows != expected }.map { table in
            DamagedObject(
                file: path, object: table.object,
                problem: "\(table.rows) rows, expected \(expected): \(because)")
        }
    }

    /// The row count of a dataset at `name`, nil when it is missing or unreadable.
    private static func rows(_ container: some Container, _ name: String) -> Int? {
        guard (try? container.kind(of: name)) == .dataset, let dataset = try? container.openDataset(name) else {
            return nil
        }
        defer { try? dataset.close() }
        return try? dataset.rowCount()
    }
}
