import HDF5

/// One column of a trace table, declared once: its name and storage (the `CompoundField` the writer and reader
/// use), its unit, the values it can take, and what it means. Validation, `inspect`, TRACE_FORMAT.md's tables and
/// the Python package's schema are all derived from these.
public struct DeclaredField<Row>: Sendable {
    /// Where the value sits in the row, and its name in the file.
    public let column: CompoundField<Row>
    /// The unit, or "—" for a pure number.
    public let unit: String
    /// The values it can take.
    public let range: ValidRange
    /// One sentence for the docs.
    public let meaning: String

    /// The field's name in the file (a pandas column name).
    public var name: String { column.name }

    /// A field of a table of `Row`.
    ///
    /// - Parameters:
    ///   - olderTracesRead: what a table written before the field existed reads in it (NaN for a measurement that
    ///     was not made); nil when every table has had the field.
    public init<Value: ScalarElement>(
        _ name: String, _ keyPath: KeyPath<Row, Value>, unit: String = "—", range: ValidRange,
        olderTracesRead: Value? = nil, _ meaning: String
    ) {
        column =
            if let olderTracesRead { CompoundField(name, keyPath, whenAbsent: olderTracesRead) } else {
                CompoundField(name, keyPath)
            }
        self.unit = unit
        self.range = range
        self.meaning = meaning
    }
}

/// A relation between fields of one row that the recorder writes exactly, so a row that breaks it cannot be right.
public enum RowRule: Sendable, Equatable {
    /// `field = numerator / denominator`, checked where the quotient is finite (0/0 at a step with a zero part
    /// is not a disagreement).
    case quotient(String, numerator: String, denominator: String)
    /// `field = minuend − subtrahend`.
    case difference(String, minuend: String, subtrahend: String)
    /// The fields are non-decreasing in this order, NaNs skipped (quantiles of one sample between its extremes).
    case ordered([String])
    /// `field` lies between `lower` and `upper` (a mean between the extremes).
    case between(String, lower: String, upper: String)
    /// `field` ≤ `upper − lower` (a standard deviation within the sample's range).
    case spreadAtMost(String, lower: String, upper: String)

    /// The sentence TRACE_FORMAT.md prints for it.
    public var text: String {
        switch self {
        case .quotient(let field, let numerator, let denominator):
            "`\(field)` = `\(numerator)` / `\(denominator)` wherever that quotient is finite"
        case .difference(let field, let minuend, let subtrahend): "`\(field)` = `\(minuend)` − `\(subtrahend)`"
        case .ordered(let fields): fields.map { "`\($0)`" }.joined(separator: " ≤ ")
        case .between(let field, let lower, let upper): "`\(lower)` ≤ `\(field)` ≤ `\(upper)`"
        case .spreadAtMost(let field, let lower, let upper): "`\(field)` ≤ `\(upper)` − `\(lower)`"
        }
    }
}

/// A row type of one trace table whose columns are declared with their meaning and ranges (`DeclaredField`).
public protocol DeclaredRow: CompoundRow {
    /// The table's dataset name inside its group (`steps`, `evals`, `grad`, `phi`).
    static var tableName: String { get }
    /// Where the table lives, e.g. `/runs/<run>/norms/<layer>/grad`.
    static var location: String { get }
    /// The columns in file order.
    static var declaration: [DeclaredField<Self>] { get }
    /// Relations the row's values satisfy.
    static var rules: [RowRule] { get }
}

extension DeclaredRow {
    public static var rules: [RowRule] { [] }
}
