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
                fields: fields.map { (name: $0.name, offset: $0.offset, kind: $0.kind) }))
    }
}

/// One named field of a `CompoundRow`.
public struct CompoundField<Row>: Sendable {
    /// The field's name in the file.
    public let name: String
    let offset: Int
    let kind: ScalarKind

    /// - Parameters:
    ///   - name: the field's name in the file (use snake_case: it becomes a pandas column).
    ///   - keyPath: the stored property holding it; it must be a stored property of `Row` itself.
    public init<Value: ScalarElement>(_ name: String, _ keyPath: KeyPath<Row, Value>) {
        guard let offset = MemoryLayout<Row>.offset(of: keyPath) else {
            preconditionFailure("CompoundField '\(name)' must name a stored property of \(Row.self)")
        }
        self.name = name
        self.offset = offset
        self.kind = Value.scalarKind
    }
}
