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
/// - Every example line has as many fields as the first one, and every field but the label is a finite number.
/// - Columns count from 1, in ``CSVOptions/labelColumn`` as in errors.
/// - Labels are numbers or strings. Numbers become classes in increasing order (`1` and `1.0` are one class), then
///   strings in sorted order, as the indices `0..<classCount`; a file with integer labels `0...k` therefore keeps
///   them as they are. A label column of many distinct fractional numbers is an error (it looks continuous); a
///   class of a single example, or a stray word among numbers, is a ``DataWarning``.
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
    static func parse(_ bytes: [UInt8], name: String, filePath: String, options: CSVOptions) throws -> LoadedCSV {
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
        for line in rows {
            let row =
                line.number == firstRowLine
                ? firstRow : try fields(of: bytes[line.range], separator: separator, filePath, line.number)
            guard row.count == columnCount else {
                // A first line that is not an example but was read as one shows up here, at the second line.
                let hint =
                    kind == .example && options.hasHeader == nil && line.number == lines[1].number
                    ? "; if line \(firstLine.number) is a header, pass --header" : ""
                throw DataError(
                    filePath: filePath, line: line.number,
                    message: "expected \(columnCount) columns, got \(row.count)" + hint)
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

        let classes = try classes(of: labels, filePath: filePath)
        let dataset = ClassificationDataset(
            name: name,
            features: Matrix(rows: labels.values.count, columns: columnCount - 1, scalars: features),
            labels: classes.indices,
            classCount: classes.names.count)
        return LoadedCSV(dataset: dataset, classNames: classes.names, warnings: warnings + classes.warnings)
    }
}
