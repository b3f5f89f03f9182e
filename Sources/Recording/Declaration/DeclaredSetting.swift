import HDF5

extension TraceFormat {
    /// The stored kind of a run setting attribute, named as `AttributeValue.kindName` names it.
    public enum SettingKind: String, Sendable, CaseIterable, Codable {
        case int64, float64, bool, string
        case int64Array = "int64 array"
        case float64Array = "float64 array"
        case stringArray = "string array"

        /// Whether `value` is stored with this kind.
        public func matches(_ value: AttributeValue) -> Bool { value.kindName == rawValue }
    }
}

/// Where a run setting comes from.
public enum SettingSource: String, Sendable, Codable, CaseIterable {
    /// A key of the sweep file (and of `normscope record`'s options), as the user gave it or its default.
    case configuration
    /// The normalization the run resolved from its preset and overrides (`norm_*`).
    case normalization
}

/// One run setting as a trace stores it: one attribute of `/runs/<run>`.
public struct DeclaredSetting: Sendable, Equatable {
    /// The attribute's (and the sweep file key's) name.
    public let name: String
    /// How format 2 stores it (format 1 stored most settings as text).
    public let kind: TraceFormat.SettingKind
    /// The values it can take, for a setting with a fixed vocabulary; nil for a free value.
    public let allowed: [String]?
    /// Whether `allowed` lists only the words `normscope record` writes, and a trace from another recorder (a
    /// PyTorch model's class name as `model`) may hold others: such a value is then not judged.
    public let isOpen: Bool
    public let source: SettingSource
    /// When it is written, if not always (`only when set`).
    public let presence: String?
    /// One phrase for the docs.
    public let meaning: String

    public init(
        _ name: String, _ kind: TraceFormat.SettingKind, allowed: [String]? = nil, open: Bool = false,
        source: SettingSource = .configuration, presence: String? = nil, _ meaning: String
    ) {
        self.name = name
        self.kind = kind
        self.allowed = allowed
        self.isOpen = open
        self.source = source
        self.presence = presence
        self.meaning = meaning
    }

    /// Why `value` (of the right kind) cannot be this setting, or nil.
    public func refusal(of value: String) -> String? {
        guard let allowed, !isOpen, !allowed.contains(value) else { return nil }
        return "= '\(value)' (expected \(allowed.sorted().joined(separator: ", ")))"
    }
}

/// An attribute of the trace's root, a run group or a layer group that is not a setting.
public struct DeclaredAttribute: Sendable, Equatable {
    public enum Place: String, Sendable, Codable, CaseIterable {
        case root, run, layer
    }

    public let name: String
    public let place: Place
    /// The stored type as the docs write it (`string (JSON)`, `int64`).
    public let type: String
    public let meaning: String

    public init(_ name: String, _ place: Place, _ type: String, _ meaning: String) {
        self.name = name
        self.place = place
        self.type = type
        self.meaning = meaning
    }
}
