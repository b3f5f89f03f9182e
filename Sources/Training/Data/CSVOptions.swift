/// How ``CSVLoader`` reads a file: where the label is, whether there is a header, what separates the fields.
public struct CSVOptions: Sendable, Equatable {
    /// The 0-based column holding the label; a negative value counts from the end, so -1 is the last column.
    public var labelColumn: Int
    /// Whether the first non-blank line names the columns; `nil` detects it: the first line is a header when one of
    /// its feature fields is not a number, or when its label is not a number but the next line's label is.
    public var hasHeader: Bool?
    /// The field separator, a single ASCII character such as `,`, `;` or a tab.
    public var separator: Character

    /// Options for a file with numeric features and one label column.
    ///
    /// - Parameters:
    ///   - labelColumn: The label's 0-based column, negative counting from the end; defaults to -1, the last.
    ///   - hasHeader: Whether the first line is a header; defaults to `nil`, which detects it.
    ///   - separator: The field separator; defaults to a comma.
    public init(labelColumn: Int = -1, hasHeader: Bool? = nil, separator: Character = ",") {
        self.labelColumn = labelColumn
        self.hasHeader = hasHeader
        self.separator = separator
    }
}
