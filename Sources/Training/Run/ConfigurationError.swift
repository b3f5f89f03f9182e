/// A configuration problem: the key and what is wrong with it, with the valid values.
///
/// The description is one line: `sweep.json: steps: 1e+20 is out of range; expected a whole number 1…1000000000000`,
/// or, for the file's text itself, the place in the `file:line:column:` form compilers use:
/// `sweep.json:3:8: not valid JSON: expected ':' after the key "lr", got '0'`.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The key ``description`` leaves out: the problem is the file's, not one setting's.
    public static let wholeFile = "file"

    /// The offending key (or ``wholeFile`` for the file itself).
    public var key: String
    /// What is wrong, with the valid choices.
    public var message: String
    /// The file the key came from, when there is one.
    public var file: String?
    /// The 1-based line and column of the problem in the file's text, when it is one of the text (JSON syntax).
    public var line: Int?
    public var column: Int?

    public init(key: String, message: String, file: String? = nil, line: Int? = nil, column: Int? = nil) {
        self.key = key
        self.message = message
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String {
        var place = file ?? ""
        if let line { place += ":\(line)" + (column.map { ":\($0)" } ?? "") }
        let parts = [place, key == Self.wholeFile ? "" : key, message].filter { !$0.isEmpty }
        return parts.joined(separator: ": ")
    }
}
