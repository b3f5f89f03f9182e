import Foundation
import HDF5
import Recording

/// A run's configuration as flat `key → value`, the form runs are grouped and labelled by (`lr=0.0003`).
///
/// Read from the run's `config` attribute (the whole configuration as JSON, which every NormScope recorder writes):
/// nested objects become dotted keys; values keep their JSON type (numbers stay numbers in analyze's JSON) and are
/// compared and shown by their text: arrays as compact JSON (`hidden=[128,128]`), numbers in their shortest exact
/// decimal form. A trace without `config` falls back to the run group's own attributes, less the ones the writer
/// keeps for itself and the normalization details derived from the preset: typed in format 2, text in format 1,
/// and shown alike either way (`true`, `0.9`, `[128,128]`).
enum RunSettings {
    /// Keys that identify a run within its configuration rather than configure it.
    static let identity: Set<String> = ["seed"]

    /// The settings of one run group, and the damage found reading them (an unparsable `config`).
    static func read(group: Group, file: String) -> (settings: [String: SettingValue], damage: DamagedObject?) {
        if (try? group.hasAttribute(TraceFormat.Names.config)) == true {
            do {
                let text = try group.attribute(TraceFormat.Names.config, as: String.self)
                return (try flatten(json: text), nil)
            } catch {
                let problem: String
                if let hdf5 = error as? HDF5Error { problem = hdf5.message } else { problem = "is not valid JSON" }
                return (
                    fallback(group: group),
                    DamagedObject(
                        file: file, object: group.objectPath + "@" + TraceFormat.Names.config,
                        problem: "\(problem) (expected the run's configuration as JSON text); its settings were read "
                            + "from the run's other attributes")
                )
            }
        }
        return (fallback(group: group), nil)
    }

    /// Flattens a JSON object into `key → text`.
    static func flatten(json text: String) throws -> [String: SettingValue] {
        guard case .object(let object) = try JSONDecoder().decode(SettingValue.self, from: Data(text.utf8)) else {
            throw HDF5Error(code: .badValue, operation: "analyze", message: "is JSON but not an object of settings")
        }
        var settings: [String: SettingValue] = [:]
        func add(_ value: SettingValue, key: String) {
            if case .object(let nested) = value {
                for (name, inner) in nested { add(inner, key: key.isEmpty ? name : "\(key).\(name)") }
            } else {
                settings[key] = value
            }
        }
        add(.object(object), key: "")
        return settings
    }

    /// The shortest text of a number that reads back as the same Double: `0.0003`, `64`, `1e-05`.
    static func canonical(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// Attributes the writer sets itself, and those that follow from the preset.
    private static func isBookkeeping(_ name: String) -> Bool {
        TraceFormat.runAttributeNames.contains(name) || name.hasPrefix("norm_") || name.hasPrefix("adanorm_")
    }

    private static func fallback(group: Group) -> [String: SettingValue] {
        var settings: [String: SettingValue] = [:]
        for name in (try? group.attributeNames()) ?? [] where !isBookkeeping(name) {
            guard let value = try? group.attributeValue(name) else { continue }
            settings[name] = SettingValue(value)
        }
        return settings
    }
}

/// One setting's value as the configuration's JSON holds it, decoded without Foundation's NSNumber (whose booleans
/// and numbers Linux cannot tell apart), and encoded back as the same JSON type.
public enum SettingValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null, bool(Bool), number(Double), string(String), array([SettingValue]), object([String: SettingValue])

    /// A stored attribute as the setting it holds: typed (format 2) or text (format 1, kept as text).
    public init(_ attribute: AttributeValue) {
        switch attribute {
        case .string(let text): self = .string(text)
        case .int64(let value): self = .number(Double(value))
        case .double(let value): self = .number(value)
        case .bool(let value): self = .bool(value)
        case .int64Array(let values): self = .array(values.map { .number(Double($0)) })
        case .doubleArray(let values): self = .array(values.map { .number($0) })
        case .stringArray(let values): self = .array(values.map { .string($0) })
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SettingValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: SettingValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }

    /// Compact text: strings as they are, numbers in their shortest form, arrays and objects as JSON.
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let value): RunSettings.canonical(value)
        case .string(let value): value
        case .array(let values): "[" + values.map(\.json).joined(separator: ",") + "]"
        case .object: json
        }
    }

    private var json: String {
        switch self {
        case .string(let value):
            String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
        case .object(let members):
            "{" + members.keys.sorted().map { key in
                SettingValue.string(key).json + ":" + members[key]!.json
            }.joined(separator: ",") + "}"
        default: description
        }
    }
}
