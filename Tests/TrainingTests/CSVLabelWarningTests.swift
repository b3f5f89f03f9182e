import TestSupport
import Testing
import Training

/// Labels that load but are probably not what the file's author meant, reported as warnings with their lines.
@Suite("CSVLoader: label warnings")
struct CSVLabelWarningTests {
    private func read(_ text: String, options: CSVOptions = CSVOptions()) throws -> LoadedCSV {
        try DataFixtures.withFile(text, named: "labels.csv") { try CSVLoader.read(path: $0, options: options) }
    }

    /// Every warning as `file-name:line: warning: message`, without the temporary directory.
    private func warnings(_ loaded: LoadedCSV) -> [String] {
        loaded.warnings.map { warning in
            var warning = warning
            warning.filePath = String(warning.filePath.split(separator: "/").last ?? "")
            return warning.description
        }
    }

    @Test("a stray word among numeric labels is a warning naming it and its line; numbers keep their order")
    func strayWord() throws {
        let loaded = try read("1,10\n2,2\n3,abc\n4,2\n5,10\n6,abc\n")
        #expect(loaded.classNames == ["2", "10", "abc"])
        #expect(loaded.dataset.labels == [1, 0, 2, 0, 1, 2])
        #expect(
            warnings(loaded) == [
                "labels.csv:3: warning: column 2: label \"abc\" is not a number, unlike the other 4 labels; each "
                    + "distinct label becomes a class of its own"
            ])
    }

    @Test("several strays, or a number among class names, are listed with the line each first appears on")
    func severalStrays() throws {
        let words = try read("1,0\n2,x\n3,1\n4,y\n5,0\n6,1\n7,x\n8,y\n")
        #expect(
            warnings(words).first
                == "labels.csv: warning: column 2: labels \"x\" (line 2), \"y\" (line 4) are not numbers, unlike "
                + "the other 4 labels; each distinct label becomes a class of its own")
        let number = try read("1,setosa\n2,virginica\n3,5\n4,setosa\n5,virginica\n6,5\n")
        #expect(warnings(number).first?.hasPrefix("labels.csv:3: warning: column 2: label \"5\" is a number") == true)
        #expect(number.classNames == ["5", "setosa", "virginica"])
    }

    @Test("a class with fewer than 2 examples is a warning naming it and its line, not an error")
    func singleExampleClass() throws {
        let one = try read("x,label\n1,0\n2,1\n3,0\n4,1\n5,2\n")
        #expect(one.dataset.count == 5 && one.dataset.classCount == 3)
        #expect(
            warnings(one) == [
                "labels.csv:6: warning: column 2 (\"label\"): class \"2\" has only one example; such a class cannot "
                    + "be both trained on and validated"
            ])
        let many = try read((1...8).map { "\($0),c\($0)\n" }.joined() + "9,c1\n")
        #expect(
            warnings(many) == [
                "labels.csv: warning: column 2: 7 of the 8 classes have only one example: \"c2\" (line 2), "
                    + "\"c3\" (line 3), \"c4\" (line 4), \"c5\" (line 5), \"c6\" (line 6) and 2 more; such a class "
                    + "cannot be both trained on and validated; if column 2 is not the label, choose it with "
                    + "--label-column"
            ])
    }

    @Test("class names as words, each with examples to spare, give no warning")
    func wordClasses() throws {
        let loaded = try read("5.1,setosa\n6.3,virginica\n5.9,versicolor\n5.0,setosa\n6.1,virginica\n5.7,versicolor\n")
        #expect(loaded.warnings.isEmpty && loaded.classNames == ["setosa", "versicolor", "virginica"])
    }

    @Test("a counts line that states another number of rows than follow it is a warning at line 1")
    func countsLineRowMismatch() throws {
        let loaded = try read("7,2,a,b\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
        #expect(loaded.dataset.count == 4)
        #expect(
            warnings(loaded) == [
                "labels.csv:1: warning: the first line, read as scikit-learn's counts line, says 7 rows; 4 follow it"
            ])
    }
}
