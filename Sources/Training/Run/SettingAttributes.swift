import Foundation
import HDF5
import Layers

/// A run's settings as typed trace attributes (trace format 2): each by the Swift type it is declared with, so an
/// `Int` setting is int64 and a `Double` one float64 whatever its value (`dropout` stays float64 at 0, which JSON
/// text — `0` — cannot say), booleans are booleans, lists are arrays. A value of another shape (a list of lists,
/// an object) is kept as its JSON text.
enum SettingAttributes {
    /// Every key a configuration encodes, typed. Keys it leaves out (unset optionals) are not attributes.
    static func of(_ configuration: some Encodable) throws -> [String: AttributeValue] {
        let encoder = SettingEncoder()
        try configuration.encode(to: encoder)
        if let problem = encoder.problem {
            throw EncodingError.invalidValue(
                configuration, EncodingError.Context(codingPath: [], debugDescription: problem))
        }
        return encoder.settings
    }

    /// The normalization a run resolved from its preset and overrides, as `norm_*` attributes: the keys of
    /// `NormConfiguration.settings`, typed; AdaNorm's C and k, and DyT's initial α, only for a variant that has them.
    static func of(_ norm: NormConfiguration) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [
            "norm_normalizes": .bool(norm.normalizes), "norm_centering": .string(norm.centering.rawValue),
            "norm_convention": .string(norm.convention.rawValue), "norm_spread": .string(norm.spread.rawValue),
            "norm_epsilon": .double(norm.epsilon), "norm_detach_mean": .bool(norm.detach.contains(.mean)),
            "norm_detach_std": .bool(norm.detach.contains(.spread)), "norm_affine": .string(norm.affine.rawValue),
            "norm_transform": .string(TransformKind(norm.dynamicTanh).rawValue),
        ]
        // The same word `settings` gives, so format-1 and format-2 traces name the variant alike.
        attributes["norm_adaptive"] = .string(AdaptiveKind(norm.adaptive).rawValue)
        if let adaptive = norm.adaptive {
            attributes["norm_adanorm_scale"] = .double(adaptive.scale)
            attributes["norm_adanorm_k"] = .double(adaptive.slope)
        }
        if let squashing = norm.dynamicTanh { attributes["norm_dyt_alpha"] = .double(squashing.initialAlpha) }
        return attributes
    }
}

/// Collects the top-level keys of one `encode(to:)` call.
private final class SettingEncoder: Encoder {
    var settings: [String: AttributeValue] = [:]
    /// Why the value could not be taken apart into settings, if it could not.
    var problem: String?
    let codingPath: [any CodingKey] = []
    let userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(SettingContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        problem = "settings must be an object of keys, not a list"
        return ValueEncoder().unkeyedContainer()
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        problem = "settings must be an object of keys, not a single value"
        return ValueEncoder().singleValueContainer()
    }
}

private struct SettingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: SettingEncoder
    var codingPath: [any CodingKey] { [] }

    private func set(_ value: AttributeValue, _ key: Key) { encoder.settings[key.stringValue] = value }

    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(.double(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(.double(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(.int64(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(Self.unsigned(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(.int64(Int64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(Self.unsigned(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try ValueEncoder.attribute(of: value), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        encoder.problem = "setting '\(key.stringValue)' is encoded as a nested object, which has no attribute form"
        return ValueEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.problem = "setting '\(key.stringValue)' is encoded as a nested list, which has no attribute form"
        return ValueEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder }
    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }

    /// An unsigned value too large for int64 is kept as float64 rather than wrapped negative.
    static func unsigned(_ value: UInt64) -> AttributeValue {
        Int64(exactly: value).map { .int64($0) } ?? .double(Double(value))
    }
}

/// Encodes one setting's value: a scalar, or a list of scalars of one kind; anything else is its JSON text.
private final class ValueEncoder: Encoder {
    enum Scalar {
        case bool(Bool), integer(Int64), real(Double), text(String)
    }

    var scalar: Scalar?
    var elements: [Scalar]?
    /// Set by anything that is neither a scalar nor a flat list.
    var isComplex = false
    let codingPath: [any CodingKey] = []
    let userInfo: [CodingUserInfoKey: Any] = [:]

    static func attribute<T: Encodable>(of value: T) throws -> AttributeValue {
        let encoder = ValueEncoder()
        try value.encode(to: encoder)
        if !encoder.isComplex, let scalar = encoder.scalar, encoder.elements == nil {
            switch scalar {
            case .bool(let flag): return .bool(flag)
            case .integer(let number): return .int64(number)
            case .real(let number): return .double(number)
            case .text(let text): return .string(text)
            }
        }
        if !encoder.isComplex, encoder.scalar == nil, let elements = encoder.elements {
            if let array = array(elements, declared: T.self) { return array }
        }
        let data = try JSONEncoder.sorted.encode(value)
        return .string(String(decoding: data, as: UTF8.self))
    }

    /// A flat list as an array of its one kind (integers among reals become reals); nil for booleans or a mix.
    /// An empty list takes the kind its Swift type declares.
    private static func array<T>(_ elements: [Scalar], declared: T.Type) -> AttributeValue? {
        if elements.isEmpty {
            if declared is [String].Type { return .stringArray([]) }
            if declared is [Double].Type || declared is [Float].Type { return .doubleArray([]) }
            return .int64Array([])
        }
        var integers: [Int64] = []
        var reals: [Double] = []
        var texts: [String] = []
        for element in elements {
            switch element {
            case .integer(let number):
                integers.append(number)
                reals.append(Double(number))
            case .real(let number): reals.append(number)
            case .text(let text): texts.append(text)
            case .bool: return nil
            }
        }
        if texts.count == elements.count { return .stringArray(texts) }
        if integers.count == elements.count { return .int64Array(integers) }
        if reals.count == elements.count { return .doubleArray(reals) }
        return nil
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        isComplex = true
        return KeyedEncodingContainer(DiscardingContainer<Key>())
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if elements != nil || scalar != nil { isComplex = true }
        elements = elements ?? []
        return ListContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { ScalarContainer(encoder: self) }

    func add(_ value: Scalar) {
        if elements != nil {
            elements!.append(value)
        } else if scalar == nil {
            scalar = value
        } else {
            isComplex = true
        }
    }

    /// Encodes an element of a list: a scalar stays one, anything else makes the list complex.
    func addElement<T: Encodable>(_ value: T) throws {
        let inner = ValueEncoder()
        try value.encode(to: inner)
        if inner.isComplex || inner.elements != nil { isComplex = true }
        if let scalar = inner.scalar { elements?.append(scalar) }
    }
}

private struct ScalarContainer: SingleValueEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { encoder.isComplex = true }
    mutating func encode(_ value: Bool) throws { encoder.add(.bool(value)) }
    mutating func encode(_ value: String) throws { encoder.add(.text(value)) }
    mutating func encode(_ value: Double) throws { encoder.add(.real(value)) }
    mutating func encode(_ value: Float) throws { encoder.add(.real(Double(value))) }
    mutating func encode(_ value: Int) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: Int8) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: Int16) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: Int32) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: Int64) throws { encoder.add(.integer(value)) }
    mutating func encode(_ value: UInt) throws { try encode(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: UInt16) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: UInt32) throws { encoder.add(.integer(Int64(value))) }
    mutating func encode(_ value: UInt64) throws {
        encoder.add(Int64(exactly: value).map { .integer($0) } ?? .real(Double(value)))
    }
    mutating func encode<T: Encodable>(_ value: T) throws { try value.encode(to: encoder) }
}

private struct ListContainer: UnkeyedEncodingContainer {
    let encoder: ValueEncoder
    var codingPath: [any CodingKey] { [] }
    var count: Int { encoder.elements?.count ?? 0 }

    mutating func encodeNil() throws { encoder.isComplex = true }
    mutating func encode<T: Encodable>(_ value: T) throws { try encoder.addElement(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        encoder.isComplex = true
        return KeyedEncodingContainer(DiscardingContainer<NestedKey>())
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        encoder.isComplex = true
        return ValueEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        encoder.isComplex = true
        return ValueEncoder()
    }
}

/// Swallows what a complex value encodes: such a value is stored as its JSON text instead.
private struct DiscardingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] { [] }
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {}
    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> { KeyedEncodingContainer(DiscardingContainer<NestedKey>()) }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder().unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { ValueEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder() }
}

extension RunConfiguration {
    /// The settings this configuration writes on its run, typed as the trace stores them (`TraceFormat.settings`
    /// declares their kinds): the defaults `normscope schema` exports, and what the declaration test checks.
    public func settingAttributes() throws -> [String: AttributeValue] {
        try SettingAttributes.of(self)
    }
}
