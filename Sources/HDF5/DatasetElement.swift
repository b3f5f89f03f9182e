import CHDF5

/// The scalar element types a dataset or compound field can hold.
public enum ScalarKind: String, Sendable, CaseIterable {
    case float32, float64, int8, int32, int64, uint8, uint64

    /// Size of one element in bytes.
    public var byteCount: Int {
        switch self {
        case .int8, .uint8: 1
        case .float32, .int32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    var isFloatingPoint: Bool { self == .float32 || self == .float64 }
    var isSigned: Bool { self != .uint8 && self != .uint64 }

    /// HDF5's predefined native type for this kind; predefined types are never closed.
    var nativeTypeID: hid_t {
        switch self {
        case .float32: chdf5_native_float()
        case .float64: chdf5_native_double()
        case .int8: chdf5_native_int8()
        case .int32: chdf5_native_int32()
        case .int64: chdf5_native_int64()
        case .uint8: chdf5_native_uint8()
        case .uint64: chdf5_native_uint64()
        }
    }
}

/// How an element is laid out in memory: one scalar, or a C-like struct of named scalar fields.
/// Opaque on purpose: it is built by the conformances below and by `CompoundRow`, and turned into an HDF5 type inside.
public struct ElementLayout: Sendable {
    /// One field of a compound row.
    struct Field: Sendable, Equatable {
        var name: String
        var offset: Int
        var kind: ScalarKind
        /// For a field that tables written before it existed lack: the bytes a row read from such a table holds
        /// in its place. Nil for a field every table must have.
        var absentBytes: [UInt8]?
    }

    enum Storage: Sendable {
        case scalar(ScalarKind)
        case compound(stride: Int, fields: [Field])
    }
    let storage: Storage

    /// Field names for compound rows (empty for scalars), in declaration order.
    public var fieldNames: [String] {
        if case .compound(_, let fields) = storage { return fields.map(\.name) }
        return []
    }

    /// The fields a stored compound type lacks that may be absent, each with the bytes that stand in for it.
    func absentFields(in storedType: hid_t) -> [Field] {
        guard case .compound(_, let fields) = storage else { return [] }
        return fields.filter { field in
            field.absentBytes != nil && unchecked { H5Tget_member_index(storedType, field.name) } < 0
        }
    }

    /// This layout without `absent` (the fields a stored type lacks, from `absentFields(in:)`): what HDF5 is asked
    /// to convert into.
    func without(_ absent: [Field]) -> ElementLayout {
        guard case .compound(let stride, let fields) = storage, !absent.isEmpty else { return self }
        return ElementLayout(storage: .compound(stride: stride, fields: fields.filter { !absent.contains($0) }))
    }

    /// Writes the stand-in bytes of every absent field into `count` elements `stride` bytes apart.
    static func fill(_ absent: [Field], count: Int, stride: Int, at base: UnsafeMutableRawPointer) {
        guard !absent.isEmpty else { return }
        for element in 0..<count {
            for field in absent {
                guard let bytes = field.absentBytes else { continue }
                bytes.withUnsafeBytes { source in
                    (base + element * stride + field.offset).copyMemory(
                        from: source.baseAddress!, byteCount: source.count)
                }
            }
        }
    }
}

/// A Swift type whose values can be stored in and read from a dataset as they are in memory.
public protocol DatasetElement: BitwiseCopyable {
    /// The element's memory layout, from which the HDF5 memory type is made.
    static var elementLayout: ElementLayout { get }
}

/// A single number type with a fixed HDF5 counterpart.
public protocol ScalarElement: DatasetElement {
    /// The HDF5 scalar kind this Swift type corresponds to.
    static var scalarKind: ScalarKind { get }
}

extension ScalarElement {
    public static var elementLayout: ElementLayout { ElementLayout(storage: .scalar(scalarKind)) }
}

extension Float: ScalarElement { public static var scalarKind: ScalarKind { .float32 } }
extension Double: ScalarElement { public static var scalarKind: ScalarKind { .float64 } }
extension Int8: ScalarElement { public static var scalarKind: ScalarKind { .int8 } }
extension Int32: ScalarElement { public static var scalarKind: ScalarKind { .int32 } }
extension Int64: ScalarElement { public static var scalarKind: ScalarKind { .int64 } }
extension UInt8: ScalarElement { public static var scalarKind: ScalarKind { .uint8 } }
extension UInt64: ScalarElement { public static var scalarKind: ScalarKind { .uint64 } }
