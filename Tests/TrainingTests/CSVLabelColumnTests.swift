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
                + "for the last)")
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
}
