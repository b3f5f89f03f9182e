/// The value of an attribute, as stored: what `Node.attributeValue(_:)` returns for any attribute it can read.
public enum AttributeValue: Sendable, Equatable, CustomStringConvertible {
    case int64(Int64)
    case double(Double)
    /// Stored as h5py stores a NumPy bool: an enum of int8 {FALSE = 0, TRUE = 1}, which h5py reads as `numpy.bool_`.
    case bool(Bool)
    case string(String)
    case int64Array([Int64])
    case doubleArray([Double])
    /// A one-dimensional array of variable-length UTF-8 strings (h5py's list of `str`).
    case stringArray([String])

    public var description: String {
        switch self {
        case .int64(let value): "\(value)"
        case .double(let value): "\(value)"
        case .bool(let value): value ? "true" : "false"
        case .string(let value): value
        case .int64Array(let values): "\(values)"
        case .doubleArray(let values): "\(values)"
        case .stringArray(let values): "\(values)"
        }
    }

    /// A short name of the stored kind, for type-mismatch messages.
    public var kindName: String {
        switch self {
        case .int64: "int64"
        case .double: "float64"
        case .bool: "bool"
        case .string: "string"
        case .int64Array: "int64 array"
        case .doubleArray: "float64 array"
        case .stringArray: "string array"
        }
    }
}

/// A Swift type that can be written as an attribute and read back typed.
public protocol AttributeConvertible {
    /// The stored form of the value.
    var attributeValue: AttributeValue { get }
    /// Converts a stored value back, or returns nil when it has another kind.
    init?(attributeValue: AttributeValue)
}

extension Int64: AttributeConvertible {
    public var attributeValue: AttributeValue { .int64(self) }
    public init?(attributeValue: AttributeValue) {
        guard case .int64(let value) = attributeValue else { return nil }
        self = value
    }
}

extension Int: AttributeConvertible {
    public var attributeValue: AttributeValue { .int64(Int64(self)) }
    public init?(attributeValue: AttributeValue) {
        guard case .int64(let value) = attributeValue else { return nil }
        self = Int(value)
    }
}

extension Double: AttributeConvertible {
    public var attributeValue: AttributeValue { .double(self) }
    /// Integers are accepted too: a user's `f.attrs["lr"] = 1` in h5py stores an integer.
    public init?(attributeValue: AttributeValue) {
        switch attributeValue {
        case .double(let value): self = value
        case .int64(let value): self = Double(value)
        default: return nil
        }
    }
}

extension Bool: AttributeConvertible {
    public var attributeValue: AttributeValue { .bool(self) }
    public init?(attributeValue: AttributeValue) {
        guard case .bool(let value) = attributeValue else { return nil }
        self = value
    }
}

extension String: AttributeConvertible {
    public var attributeValue: AttributeValue { .string(self) }
    public init?(attributeValue: AttributeValue) {
        guard case .string(let value) = attributeValue else { return nil }
        self = value
    }
}

extension Array: AttributeConvertible where Element: AttributeArrayElement {
    public var attributeValue: AttributeValue { Element.attributeValue(of: self) }
    public init?(attributeValue: AttributeValue) {
        guard let values = Element.elements(of: attributeValue) else { return nil }
        self = values
    }
}

/// Element types of array attributes: `[Double]`, `[Int64]` and `[String]`.
public protocol AttributeArrayElement {
    static func attributeValue(of values: [Self]) -> AttributeValue
    static func elements(of value: AttributeValue) -> [Self]?
}

extension Double: AttributeArrayElement {
    public static func attributeValue(of values: [Double]) -> AttributeValue { .doubleArray(values) }
    public static func elements(of value: AttributeValue) -> [Double]? {
        switch value {
        case .doubleArray(let values): values
        case .double(let value): [value]
        default: nil
        }
    }
}

extension Int64: AttributeArrayElement {
    public static func attributeValue(of values: [Int64]) -> AttributeValue { .int64Array(values) }
    public static func elements(of value: AttributeValue) -> [Int64]? {
        switch value {
        case .int64Array(let values): values
        case .int64(let value): [value]
        default: nil
        }
    }
}

extension String: AttributeArrayElement {
    public static func attributeValue(of values: [String]) -> AttributeValue { .stringArray(values) }
    public static func elements(of value: AttributeValue) -> [String]? {
        switch value {
        case .stringArray(let values): values
        case .string(let value): [value]
        default: nil
        }
    }
}
