/// A file a command reads, named the way its user gave it: an output is compared with each by identity, and a
/// refusal names the option it came from (`--out data.csv is the --dataset file (data.csv)`).
public struct CommandInput: Sendable, Equatable {
    /// How the user gave it: `"--dataset"`, `"the trace"`.
    public let role: String
    public let path: String

    public init(_ role: String, _ path: String) {
        self.role = role
        self.path = path
    }
}
