import Tensors
import TestSupport
import Testing
import Training

/// The first line of a CSV file: an example, column names, or scikit-learn's line of counts and class names.
@Suite("CSVLoader: the first line")
struct CSVFirstLineTests {
    private func load(_ text: String, options: CSVOptions = CSVOptions()) throws -> ClassificationDataset {
        try DataFixtures.withFile(text, named: "data.csv") { try CSVLoader.load(path: $0, options: options) }
    }

    private func loadError(_ text: String, options: CSVOptions = CSVOptions()) -> DataError? {
        #expect(throws: DataError.self) { try load(text, options: options) }
    }

    /// Six examples of three features, labels 0, 1, 2, under whatever first line a case puts above them.
    private static let rows =
        "5.1,3.5,1.4,0\n4.9,3.0,1.4,0\n7.0,3.2,4.7,1\n6.4,3.2,4.5,1\n6.3,3.3,6.0,2\n5.8,2.7,5.1,2\n"

    @Test(
        "scikit-learn's counts line is skipped, whether its field count differs from the rows' or not",
        arguments: [
            "6,3,class_0,class_1,class_2\n",  // wine_data.csv: 5 fields above rows of 4
            "6,3,malignant,benign\n",  // breast_cancer.csv: fewer class names than features
            "6,3,setosa,versicolor\n",  // iris.csv's layout: as many fields as a row
        ])
    func countsLine(firstLine: String) throws {
        let dataset = try load(firstLine + Self.rows)
        #expect(dataset.count == 6 && dataset.featureCount == 3)
        #expect(dataset.features.row(0) == [5.1, 3.5, 1.4])
        #expect(dataset.labels == [0, 0, 1, 1, 2, 2] && dataset.classCount == 3)
    }

    @Test(
        "a first line of whole numbers is skipped only when it gives the counts; ordinary rows stay examples",
        arguments: [
            ("3,1,0\n5,2,1\n7,3,0\n", 3),  // matches neither the row count (2) nor the feature count (2)
            ("2,5,0\n1,1,1\n4,4,0\n", 3),  // the row count matches, the feature count does not
            ("9,2,1\n1,1,1\n4,4,0\n", 3),  // the feature count matches, the row count does not
            ("2,2.0,1\n1,1,1\n4,4,0\n", 3),  // both match, but 2.0 is not written as a count
            ("2,2\n1,1,1\n4,4,0\n", 2),  // a shorter line: either match makes it a counts line
            ("7,2\n1,1,1\n4,4,0\n", 2),
            ("2,2,1\n1,1,1\n4,4,0\n", 3),  // both match on a line as long as a row, but no class name follows
        ])
    func numericFirstLine(text: String, examples: Int) throws {
        #expect(try load(text).count == examples)
    }

    @Test("a counts line names no column: errors count the column without a header name")
    func countsLineNamesNoColumn() {
        let error = loadError("2,3,setosa,virginica\n5.1,3.5,1.4,0\n4.9,x,1.4,1\n")
        #expect(error?.line == 3)
        #expect(error?.message == "column 2: expected a finite number, got \"x\"")
    }

    @Test("a ragged first line that is no counts line stays an example; the error names it and suggests --header")
    func raggedFirstLine() {
        // The rows after it agree with each other, so line 1 is the odd one, not line 2.
        let error = loadError("9,9\n1,2,0\n3,4,1\n")
        #expect(error?.line == 1)
        #expect(error?.message == "expected 3 columns, got 2; if line 1 is a header, pass --header")
        // With no third line to tell, the second is named, with the same hint.
        let short = loadError("9,9\n1,2,0\n")
        #expect(short?.line == 2)
        #expect(short?.message == "expected 2 columns, got 3; if line 1 is a header, pass --header")
    }

    @Test(
        "under a counts line, a ragged first example is named at its own line, not at the next",
        arguments: [
            ("6,3\n", 2),  // a counts line of two fields, recognized by its row count
            ("6,3,setosa,versicolor,virginica\n", 2),  // scikit-learn's layout
        ])
    func raggedRowUnderCountsLine(countsLine: String, line: Int) {
        // Five rows of four fields under a first example of three.
        let rest = Self.rows.split(separator: "\n").dropFirst().map { $0 + "\n" }.joined()
        let error = loadError(countsLine + "5.1,3.5,0\n" + rest)
        #expect(error?.line == line)
        #expect(error?.message == "expected 4 columns, got 3")
    }

    @Test("a ragged row further down is named at its line, under a counts line or not")
    func raggedLaterRow() {
        let lines = Self.rows.split(separator: "\n")
        let text = (lines.prefix(3) + ["5.0,1"] + lines.dropFirst(3)).joined(separator: "\n")
        #expect(loadError("7,3,a,b\n" + text)?.line == 5)
        #expect(loadError(text)?.line == 4)
        #expect(loadError(text)?.message == "expected 4 columns, got 2")
    }

    @Test("hasHeader true skips a first line of any length; the rows give the columns")
    func forcedHeader() throws {
        let dataset = try load("9,9\n1,2,0\n3,4,1\n", options: CSVOptions(hasHeader: true))
        #expect(dataset.count == 2 && dataset.features == Matrix([[1, 2], [3, 4]]))
    }
}
