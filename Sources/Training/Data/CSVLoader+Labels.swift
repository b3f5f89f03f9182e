// From a CSV file's label column to class indices, with the checks that catch a wrong label column, for
// ``CSVLoader``.

extension CSVLoader {
    /// The label column as read: one label per example, each with its line.
    struct LabelColumn {
        var values: [String]
        var lines: [Int]
        /// How errors name the column: `column 5`, or `column 5 ("species")` with a header.
        var name: String
        /// The file's number of columns, for the hint of which ones may be chosen.
        var columnCount: Int
    }

    /// More distinct numbers than this, not all whole, make a label column continuous: a measurement chosen as
    /// the label by mistake, whose every value would become a class. A few fractional values (0.5, 1.5) can still
    /// be class codes.
    static let continuousLabelMinimum = 10

    /// More distinct labels than this are never class labels, whatever the file's length: a classifier over
    /// thousands of classes is not what NormScope's models study, and such a column is an identifier or a target.
    static let maximumClassCount = 1000

    /// How many classes or values a warning names before `and N more`.
    private static let namedInWarning = 5

    /// The class index of every label, the label each class stands for, and warnings about doubtful labels.
    ///
    /// Numbers come first, in increasing order, with spellings of one value (`1`, `1.0`) in one class, so integer
    /// labels `0...k` keep their values; then words in sorted order. A label column that mixes the two warns with
    /// the minority kind's labels and lines; a class of a single example warns with its name and line.
    ///
    /// - Throws: ``DataError`` when the labels look continuous (see ``continuousLabelMinimum``), or are too many
    ///   distinct values to be classes: more than ``continuousLabelMinimum`` and more than half the rows, or more
    ///   than ``maximumClassCount``.
    static func classes(
        of column: LabelColumn, filePath: String
    ) throws -> (indices: [Int], names: [String], warnings: [DataWarning]) {
        var firstLine: [String: Int] = [:]
        for (label, line) in zip(column.values, column.lines) where firstLine[label] == nil {
            firstLine[label] = line
        }
        func byLine(_ labels: some Sequence<String>) -> [String] { labels.sorted { firstLine[$0]! < firstLine[$1]! } }
        var numericValue: [String: Double] = [:]
        for label in firstLine.keys {
            if let value = Double(label), value.isFinite { numericValue[label] = value }
        }

        let values = Set(numericValue.values).sorted()
        if values.count > continuousLabelMinimum,
            let fractional = byLine(numericValue.filter { $0.value != $0.value.rounded() }.keys).first
        {
            throw DataError(
                filePath: filePath, line: firstLine[fractional],
                message: "\(column.name): the labels look continuous, \(values.count) distinct numbers that are "
                    + "not all whole (\(fractional) here), each of which would become a class; choose the label "
                    + "column with --label-column (1 to \(column.columnCount), or -1 for the last); regression "
                    + "targets are not supported")
        }

        // Whole numbers or words can be a measurement or an identifier too (the wine data's `proline`, 121 distinct
        // integers over 178 rows): with fewer than two rows per class, or more classes than any classifier here
        // trains, the column does not hold class labels.
        let words = firstLine.keys.filter { numericValue[$0] == nil }.sorted()
        let distinct = values.count + words.count
        if distinct > continuousLabelMinimum
            && (distinct * 2 > column.values.count || distinct > maximumClassCount)
        {
            let why =
                distinct > maximumClassCount
                ? "more than the \(maximumClassCount) classes NormScope trains a classifier on"
                : "fewer than two rows per class"
            throw DataError(
                filePath: filePath,
                message: "\(column.name): \(distinct) distinct labels among \(column.values.count) rows (\(why)): "
                    + "not class labels but a measurement or an identifier; choose the label column with "
                    + "--label-column (1 to \(column.columnCount), or -1 for the last); regression targets are "
                    + "not supported")
        }

        var warnings: [DataWarning] = []
        let numericCount = column.values.count { numericValue[$0] != nil }
        let wordCount = column.values.count - numericCount
        if numericCount > 0 && wordCount > 0 {
            // The rarer kind is the stray one: `abc` among numbers, or `5` among class names.
            let straysAreWords = wordCount <= numericCount
            let strays = byLine(firstLine.keys.filter { (numericValue[$0] == nil) == straysAreWords })
            let kind = straysAreWords ? "not a number" : "a number"
            let others = straysAreWords ? numericCount : wordCount
            let subject =
                strays.count == 1
                ? "label \(String(reflecting: strays[0])) is \(kind)"
                : "labels \(listed(strays.map { ($0, firstLine[$0]!) })) are \(straysAreWords ? "not numbers" : "numbers")"
            warnings.append(
                DataWarning(
                    filePath: filePath, line: strays.count == 1 ? firstLine[strays[0]] : nil,
                    message: "\(column.name): \(subject), unlike the other \(others) labels; each distinct label "
                        + "becomes a class of its own"))
        }

        let names = values.map(format) + words
        let indexOfValue = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
        let indexOfWord = Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, values.count + $0) })
        let indices = column.values.map { label in
            numericValue[label].map { indexOfValue[$0]! } ?? indexOfWord[label]!
        }

        var examples = [Int](repeating: 0, count: names.count)
        var classLine = [Int](repeating: 0, count: names.count)
        for (index, line) in zip(indices, column.lines) {
            if examples[index] == 0 { classLine[index] = line }
            examples[index] += 1
        }
        let single = (0..<names.count).filter { examples[$0] < 2 }.sorted { classLine[$0] < classLine[$1] }
        if !single.isEmpty {
            let subject =
                single.count == 1
                ? "class \(String(reflecting: names[single[0]])) has only one example"
                : "\(single.count) of the \(names.count) classes have only one example: "
                    + listed(single.map { (names[$0], classLine[$0]) })
            // Mostly single-example classes: more likely an identifier or measurement than a label.
            let hint =
                single.count * 2 > names.count
                ? "; if \(column.name) is not the label, choose it with --label-column" : ""
            warnings.append(
                DataWarning(
                    filePath: filePath, line: single.count == 1 ? classLine[single[0]] : nil,
                    message: "\(column.name): \(subject); such a class cannot be both trained on and validated"
                        + hint))
        }
        return (indices, names, warnings)
    }

    /// `"a" (line 3), "b" (line 9) and 4 more`: the first few labels with the line each first appears on.
    private static func listed(_ labels: [(label: String, line: Int)]) -> String {
        let named = labels.prefix(namedInWarning).map { "\(String(reflecting: $0.label)) (line \($0.line))" }
        let rest = labels.count - named.count
        return named.joined(separator: ", ") + (rest > 0 ? " and \(rest) more" : "")
    }

    /// A numeric label as a class name: `3` rather than `3.0` when it is integral.
    private static func format(_ value: Double) -> String {
        if value == value.rounded() && value.magnitude < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }
}
