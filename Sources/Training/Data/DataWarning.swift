/// Something in a data file that loads but is probably not what its author meant: a class with a single example,
/// a stray word among numeric labels. The run goes on; the user should be told.
///
/// Like ``DataError``, the description is one line in the `file:line: warning: message` form compilers use:
///
/// ```
/// iris.csv:42: warning: column 5: label "abc" is not a number, unlike the other 149 labels; …
/// ```
public struct DataWarning: Sendable, Equatable, CustomStringConvertible {
    /// The file as the caller named it.
    public var filePath: String
    /// The 1-based line the warning is about, when it is about one line.
    public var line: Int?
    /// What looks wrong, as a sentence fragment without a trailing period.
    public var message: String

    /// A warning about `filePath`, at `line` when it concerns one line.
    public init(filePath: String, line: Int? = nil, message: String) {
        self.filePath = filePath
        self.line = line
        self.message = message
    }

    /// `file:line: warning: message`, or `file: warning: message` without a line.
    public var description: String {
        "\(filePath)\(line.map { ":\($0)" } ?? ""): warning: \(message)"
    }
}
