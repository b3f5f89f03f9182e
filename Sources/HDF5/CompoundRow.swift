/// A row type stored as an HDF5 compound type: named fields, so h5py reads a structured array and pandas builds a
/// DataFrame from it in one line (`pd.DataFrame(f["runs/r0/steps"][()])`).
///
/// Declare the fields once, by key path; offsets come from the struct's real memory layout, so the row is written
/// straight from a `[Row]` buffer. In the file the fields are packed (no padding), as h5py and NumPy expect.
///
///     struct StepRow: CompoundRow {
///         var step: Int64
///         var loss: Float
///         var learningRate: Double
///         static let fields: [CompoundField<StepRow>] = [
///             .init("step", \.step), .init("loss", \.loss), .init("learning_rate", \.learningRate),
///         ]
///     }
public protocol CompoundRow: DatasetElement {
    /// The stored fields, in file order.
    static var fields: [CompoundField<Self>] { get }
}

extension CompoundRow {
    public static var elementLayout: ElementLayout {
        ElementLayout(
            storage: .compound(
                stride: MemoryLayout<Self>.stride,
                fields: fields.map {
                    ElementLayout.Field(name: $0.name, offset: $0.offset, kind: $0.kind, absentBytes: $0.absentBytes)
                }))
    }
}

/// One named field of a `CompoundRow`.
public struct CompoundField<Row>: Sendable {
    /// The field's name in the file.
    public let name: String
    let offset: Int
    let kind: ScalarKind
    /// What a row read from a table without this field holds in it; nil when every table has the field.
    let absentBytes: [UInt8]?

    /// Whether tables written before the field existed may lack it (it is then read as its stand-in value).
    public var mayBeAbsent: Bool { absentBytes != nil }

    /// - Parameters:
    ///   - name: the field's name in the file (use snake_case: it becomes a pandas column).
    ///   - keyPath: the stored property holding it; it must be a stored property of `Row` itself.
    public init<Value: ScalarElement>(_ name: String, _ keyPath: KeyPath<Row, Value>) {
        self.init(name, keyPath, absentBytes: nil)
    }

    /// A field added to the row after tables of it were written: reading such a table gives `value` in it
    /// (NaN, say, for a measurement that was not made), where a field without one makes the read fail.
    public init<Value: ScalarElement>(_ name: String, _ keyPath: KeyPath<Row, Value>, whenAbsent value: Value) {
        self.init(name, keyPath, absentBytes: withUnsafeBytes(of: value) { Array($0) })
    }

    private init<Value: ScalarElement>(_ name: String, _ keyPath: KeyPath<Row, Value>, absentBytes: [UInt8]?) {
        guard let offset = MemoryLayout<Row>.offset(of: keyPath) else {
            preconditionFailure("CompoundField '\(name)' must name a stored property of \(Row.self)")
        }
        self.name = name
        self.offset = offset
        self.kind = Value.scalarKind
        self.absentBytes = absentBytes
    }
}

extension CompoundField {
    /// The field's byte offset in `Row`'s memory layout.
    public var byteOffset: Int { offset }
    /// The field's stored kind.
    public var scalarKind: ScalarKind { kind }

    /// The field's value in `row` as text (`nan`, `inf` and `-inf` for non-finite floats): what a CSV cell holds,
    /// read at the field's offset without reflection, so a table of millions of rows is formatted quickly.
    public func text(of row: Row) -> String {
        withUnsafeBytes(of: row) { bytes in
            switch kind {
            case .float32: "\(bytes.loadUnaligned(fromByteOffset: offset, as: Float.self))"
            case .float64: "\(bytes.loadUnaligned(fromByteOffset: offset, as: Double.self))"
            case .int8: "\(bytes.loadUnaligned(fromByteOffset: offset, as: Int8.self))"
            case .int32: "\(bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))"
            case .int64: "\(bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self))"
            case .uint8: "\(bytes.loadUnaligned(fromByteOffset: offset, as: UInt8.self))"
            case .uint64: "\(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))"
            }
        }
    }
}
