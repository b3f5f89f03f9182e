import TestSupport
import Testing
import Training

/// A label column that cannot be class labels: a measurement chosen by mistake.
@Suite("CSVLoader: continuous labels")
struct CSVLabelColumnTests {
    /// `count` rows of one feature and the label `label(i)`.
    private func text(_ count: Int, label: (Int) -> String) -> String {
        (0..<count).map { "\($0),\(label($0))\n" }.joined()
    }

    private func load(_ text: String) throws -> ClassificationDataset {
        try DataFixtures.withFile(text, named: "sizes.csv") { try CSVLoader.load(path: $0) }
    }

    @Test("more than 10 distinct numbers that are not all whole are an error naming the file, line and column")
    func continuous() {
        // Line 1's label is whole; the first fractional one is on line 2.
        let error = #expect(throws: DataError.self) { try load(text(121) { "\(Double($0) / 4 + 1)" }) }
        #expect(error?.filePath.hasSuffix("sizes.csv") == true && error?.line == 2)
        #expect(
            error?.message
                == "column 2: the labels look continuous, 121 distinct numbers that are not all whole (1.25 here), "
                + "each of which would become a class; choose the label column with --label-column (1 to 2, or -1 "
                + "for the last); regression targets are not supported")
    }

    @Test("the check counts distinct values (1 and 1.0 are one), so few fractional ones or many whole ones are classes")
    func notContinuous() throws {
        // 11 spellings of 10 values, one of them fractional: not continuous; one more value is.
        let labels = (0..<9).map(String.init) + ["1.0", "2.5", "2.5"]
        #expect(try load(text(labels.count) { labels[$0] }).classCount == 10)
        #expect(throws: DataError.self) { try load(text(labels.count + 1) { $0 < labels.count ? labels[$0] : "3.5" }) }
        #expect(try load(text(40) { $0 % 2 == 0 ? "0.5" : "1.5" }).classCount == 2)
        #expect(try load(text(200) { "\($0 % 100)" }).classCount == 100)
    }

    @Test("whole numbers or words with fewer than two rows per class are refused: a measurement or an identifier")
    func tooManyClasses() throws {
        // The wine data's proline: integers from 278 to 1680, 121 distinct over 178 rows.
        let proline = #expect(throws: DataError.self) { try load(text(178) { "\(278 + ($0 % 121) * 11)" }) }
        #expect(proline?.line == nil)
        #expect(
            proline?.message
                == "column 2: 121 distinct labels among 178 rows (fewer than two rows per class): not class labels "
                + "but a measurement or an identifier; choose the label column with --label-column (1 to 2, or -1 "
                + "for the last); regression targets are not supported")
        let names = #expect(throws: DataError.self) { try load(text(30) { "id\($0 % 20)" }) }
        #expect(names?.message.hasPrefix("column 2: 20 distinct labels among 30 rows") == true)
        // 10 classes are always classes, however few rows hold them (each is then a warning).
        #expect(try load(text(12) { "\($0 % 10)" }).classCount == 10)
    }

    @Test("more than 1000 distinct labels are refused even with rows to spare")
    func beyondTheClassLimit() throws {
        let error = #expect(throws: DataError.self) { try load(text(4004) { "\($0 % 1001)" }) }
        #expect(
            error?.message.hasPrefix(
                "column 2: 1001 distinct labels among 4004 rows (more than the 1000 classes NormScope trains a "
                    + "classifier on)") == true)
        #expect(try load(text(4000) { "\($0 % 1000)" }).classCount == 1000)
    }
}
