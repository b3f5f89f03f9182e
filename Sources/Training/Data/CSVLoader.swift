import Tensors

/// Reads a classification dataset from a CSV file: one example per line, numeric features and one label column.
///
/// The rules:
///
/// - The file may be gzip-compressed (see ``Gzip``), whatever its name.
/// - Lines end in `\n` or `\r\n`; blank lines are skipped but still counted, so line numbers in errors match an
///   editor's.
/// - Fields are trimmed of surrounding spaces and tabs. A field may be quoted with `"` (a doubled `""` inside stands
///   for one quote), which lets a label contain the separator; a quoted field cannot span lines.
/// - The first line may be column names, or scikit-learn's line of counts and class names
///   (`150,4,setosa,versicolor,virginica` above iris.csv's rows); either is detected and skipped unless
///   ``CSVOptions/hasHeader`` decides.
/// - Every example line has as many fields as the first one, and every field but the label is a finite number; a
///   first example unlike the rows after it is the one an error names. A file that fails and looks
///   semicolon-separated says so.
/// - Columns count from 1, in ``CSVOptions/labelColumn`` as in errors.
/// - Labels are numbers or strings. Numbers become classes in increasing order (`1` and `1.0` are one class), then
///   strings in sorted order, as the indices `0..<classCount`; a file with integer labels `0...k` therefore keeps
///   them as they are. A label column of many distinct fractional numbers is an error (it looks continuous), and
///   so is one of too many distinct labels to be classes (see ``classes(of:filePath:)``); a class of a single
///   example, or a stray word among numbers, is a ``DataWarning``.
///
/// Errors are ``DataError``s naming the file, the line and the 1-based column.
public enum CSVLoader {
    /// The dataset in the CSV file at `path`, named after the file (`data/iris.csv.gz` → `iris`).
    ///
    /// - Parameters:
    ///   - path: The file; plain or gzip-compressed.
    ///   - options: The label column, header and separator; defaults to the last column, a detected header, commas.
    /// - Throws: ``DataError`` for a missing or unreadable file, ragged rows, a non-numeric feature, continuous
    ///   labels or no rows.
    public static func load(path: String, options: CSVOptions = CSVOptions()) throws -> ClassificationDataset {
        try read(path: path, options: options).dataset
    }

    /// The dataset in the CSV file at `path`, with the label each class index stands for and the warnings about
    /// its labels.
    ///
    /// - Parameters:
    ///   - path: The file; plain or gzip-compressed.
    ///   - options: The label column, header and separator.
    /// - Throws: ``DataError`` as ``load(path:options:)`` does.
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws -> LoadedCSV {
        let bytes = try DataFile.bytes(atPath: path)
        return try parse(bytes, name: DataFile.baseName(of: path), filePath: path, options: options)
    }

    // MARK: - Parsing

    /// The dataset in `bytes`, the uncompressed contents of `filePath`.
    ///
    /// A file that fails and whose first line looks semicolon-separated (more `;` than `,`, the spreadsheet export
    /// of locales with a decimal comma) gets the hint in its error: its rows read as one column, or its decimal
    /// commas as separators, and the error alone would not say why.
    static func parse(_ bytes: [UInt8], name: String, filePath: String, options: CSVOptions) throws -> LoadedCSV {
        do {
            return try parseRows(bytes, name: name, filePath: filePath, options: options)
        } catch var error as DataError {
            if options.separator == ",", looksSemicolonSeparated(bytes) {
                error.message += "; the file looks semicolon-separated, and NormScope reads comma-separated CSV"
            }
            throw error
        }
    }

    /// Whether the first non-blank line holds more semicolons than commas.
    private static func looksSemicolonSeparated(_ bytes: [UInt8]) -> Bool {
        guard let first = nonBlankLines(bytes).first else { return false }
        let line = bytes[first.range]
        return line.count { $0 == UInt8(ascii: ";") } > line.count { $0 == UInt8(ascii: ",") }
    }

    private static func parseRows(
        _ bytes: [UInt8], name: String, filePath: String, options: CSVOptions
    ) throws -> LoadedCSV {
        if IDXLoader.isIDX(bytes) {
            throw DataError(
                filePath: filePath,
                message: "an IDX file, not CSV: give an IDX images file with its labels file, "
                    + "--dataset IMAGES --labels LABELS")
        }
        guard let separator = options.separator.asciiValue, separator != quote, !isLineEnd(separator) else {
            throw DataError(
                filePath: filePath,
                message: "the separator must be one ASCII character other than a quote or a line end, "
                    + "got \(String(reflecting: options.separator))")
        }
        guard options.labelColumn != 0 else {
            throw DataError(
                filePath: filePath,
                message: "--label-column 0: columns count from 1 (1 is the first column) and -1 is the last")
        }
        let lines = nonBlankLines(bytes)
        guard let firstLine = lines.first else {
            throw DataError(filePath: filePath, message: "the file holds no rows")
        }
        let first = try fields(of: bytes[firstLine.range], separator: separator, filePath, firstLine.number)
        let second = try lines.dropFirst().first.map {
            try fields(of: bytes[$0.range], separator: separator, filePath, $0.number)
        }
        let kind = Self.firstLine(first, second: second, rowsAfter: lines.count - 1, options: options)
        let rows = lines.dropFirst(kind == .example ? 0 : 1)
        guard let firstRow = kind == .example ? first : second, let firstRowLine = rows.first?.number else {
            throw DataError(filePath: filePath, message: "the file holds a header but no rows")
        }
        var warnings: [DataWarning] = []
        if case .counts(let statedRows) = kind, statedRows != rows.count {
            warnings.append(
                DataWarning(
                    filePath: filePath, line: firstLine.number,
                    message: "the first line, read as scikit-learn's counts line, says \(statedRows) rows; "
                        + "\(rows.count) follow it"))
        }

        let columnCount = firstRow.count
        guard columnCount >= 2 else {
            throw DataError(
                filePath: filePath, line: firstRowLine,
                message: "expected at least 2 columns (features and a label), got \(columnCount)")
        }
        guard let labelIndex = options.labelIndex(columnCount: columnCount) else {
            // About the file's width, not a line: every example has these columns.
            throw DataError(
                filePath: filePath,
                message: "--label-column \(options.labelColumn) is outside the file's \(columnCount) columns; "
                    + "choose 1 to \(columnCount), or -1 to -\(columnCount) counting from the end")
        }
        // Column names only from a header that names every column; a counts line names none.
        let header = kind == .columnNames && first.count == columnCount ? first : nil

        // Columns are named 1-based, as editors and spreadsheets count them, plus the header's name when known.
        func columnName(_ j: Int) -> String {
            guard let header, !header[j].isEmpty else { return "column \(j + 1)" }
            return "column \(j + 1) (\(String(reflecting: header[j])))"
        }

        var features = [Float]()
        features.reserveCapacity(rows.count * (columnCount - 1))
        var labels = LabelColumn(values: [], lines: [], name: columnName(labelIndex), columnCount: columnCount)
        labels.values.reserveCapacity(rows.count)
        labels.lines.reserveCapacity(rows.count)
        for (index, line) in rows.enumerated() {
            let row =
                line.number == firstRowLine
                ? firstRow : try fields(of: bytes[line.range], separator: separator, filePath, line.number)
            guard row.count == columnCount else {
                // Only the second example can show the first to be the odd one; the row after it decides.
                let next =
                    try index == 1
                    ? rows.dropFirst(2).first.map {
                        try fields(of: bytes[$0.range], separator: separator, filePath, $0.number).count
                    } : nil
                throw raggedRow(
                    row.count, at: line.number, expected: columnCount, firstRowLine: firstRowLine,
                    isSecondRow: index == 1, next: next, headerHint: kind == .example && options.hasHeader == nil,
                    filePath: filePath)
            }
            for (j, field) in row.enumerated() where j != labelIndex {
                guard let value = number(field) else {
                    throw DataError(
                        filePath: filePath, line: line.number,
                        message: "\(columnName(j)): expected a finite number, got \(String(reflecting: field))")
                }
                features.append(value)
            }
            guard !row[labelIndex].isEmpty else {
                throw DataError(
                    filePath: filePath, line: line.number, message: "\(columnName(labelIndex)): empty label")
            }
            labels.values.append(row[labelIndex])
            labels.lines.append(line.number)
        }

        let classes = try Self.classes(of: labels, filePath: filePath)
        let dataset = ClassificationDataset(
            name: name,
            features: Matrix(rows: labels.values.count, columns: columnCount - 1, scalars: features),
            labels: classes.indices,
            classCount: classes.names.count)
        return LoadedCSV(dataset: dataset, classNames: classes.names, warnings: warnings + classes.warnings)
    }

    /// The error for a row of `count` fields at `line` where the first example, at `firstRowLine`, has `expected`.
    ///
    /// The first example sets the width, so when it is the odd one (a header or a counts line that was not
    /// recognized, a stray line above the data) every later row disagrees with it. When the first row to disagree
    /// is the second example (`isSecondRow`) and the one after it (`next` fields, nil when there is none) agrees
    /// with that row, the first example is the ragged one and the error names its line, not the next.
    /// `headerHint`: the first line was read as an example because detection found no header, so `--header` may be
    /// what the user needs.
    private static func raggedRow(
        _ count: Int, at line: Int, expected: Int, firstRowLine: Int, isSecondRow: Bool, next: Int?,
        headerHint: Bool, filePath: String
    ) -> DataError {
        let firstRowIsOdd = isSecondRow && next == count
        let (blamed, width, found) = firstRowIsOdd ? (firstRowLine, count, expected) : (line, expected, count)
        // A first line read as an example shows up at the second example, whichever of the two is blamed.
        let hint = headerHint && isSecondRow ? "; if line \(firstRowLine) is a header, pass --header" : ""
        return DataError(filePath: filePath, line: blamed, message: "expected \(width) columns, got \(found)" + hint)
    }
}
