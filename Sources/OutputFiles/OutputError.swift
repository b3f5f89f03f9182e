/// Why an output could not be written: one line that names the option, the path and what to do, for a command to
/// print as it is (`Error: --out runs: is a folder; name a file in it, e.g. runs/report.html`).
public struct OutputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, as a kind a test or a caller can match.
    public enum Reason: Sendable, Equatable {
        case isFolder, notRegularFile, danglingLink, missingFolder, parentNotFolder, notWritable
        case isInput, exists, appeared, writeFailed, isFile
    }

    public let reason: Reason
    public let description: String

    public init(_ reason: Reason, _ description: String) {
        self.reason = reason
        self.description = description
    }
}
