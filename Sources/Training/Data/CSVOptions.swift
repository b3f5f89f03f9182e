/// How ``CSVLoader`` reads a file: where the label is, whether there is a header, what separates the fields.
public struct CSVOptions: Sendable, Equatable {
    /// The column holding the label, counted from 1 as editors, spreadsheets and the loader's errors count them; a
    /// negative value counts from the end, so -1 is the last column. 0 is no column and is refused.
    public var labelColumn: Int
    /// Whether the first non-blank line is not an example; `nil` detects it (see ``CSVLoader``): a line of column
    /// names, or a scikit-learn line of counts and class names such as `150,4,setosa,versicolor,virginica`.
    public var hasHeader: Bool?
    /// The field separator, a single ASCII character such as `,`, `;` or a tab.
    public var separator: Character

    /// Options for a file with numeric features and one label column.
    ///
    /// - Parameters:
    ///   - labelColumn: The label's column, 1-based, negative counting from the end; defaults to -1, the last.
    ///   - hasHeader: Whether the first line is a header; defaults to `nil`, which detects it.
    ///   - separator: The field separator; defaults to a comma.
    public init(labelColumn: Int = -1, hasHeader: Bool? = nil, separator: Character = ",") {
        self.labelColumn = labelColumn
        self.hasHeader = hasHeader
        self.separator = separator
    }

    /// The 0-based index of the label among `columnCount` columns, or `nil` when ``labelColumn`` is 0 or outside.
    func labelIndex(columnCount: Int) -> Int? {
        let index = labelColumn < 0 ? columnCount + labelColumn : labelColumn - 1
        return labelColumn != 0 && (0..<columnCount).contains(index) ? index : nil
    }
}
