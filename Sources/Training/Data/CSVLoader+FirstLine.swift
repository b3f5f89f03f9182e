// Whether a CSV file's first line is an example, column names, or scikit-learn's line of counts, for ``CSVLoader``.

extension CSVLoader {
    /// What the first non-blank line of a file holds.
    enum FirstLine: Equatable {
        /// An example, like every other line.
        case example
        /// Column names, such as `width,height,label`.
        case columnNames
        /// The layout of scikit-learn's bundled CSVs: `n_samples,n_features[,class names…]`, such as iris.csv's
        /// `150,4,setosa,versicolor,virginica`; `statedRows` is `n_samples`.
        case counts(statedRows: Int)
    }

    /// What the first line is, given the second (the first example when the first is not one) and how many
    /// non-blank lines follow it.
    ///
    /// Detection, when `hasHeader` does not decide: a counts line first, then column names (``looksLikeNames``).
    /// A counts line starts with two whole numbers, written as digits alone. When its field count differs from
    /// the second line's, the first number must be the number of rows after it or the second the number of features.
    /// When the field counts agree (iris.csv), both must hold and a class name must follow: a small file of whole
    /// numbers such as `1,2,3` over `4,5,6` matches both counts by chance. A ragged first row that matches neither
    /// count stays an example and is reported as ragged.
    static func firstLine(
        _ first: [String], second: [String]?, rowsAfter: Int, options: CSVOptions
    ) -> FirstLine {
        let counts = countsLine(first, second: second, rowsAfter: rowsAfter)
        switch options.hasHeader {
        case true?: return counts.map { .counts(statedRows: $0) } ?? .columnNames
        case false?: return .example
        case nil:
            if let statedRows = counts { return .counts(statedRows: statedRows) }
            return looksLikeNames(first, next: second, options: options) ? .columnNames : .example
        }
    }

    /// `n_samples` when `first` is scikit-learn's counts line, by the rules of ``firstLine(_:second:rowsAfter:options:)``.
    private static func countsLine(_ first: [String], second: [String]?, rowsAfter: Int) -> Int? {
        guard let second, first.count >= 2, let rows = wholeNumber(first[0]), let features = wholeNumber(first[1])
        else { return nil }
        let rowsMatch = rows == rowsAfter
        let featuresMatch = features == second.count - 1
        let namesClasses = first.dropFirst(2).contains { Double($0) == nil }
        let isCounts =
            first.count == second.count ? rowsMatch && featuresMatch && namesClasses : rowsMatch || featuresMatch
        return isCounts ? rows : nil
    }

    /// The field as a count: decimal digits and nothing else, so `4.0`, `+4` and `4e0` are not counts.
    private static func wholeNumber(_ field: String) -> Int? {
        guard !field.isEmpty, field.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(field)
    }

    /// Whether `first` names the columns: one of its feature fields is not a number, or its label is a word where
    /// the next line's label is a number.
    private static func looksLikeNames(_ first: [String], next: [String]?, options: CSVOptions) -> Bool {
        let labelIndex = options.labelIndex(columnCount: first.count)
        for (j, field) in first.enumerated() where j != labelIndex && number(field) == nil {
            return true
        }
        guard let labelIndex, Double(first[labelIndex]) == nil, let next, labelIndex < next.count else { return false }
        return Double(next[labelIndex]) != nil
    }
}
