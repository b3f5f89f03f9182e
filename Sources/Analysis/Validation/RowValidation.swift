import HDF5
import Recording

/// The test a row must pass before any statistic uses it, derived from its table's declaration (`DeclaredRow`):
/// every field within its `ValidRange` (NaN allowed: "not available"), and every `RowRule` of the table holding.
/// A flipped byte in a stored Double almost always breaks one of these; nothing here is a guess about training.
///
/// Built once per row type; checking a row reads each field at its byte offset inside one `withUnsafeBytes`, with
/// no allocation for a row that passes (a list of (name, value) pairs per row once halved the speed of `analyze`
/// on a 1 GB trace: every row of it is checked).
struct DeclaredRowCheck<Row: DeclaredRow>: Sendable {
    /// One field's test, trivially copyable so that reading it in the loop retains nothing (a `String` in here made
    /// `analyze` twice as slow: every row of a 1 GB trace passes through this loop).
    private struct Bound: Sendable {
        let offset: Int
        let kind: ScalarKind
        let lower: Double
        /// The upper bound, times √(rows · width) when `scalesWithElements`.
        let upper: Double
        let scalesWithElements: Bool
    }

    /// A row rule over field indices; `ordered` names a run of `orderedFields`. Trivially copyable, as `Bound`.
    private enum CompiledRule: Sendable {
        case quotient(field: Int, numerator: Int, denominator: Int)
        case difference(field: Int, minuend: Int, subtrahend: Int)
        case ordered(start: Int, count: Int)
        case between(field: Int, lower: Int, upper: Int)
        case spreadAtMost(field: Int, lower: Int, upper: Int)
    }

    private let bounds: [Bound]
    private let rules: [CompiledRule]
    private let orderedFields: [Int]
    /// For messages only.
    private let names: [String]
    private let ranges: [ValidRange]
    /// The fields that say how many elements a norm was taken over, when the table has them.
    private let rowsIndex: Int?
    private let widthIndex: Int?

    /// Relative agreement required between a stored quotient or difference and the one of its stored operands.
    static var relationTolerance: Double { 1e-9 }

    init() {
        names = Row.declaration.map(\.name)
        ranges = Row.declaration.map(\.range)
        bounds = Row.declaration.map {
            let (lower, upper) = $0.range.bounds
            return Bound(
                offset: $0.column.byteOffset, kind: $0.column.scalarKind, lower: lower, upper: upper,
                scalesWithElements: $0.range.scalesWithElements)
        }
        let names = names
        func index(_ name: String) -> Int {
            guard let index = names.firstIndex(of: name) else {
                preconditionFailure("\(Row.self)'s rule names '\(name)', which is not one of its declared fields")
            }
            return index
        }
        var ordered: [Int] = []
        rules = Row.rules.map { rule in
            switch rule {
            case .quotient(let f, let n, let d): .quotient(field: index(f), numerator: index(n), denominator: index(d))
            case .difference(let f, let a, let b): .difference(field: index(f), minuend: index(a), subtrahend: index(b))
            case .ordered(let fields):
                {
                    let start = ordered.count
                    ordered += fields.map(index)
                    return .ordered(start: start, count: fields.count)
                }()
            case .between(let f, let l, let u): .between(field: index(f), lower: index(l), upper: index(u))
            case .spreadAtMost(let f, let l, let u): .spreadAtMost(field: index(f), lower: index(l), upper: index(u))
            }
        }
        orderedFields = ordered
        rowsIndex = names.firstIndex(of: "rows")
        widthIndex = names.firstIndex(of: "width")
    }

    /// The field at `index` of the row in `bytes`, as a Double.
    @inline(__always)
    private static func value(_ bytes: UnsafeRawBufferPointer, _ bound: Bound) -> Double {
        switch bound.kind {
        case .float64: bytes.loadUnaligned(fromByteOffset: bound.offset, as: Double.self)
        case .int64: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Int64.self))
        case .float32: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Float.self))
        case .int32: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Int32.self))
        case .int8: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Int8.self))
        case .uint8: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: UInt8.self))
        case .uint64: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: UInt64.self))
        }
    }

    /// The first impossible value of `row`, as a phrase naming the field, or nil.
    func problem(_ row: Row) -> String? {
        bounds.withUnsafeBufferPointer { bounds in
            rules.withUnsafeBufferPointer { rules in
                orderedFields.withUnsafeBufferPointer { ordered in
                    withUnsafeBytes(of: row) { bytes in
                        problem(bytes, bounds, rules, ordered)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func problem(
        _ bytes: UnsafeRawBufferPointer, _ bounds: UnsafeBufferPointer<Bound>,
        _ rules: UnsafeBufferPointer<CompiledRule>, _ ordered: UnsafeBufferPointer<Int>
    ) -> String? {
        @inline(__always) func value(_ i: Int) -> Double { Self.value(bytes, bounds[i]) }
        var scale = 1.0
        if let rowsIndex, let widthIndex {
            scale = (max(1, value(rowsIndex)) * max(1, value(widthIndex))).squareRoot()
        }
        for i in 0..<bounds.count {
            let x = value(i)
            let bound = bounds[i]
            let upper = bound.scalesWithElements ? bound.upper * scale : bound.upper
            // NaN fails neither comparison: "not available" passes.
            if x < bound.lower || x > upper { return outOfRange(i, x, bound.lower, upper) }
        }
        for r in 0..<rules.count {
            switch rules[r] {
            case .quotient(let field, let numerator, let denominator):
                let expected = value(numerator) / value(denominator)
                let stored = value(field)
                guard expected.isFinite, !stored.isNaN else { continue }
                if abs(stored - expected) > Self.relationTolerance * abs(expected) + 1e-300 {
                    return "\(names[field]) = \(RowValidation.describe(stored)) disagrees with its own row "
                        + "(\(RowValidation.describe(expected)))"
                }
            case .difference(let field, let minuend, let subtrahend):
                let (a, b, stored) = (value(minuend), value(subtrahend), value(field))
                let expected = a - b
                guard expected.isFinite, !stored.isNaN else { continue }
                if abs(stored - expected) > Self.relationTolerance * max(abs(a), abs(b)) + 1e-300 {
                    return "\(names[field]) = \(RowValidation.describe(stored)) disagrees with \(names[minuend]) − "
                        + "\(names[subtrahend]) (\(RowValidation.describe(expected)))"
                }
            case .ordered(let start, let count):
                var previous = -1
                for k in start..<(start + count) {
                    let field = ordered[k]
                    if value(field).isNaN { continue }
                    if previous >= 0, value(previous) > value(field) {
                        return "\(names[previous]) = \(RowValidation.describe(value(previous))) above \(names[field]) = "
                            + "\(RowValidation.describe(value(field)))"
                    }
                    previous = field
                }
            case .between(let field, let lower, let upper):
                let (x, l, u) = (value(field), value(lower), value(upper))
                if !x.isNaN, !l.isNaN, !u.isNaN, x < l || x > u {
                    return "\(names[field]) = \(RowValidation.describe(x)) outside \(names[lower]) … \(names[upper]) "
                        + "(\(RowValidation.describe(l)) … \(RowValidation.describe(u)))"
                }
            case .spreadAtMost(let field, let lower, let upper):
                let (x, l, u) = (value(field), value(lower), value(upper))
                if !x.isNaN, !l.isNaN, !u.isNaN, x > u - l {
                    return "\(names[field]) = \(RowValidation.describe(x)) above \(names[upper]) − \(names[lower]) = "
                        + "\(RowValidation.describe(u - l))"
                }
            }
        }
        return nil
    }

    @inline(never)
    private func outOfRange(_ field: Int, _ value: Double, _ lower: Double, _ upper: Double) -> String {
        if ranges[field] == .count { return "\(names[field]) = \(RowValidation.describe(value)) (expected ≥ 0)" }
        let expected = "\(RowValidation.describe(lower)) … \(RowValidation.describe(upper))"
        return "\(names[field]) = \(RowValidation.describe(value)) (expected \(expected))"
    }
}

enum RowValidation {
    /// A number short enough for a message, exact enough to recognize.
    static func describe(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value != 0, abs(value) >= 1e6 || abs(value) < 1e-4 { return String(format: "%.3g", value) }
        return String(format: "%.6g", value)
    }
}

/// A row of a trace table that can say why it cannot be right.
protocol ValidatedRow: Sendable {
    /// The first impossible value of the row, as a phrase naming the column, or nil.
    var problem: String? { get }
    var step: Int64 { get }
}

// One compiled check per table, built from its declaration the first time a row of it is read.
private let stepCheck = DeclaredRowCheck<StepRow>()
private let evaluationCheck = DeclaredRowCheck<EvaluationRow>()
private let normStepCheck = DeclaredRowCheck<NormStepRow>()
private let phiCheck = DeclaredRowCheck<PhiStepRow>()

extension StepRow: ValidatedRow {
    var problem: String? { stepCheck.problem(self) }
}

extension EvaluationRow: ValidatedRow {
    var problem: String? { evaluationCheck.problem(self) }
}

extension NormStepRow: ValidatedRow {
    var problem: String? { normStepCheck.problem(self) }
}

extension PhiStepRow: ValidatedRow {
    var problem: String? { phiCheck.problem(self) }
}
