import HDF5
import Recording

/// The data half of `inspect`: whether the values in a file can be read and can be right, apart from whether its
/// layout is that of a trace (`TraceSchema`).
///
/// Every dataset is read — its first and last chunk by default, every chunk when `full` — and the rows of the
/// trace tables (`steps`, `evals`, `grad`, `phi`) pass `ValidatedRow.problem` and the step order through
/// `RowScreen`: `steps` and `grad` hold one row per step from 0, `evals` and `phi` increasing steps; the rows of a
/// diverged run's `diverged_step` are its record, not damage, as `analyze` reads them. Then each run's
/// table lengths are held against its status. Datasets are read one block at a time, so memory stays bounded
/// whatever the file's size.
public struct TraceDataCheck: Sendable {
    /// Whether every chunk was read, or only each dataset's first and last.
    public var full: Bool
    /// What cannot be right, one entry per object and kind of damage, in file order.
    public var damaged: [DamagedObject] = []
    /// Datasets whose data was read.
    public var datasetsRead = 0
    /// Rows read over all datasets.
    public var rowsRead = 0
    /// Rows at a diverged run's divergence step (its `diverged_step`) or later, whose values were not checked: they
    /// hold the non-finite values that stopped the run, its record rather than damage, as `analyze` reads them.
    public var divergenceRows = 0
    /// Datasets not read because their element type is neither a number, a string nor a trace table (other
    /// compounds, strings stored where their heap pointers cannot be checked); their layout is still judged by the
    /// structure check.
    public var notRead: [String] = []

    /// One line, then one line per damaged object.
    public var text: String {
        let read = "\(datasetsRead) dataset\(datasetsRead == 1 ? "" : "s"), \(rowsRead) rows"
        var verdict: String
        switch (damaged.isEmpty, full) {
        case (true, true): verdict = "data: every chunk read, every value passed the checks (\(read))"
        case (true, false):
            verdict =
                "data: the first and last chunk of every dataset read, their values passed the checks (\(read); "
                + "--data reads every chunk)"
        case (false, _):
            verdict =
                "data: \(damaged.count) damaged object\(damaged.count == 1 ? "" : "s") (\(read) read"
                + (full ? ")" : "; only the first and last chunks: --data reads every chunk)")
        }
        if divergenceRows > 0 {
            verdict +=
                "; the values of \(divergenceRows) row\(divergenceRows == 1 ? "" : "s") at diverged runs' divergence "
                + "steps are their record, not checked"
        }
        if !notRead.isEmpty {
            verdict += "; not read (neither numbers nor checkable strings): " + notRead.joined(separator: ", ")
        }
        return ([verdict] + damaged.map { "  - \($0.description)" }).joined(separator: "\n")
    }

    init(file: File, path: String, full: Bool, live: Bool) {
        self.full = full
        walk(file, path: path)
        damaged += RunLengthCheck.problems(file: file, path: path, live: live)
    }

    /// Checks every dataset below `container` in name order (the order of the tree), one open at a time.
    /// `divergedStep`: the diverged step of the run `container` belongs to, if any (see `RowScreen`).
    private mutating func walk(_ container: some Container, path: String, divergedStep: Int64? = nil) {
        let names: [String]
        do { names = try container.children().sorted() } catch {
            damaged.append(DamagedObject(file: path, object: container.objectPath, problem: error.message))
            return
        }
        for name in names {
            do {
                switch try container.kind(of: name) {
                case .group?:
                    let group = try container.openGroup(name)
                    walk(group, path: path, divergedStep: divergedStep ?? Self.divergedStep(ofRun: group))
                    try? group.close()
                case .dataset?:
                    let dataset = try container.openDataset(name)
                    check(dataset, path: path, divergedStep: divergedStep)
                    try? dataset.close()
                default: break
                }
            } catch {
                let object = container.objectPath == "/" ? "/" + name : container.objectPath + "/" + name
                damaged.append(DamagedObject(file: path, object: object, problem: "cannot be opened: \(error.message)"))
            }
        }
    }

    /// The `diverged_step` of a run group (`/runs/<id>`) that has one (≥ 0), as `analyze` reads it.
    private static func divergedStep(ofRun group: Group) -> Int64? {
        let parts = group.objectPath.split(separator: "/")
        guard parts.count == 2, parts[0] == TraceFormat.Names.runs,
            let step = try? group.attribute(TraceFormat.Names.divergedStep, as: Int64.self), step >= 0
        else { return nil }
        return step
    }

    private mutating func check(_ dataset: Dataset, path: String, divergedStep: Int64?) {
        let type: String
        do { type = try dataset.typeDescription() } catch {
            damaged.append(DamagedObject(file: path, object: dataset.objectPath, problem: error.message))
            return
        }
        var scan = DatasetScan(dataset, file: path, full: full)
        let damage: DamagedObject?
        var screened: DamagedObject?
        func rows<Row: CompoundRow & ValidatedRow>(_ row: Row.Type, stepIsIndex: Bool) -> DamagedObject? {
            var screen = RowScreen(divergedStep: divergedStep)
            let damage = scan.read(as: Row.self) { rows, first in
                for (offset, row) in rows.enumerated() {
                    _ = screen.admit(row, index: first + offset, stepIsIndex: stepIsIndex)
                }
            }
            screened = screen.damage(file: path, object: dataset.objectPath)
            divergenceRows += screen.divergenceRecord
            return damage
        }
        switch TableKind(dataset.objectPath, storedType: type) {
        case .steps: damage = rows(StepRow.self, stepIsIndex: true)
        case .grad: damage = rows(NormStepRow.self, stepIsIndex: true)
        case .evals: damage = rows(EvaluationRow.self, stepIsIndex: false)
        case .phi: damage = rows(PhiStepRow.self, stepIsIndex: false)
        case .real: damage = scan.read(as: Double.self) { _, _ in }
        case .integer: damage = scan.read(as: Int64.self) { _, _ in }
        case .unsigned: damage = scan.read(as: UInt64.self) { _, _ in }
        case .strings:
            // Labels (format 2's `part` scale): small, read whole, each heap pointer checked first.
            do {
                guard let strings = try dataset.readStrings() else {
                    notRead.append(dataset.objectPath)
                    return
                }
                datasetsRead += 1
                rowsRead += strings.count
            } catch {
                damaged.append(
                    DamagedObject(file: path, object: dataset.objectPath, problem: "cannot be read: \(error.message)"))
            }
            return
        case .unreadable:
            notRead.append(dataset.objectPath)
            return
        }
        datasetsRead += 1
        rowsRead += scan.rowsRead
        damaged += [damage, screened].compactMap { $0 }
    }
}

/// How a dataset is read: as one of the trace's tables (whose rows are checked) or as plain numbers.
private enum TableKind {
    case steps, evals, grad, phi, real, integer, unsigned, strings, unreadable

    /// A trace table is recognized by its place (`/runs/<run>/steps`, `/runs/<run>/norms/<layer>/grad`, …) and by
    /// holding every field of its row; anything else is read as the numbers it holds.
    init(_ objectPath: String, storedType: String) {
        let parts = objectPath.split(separator: "/").map(String.init)
        func table<Row: CompoundRow>(_ row: Row.Type) -> Bool {
            TraceSchema.missingFields(of: Row.self, storedAs: storedType).isEmpty
        }
        if storedType.hasPrefix("compound{"), parts.first == TraceFormat.Names.runs {
            switch (parts.count, parts.last) {
            case (3, TraceFormat.Names.steps) where table(StepRow.self): self = .steps
            case (3, TraceFormat.Names.evals) where table(EvaluationRow.self): self = .evals
            case (5, TraceFormat.Names.grad) where parts[2] == TraceFormat.Names.norms && table(NormStepRow.self):
                self = .grad
            case (5, TraceFormat.Names.phi) where parts[2] == TraceFormat.Names.norms && table(PhiStepRow.self):
                self = .phi
            default: self = .unreadable
            }
            return
        }
        if storedType.hasPrefix("float") {
            self = .real
        } else if storedType == "uint64" {
            self = .unsigned
        } else if storedType.hasPrefix("int") || storedType.hasPrefix("uint") {
            self = .integer
        } else if storedType == "string" {
            self = .strings
        } else {
            self = .unreadable
        }
    }
}
