/// An object of a trace whose values cannot all be right: what `analyze`, `report` and `inspect --data` list under
/// `damaged:` and exclude from every statistic. The rest of the trace is still summarized.
public struct DamagedObject: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The trace file.
    public var file: String
    /// The object's HDF5 path, e.g. `/runs/adanorm-s0/norms/hidden1.norm/grad`, or `…/run@status` for an attribute.
    public var object: String
    /// What was wrong, e.g. `recenter_ratio = 7.7e+299 (expected 0 … 3.4e+38) at row 120`.
    public var problem: String
    /// Rows excluded from the statistics because of it; nil when the whole object was set aside.
    public var rows: Int?

    public init(file: String, object: String, problem: String, rows: Int? = nil) {
        self.file = file
        self.object = object
        self.problem = problem
        self.rows = rows
    }

    /// `file: object: problem (n rows excluded)`, one line.
    public var description: String {
        let excluded = rows.map { "; \($0) row\($0 == 1 ? "" : "s") excluded" } ?? ""
        return "\(file): \(object): \(problem)\(excluded)"
    }
}

/// Counts the rows of one table that fail `ValidatedRow.problem` or the ordering of steps, remembering the first
/// failure so the `damaged:` line can show it.
struct RowScreen {
    private(set) var rejected = 0
    /// Rows whose values were not checked because they are the record of the run's divergence (see `divergedStep`).
    private(set) var divergenceRecord = 0
    private var first: String?
    private var lastStep: Int64 = .min
    /// The last step a row may have (the run's last recorded step), when known.
    var stepLimit: Int64?

    /// The step at which the run diverged: its row and any later one hold the non-finite values that made the
    /// recorder stop, which are the divergence's record, not damage (the statistics skip non-finite values).
    /// `analyze`, `report` and `inspect` all pass the run's `diverged_step` here, so that they agree on a diverged
    /// run: its last row's `inf` is never damage to one of them and fine to another.
    var divergedStep: Int64?

    init(stepLimit: Int64? = nil, divergedStep: Int64? = nil) {
        self.stepLimit = stepLimit
        self.divergedStep = divergedStep
    }

    /// Whether the row may be used. `stepIsIndex`: the table has one row per training step from 0 (`steps`,
    /// `grad`), so the row at `index` must be step `index`; otherwise steps must increase. `plausible`: that
    /// `row.problem` is nil, when the reader worked it out already (`BlockReader.forEachScreenedRow`).
    mutating func admit<Row: ValidatedRow>(_ row: Row, index: Int, stepIsIndex: Bool, plausible: Bool = false) -> Bool {
        let isDivergenceRecord = divergedStep.map({ row.step >= $0 }) == true
        if isDivergenceRecord { divergenceRecord += 1 }
        var problem = plausible || isDivergenceRecord ? nil : row.problem
        if problem == nil {
            if stepIsIndex, row.step != Int64(index) {
                problem = "step = \(row.step) at row \(index) (expected \(index))"
            } else if !stepIsIndex, row.step <= lastStep {
                problem = "step = \(row.step) after step \(lastStep) (expected increasing steps)"
            } else if let stepLimit, row.step > stepLimit {
                problem = "step = \(row.step) after the run's last recorded step \(stepLimit)"
            }
        }
        guard let problem else {
            lastStep = row.step
            return true
        }
        rejected += 1
        if first == nil { first = problem.contains(" at row ") ? problem : "\(problem) at row \(index)" }
        return false
    }

    /// The damage found, if any.
    func damage(file: String, object: String) -> DamagedObject? {
        guard rejected > 0, let first else { return nil }
        let more = rejected > 1 ? " (first of \(rejected))" : ""
        return DamagedObject(file: file, object: object, problem: "values that cannot be right: \(first)\(more)", rows: rejected)
    }
}
