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
    private struct Bound: Sendable {
        let name: String
        let offset: Int
        let kind: ScalarKind
        let range: ValidRange
    }

    private enum CompiledRule: Sendable {
        case quotient(field: Int, numerator: Int, denominator: Int)
        case difference(field: Int, minuend: Int, subtrahend: Int)
        case ordered([Int])
        case between(field: Int, lower: Int, upper: Int)
        case spreadAtMost(field: Int, lower: Int, upper: Int)
    }

    private let bounds: [Bound]
    private let rules: [CompiledRule]
    /// The fields that say how many elements a norm was taken over, when the table has them.
    private let rowsIndex: Int?
    private let widthIndex: Int?

    /// Relative agreement required between a stored quotient or difference and the one of its stored operands.
    static var relationTolerance: Double { 1e-9 }

    init() {
        bounds = Row.declaration.map {
            Bound(name: $0.name, offset: $0.column.byteOffset, kind: $0.column.scalarKind, range: $0.range)
        }
        let names = Row.declaration.map(\.name)
        func index(_ name: String) -> Int {
            guard let index = names.firstIndex(of: name) else {
                preconditionFailure("\(Row.self)'s rule names '\(name)', which is not one of its declared fields")
            }
            return index
        }
        rules = Row.rules.map { rule in
            switch rule {
            case .quotient(let f, let n, let d): .quotient(field: index(f), numerator: index(n), denominator: index(d))
            case .difference(let f, let a, let b): .difference(field: index(f), minuend: index(a), subtrahend: index(b))
            case .ordered(let fields): .ordered(fields.map(index))
            case .between(let f, let l, let u): .between(field: index(f), lower: index(l), upper: index(u))
            case .spreadAtMost(let f, let l, let u): .spreadAtMost(field: index(f), lower: index(l), upper: index(u))
            }
        }
        rowsIndex = names.firstIndex(of: "rows")
        widthIndex = names.firstIndex(of: "width")
    }

    /// The first impossible value of `row`, as a phrase naming the field, or nil.
    func problem(_ row: Row) -> String? {
        withUnsafeBytes(of: row) { bytes in
            @inline(__always) func value(_ i: Int) -> Double {
                let bound = bounds[i]
                return switch bound.kind {
                case .float64: bytes.loadUnaligned(fromByteOffset: bound.offset, as: Double.self)
                case .int64: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Int64.self))
                case .float32: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Float.self))
                case .int32: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Int32.self))
                case .int8: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: Int8.self))
                case .uint8: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: UInt8.self))
                case .uint64: Double(bytes.loadUnaligned(fromByteOffset: bound.offset, as: UInt64.self))
                }
            }
            var elements = 1.0
            if let rowsIndex { elements *= max(1, value(rowsIndex)) }
            if let widthIndex { elements *= max(1, value(widthIndex)) }
            for i in bounds.indices {
                let x = value(i)
                if x.isNaN { continue }
                let (lower, upper) = bounds[i].range.bounds(elements: elements)
                if x < lower || x > upper {
                    return Self.outOfRange(bounds[i].name, x, bounds[i].range, lower, upper)
                }
            }
            for rule in rules {
                if let problem = check(rule, value) { return problem }
            }
            return nil
        }
    }

    @inline(__always)
    private func check(_ rule: CompiledRule, _ value: (Int) -> Double) -> String? {
        switch rule {
        case .quotient(let field, let numerator, let denominator):
            let expected = value(numerator) / value(denominator)
            let stored = value(field)
            guard expected.isFinite, !stored.isNaN else { return nil }
            if abs(stored - expected) <= Self.relationTolerance * abs(expected) + 1e-300 { return nil }
            return "\(bounds[field].name) = \(Self.describe(stored)) disagrees with its own row "
                + "(\(Self.describe(expected)))"
        case .difference(let field, let minuend, let subtrahend):
            let (a, b, stored) = (value(minuend), value(subtrahend), value(field))
            let expected = a - b
            guard expected.isFinite, !stored.isNaN else { return nil }
            if abs(stored - expected) <= Self.relationTolerance * max(abs(a), abs(b)) + 1e-300 { return nil }
            return "\(bounds[field].name) = \(Self.describe(stored)) disagrees with \(bounds[minuend].name) − "
                + "\(bounds[subtrahend].name) (\(Self.describe(expected)))"
        case .ordered(let fields):
            var previous: Int?
            for field in fields where !value(field).isNaN {
                if let p = previous, value(p) > value(field) {
                    return "\(bounds[p].name) = \(Self.describe(value(p))) above \(bounds[field].name) = "
                        + "\(Self.describe(value(field)))"
                }
                previous = field
            }
            return nil
        case .between(let field, let lower, let upper):
            let (x, l, u) = (value(field), value(lower), value(upper))
            guard !x.isNaN, !l.isNaN, !u.isNaN, x < l || x > u else { return nil }
            return "\(bounds[field].name) = \(Self.describe(x)) outside \(bounds[lower].name) … "
                + "\(bounds[upper].name) (\(Self.describe(l)) … \(Self.describe(u)))"
        case .spreadAtMost(let field, let lower, let upper):
            let (x, l, u) = (value(field), value(lower), value(upper))
            guard !x.isNaN, !l.isNaN, !u.isNaN, x > u - l else { return nil }
            return "\(bounds[field].name) = \(Self.describe(x)) above \(bounds[upper].name) − "
                + "\(bounds[lower].name) = \(Self.describe(u - l))"
        }
    }

    @inline(never)
    private static func outOfRange(
        _ name: String, _ value: Double, _ range: ValidRange, _ lower: Double, _ upper: Double
    ) -> String {
        if range == .count { return "\(name) = \(describe(value)) (expected ≥ 0)" }
        return "\(name) = \(describe(value)) (expected \(describe(lower)) … \(describe(upper)))"
    }

    /// A number short enough for a message, exact enough to recognize.
    static func describe(_ value: Double) -> String { RowValidation.describe(value) }
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
