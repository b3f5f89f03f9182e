/// A data file that could not be read or does not hold what its loader expects: which file, which line when the
/// format has lines, and what is wrong.
///
/// The description is one line in the `file:line: message` form compilers use, so that an editor or a terminal can
/// jump to the place:
///
/// ```
/// digits.csv:17: expected 65 columns, got 64
/// train-images-idx3-ubyte: not an IDX file (magic 0x12345678)
/// ```
///
/// Bad data in a file is an environment error, not a programmer error, so loaders throw this rather than trap.
public struct DataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as the caller named it (or, for bundled data, the resource's file name).
    public var filePath: String
    /// The 1-based line the problem is on, for line-oriented formats such as CSV; `nil` when it concerns the whole
    /// file or the format has no lines.
    public var line: Int?
    /// What is wrong, as a sentence fragment without a trailing period.
    public var message: String

    /// An error about `filePath`.
    ///
    /// - Parameters:
    ///   - filePath: The file the problem is in.
    ///   - line: The 1-based line number, when the format has lines.
    ///   - message: What is wrong, for example `expected 65 columns, got 64`.
    public init(filePath: String, line: Int? = nil, message: String) {
        self.filePath = filePath
        self.line = line
        self.message = message
    }

    /// `file:line: message`, or `file: message` without a line.
    public var description: String {
        if let line {
            return "\(filePath):\(line): \(message)"
        }
        return "\(filePath): \(message)"
    }
}
