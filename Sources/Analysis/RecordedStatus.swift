import Recording

/// A run's status as the analysis read it: one of the format's statuses, or unknown when the attribute is missing
/// or damaged (which is then listed under `damaged`, never taken for `completed`). Written as the status's word,
/// `unknown` for none, in every output.
public enum RecordedStatus: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    case known(RunStatus)
    case unknown

    /// The word: a `RunStatus` raw value or `unknown`.
    public var description: String {
        switch self {
        case .known(let status): status.rawValue
        case .unknown: "unknown"
        }
    }

    /// Whether it is `status`.
    public static func == (recorded: RecordedStatus, status: RunStatus) -> Bool { recorded == .known(status) }

    public init(from decoder: any Decoder) throws {
        let word = try decoder.singleValueContainer().decode(String.self)
        self = RunStatus(rawValue: word).map(RecordedStatus.known) ?? .unknown
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
