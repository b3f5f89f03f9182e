import Tensors
import TestSupport
import Testing
import Training

@Suite("CSVLoader")
struct CSVLoaderTests {
    /// Writes `text` to `name` in a fresh directory and loads it.
    private func load(
        _ text: String, name: String = "data.csv", options: CSVOptions = CSVOptions()
    ) throws -> (dataset: ClassificationDataset, classNames: [String]) {
        let directory = TemporaryDirectory(prefix: "normscope-csv")
        let path = directory.file(name)
        try DataFixtures.write(text, to: path)
        let loaded = try CSVLoader.read(path: path, options: options)
        return (loaded.dataset, loaded.classNames)
    }

    /// The DataError loading `text` throws.
    private func loadError(_ text: String, options: CSVOptions = CSVOptions()) -> DataError? {
        #expect(throws: DataError.self) { try load(text, name: "bad.csv", options: options) }
    }

    @Test("numeric rows without a header: features as written, integer labels kept, name from the file")
    func plainNumeric() throws {
        let (dataset, classNames) = try load("1,2.5,0\n-3,4e2,1\n5,6,2\n", name: "toy.csv")
        #expect(dataset.name == "toy")
        #expect(dataset.features == Matrix([[1, 2.5], [-3, 400], [5, 6]]))
        #expect(dataset.labels == [0, 1, 2] && dataset.classCount == 3)
        #expect(classNames == ["0", "1", "2"])
    }

    @Test("a header of words is detected and skipped")
    func headerDetected() throws {
        let (dataset, _) = try load("width,height,label\n1,2,0\n3,4,1\n")
        #expect(dataset.count == 2)
        #expect(dataset.features == Matrix([[1, 2], [3, 4]]))
    }

    @Test("a header with numeric feature names is detected by its word label over a numeric one")
    func headerWithNumericNames() throws {
        let (dataset, _) = try load("0,1,class\n5,6,1\n7,8,0\n")
        #expect(dataset.count == 2 && dataset.labels == [1, 0])
    }

    @Test("hasHeader overrides detection")
    func headerForced() throws {
        let (dataset, _) = try load("1,2,0\n3,4,1\n", options: CSVOptions(hasHeader: true))
        #expect(dataset.count == 1 && dataset.features == Matrix([[3, 4]]))
    }

    @Test("string labels become classes in sorted order, and the first row is data, not a header")
    func stringLabels() throws {
        let (dataset, classNames) = try load("5.1,3.5,setosa\n6.3,3.3,virginica\n5.9,3.0,versicolor\n5.0,3.6,setosa\n")
        #expect(dataset.count == 4)
        #expect(classNames == ["setosa", "versicolor", "virginica"])
        #expect(dataset.labels == [0, 2, 1, 0] && dataset.classCount == 3)
    }

    @Test("integer labels sort numerically, not as strings, and 1 and 1.0 are one class")
    func integerLabelsSortNumerically() throws {
        let (dataset, classNames) = try load("0,10\n0,2\n0,1\n0,1.0\n")
        #expect(classNames == ["1", "2", "10"])
        #expect(dataset.labels == [2, 1, 0, 0])
    }

    @Test("label columns count from 1, and a negative one from the end", arguments: [1, -3])
    func labelColumn(labelColumn: Int) throws {
        let (dataset, classNames) = try load("b,1,2\na,3,4\n", options: CSVOptions(labelColumn: labelColumn))
        #expect(classNames == ["a", "b"] && dataset.labels == [1, 0])
        #expect(dataset.features == Matrix([[1, 2], [3, 4]]))
    }

    @Test("a middle label column, a semicolon separator, quotes, blanks and CRLF line ends")
    func separatorsAndQuotes() throws {
        let text = "x ; label ; y\r\n 1 ; \"a;b\" ; 2\r\n\r\n3;\"say \"\"hi\"\"\";4\r\n"
        let (dataset, classNames) = try load(text, options: CSVOptions(labelColumn: 2, separator: ";"))
        #expect(dataset.features == Matrix([[1, 2], [3, 4]]))
        #expect(classNames == ["a;b", "say \"hi\""])
    }

    @Test("a non-numeric feature is an error naming the line and the column")
    func nonNumericCell() {
        let error = loadError("1,2,0\n\n3,abc,1\n")
        #expect(error?.line == 3)
        #expect(error?.filePath.hasSuffix("bad.csv") == true)
        #expect(error?.message == "column 2: expected a finite number, got \"abc\"")
    }

    @Test("with a header, the bad column is also named by its header")
    func nonNumericCellWithHeader() {
        let error = loadError("w,h,label\n1,2,0\n3,inf,1\n")
        #expect(error?.line == 3)
        #expect(error?.message == "column 2 (\"h\"): expected a finite number, got \"inf\"")
    }

    @Test("a ragged row is an error naming its line and both column counts")
    func raggedRow() {
        let error = loadError("1,2,0\n3,4,1\n5,1\n6,7,0\n")
        #expect(error?.line == 3)
        #expect(error?.message == "expected 3 columns, got 2")
        #expect(error?.description.hasSuffix("bad.csv:3: expected 3 columns, got 2") == true)
    }

    @Test(
        "a file that fails and looks semicolon-separated says so",
        arguments: [
            ("1;2;0\n3;4;1\n", 1, "expected at least 2 columns (features and a label), got 1"),
            // Under a header, decimal commas split the numbers: "5;1" is the field that fails.
            ("a;b;c\n0,5;1,5;0\n1,5;2,5;1\n", 2, "column 2: expected a finite number, got \"5;1\""),
        ])
    func semicolonSeparated(text: String, line: Int, message: String) throws {
        let error = loadError(text)
        #expect(error?.line == line)
        #expect(
            error?.message
                == message + "; the file looks semicolon-separated, and NormScope reads comma-separated CSV")
        // Read with the separator it has, the first loads.
        #expect(try load("1;2;0\n3;4;1\n", options: CSVOptions(separator: ";")).dataset.count == 2)
    }

    @Test("an IDX file given as a CSV (without --labels) is named as one, with the flags that read it")
    func idxFileAsCSV() {
        let error = loadError(String(decoding: [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7], as: UTF8.self))
        #expect(
            error?.message
                == "an IDX file, not CSV: give an IDX images file with its labels file, "
                + "--dataset IMAGES --labels LABELS")
    }

    @Test("a label column outside the row, an empty file and an empty label are errors")
    func otherErrors() {
        #expect(loadError("1,2\n", options: CSVOptions(labelColumn: -3)) != nil)
        #expect(loadError("\n  \n")?.message == "the file holds no rows")
        #expect(loadError("1,2,0\n3,4,\n")?.message == "column 3: empty label")
    }

    @Test("a label column outside the rows names the option, the file's column count and the choices")
    func labelColumnOutside() {
        let error = loadError("1,2,3\n4,5,6\n", options: CSVOptions(labelColumn: 4))
        #expect(error?.filePath.hasSuffix("bad.csv") == true && error?.line == nil)
        #expect(
            error?.message
                == "--label-column 4 is outside the file's 3 columns; choose 1 to 3, or -1 to -3 counting from the end")
    }

    @Test("label column 0 is refused, saying columns count from 1")
    func labelColumnZero() {
        let error = loadError("1,2,0\n3,4,1\n", options: CSVOptions(labelColumn: 0))
        #expect(error?.message == "--label-column 0: columns count from 1 (1 is the first column) and -1 is the last")
    }

    @Test("a gzipped file loads the same as the plain one")
    func gzipped() throws {
        let directory = TemporaryDirectory(prefix: "normscope-csv")
        let path = directory.file("pairs.csv")
        try DataFixtures.write("a,b,c\n1,2,x\n3,4,y\n", to: path)
        let gzipPath = try DataFixtures.gzip(path)
        let plain = try CSVLoader.load(path: path)
        let compressed = try CSVLoader.load(path: gzipPath)
        #expect(compressed == plain)
        #expect(compressed.name == "pairs")
    }

    @Test("a missing file is a DataError naming it")
    func missingFile() {
        let error = #expect(throws: DataError.self) { try CSVLoader.load(path: "/nonexistent/nothing.csv") }
        #expect(error?.description == "/nonexistent/nothing.csv: no such file")
    }

    @Test("a folder is a DataError naming it, not Foundation's error text")
    func folder() {
        let directory = TemporaryDirectory(prefix: "normscope-csv")
        let error = #expect(throws: DataError.self) { try CSVLoader.load(path: directory.path) }
        #expect(error?.description == "\(directory.path): is a folder, not a file")
    }
}
