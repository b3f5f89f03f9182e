import Testing
import Training

@Suite("BundledDataset")
struct BundledDatasetTests {
    @Test("the raw values are the names the CLI uses")
    func names() {
        #expect(BundledDataset.allCases.map(\.rawValue) == ["digits", "devils-dictionary"])
    }

    @Test("digits: 1797 × 64, ten classes, the first and last rows as in the file")
    func digits() throws {
        let digits = try BundledDataset.digits()
        #expect(digits.name == "digits")
        #expect(digits.count == 1797 && digits.featureCount == 64 && digits.classCount == 10)
        // Read from `zcat digits.csv.gz | head -1` and `tail -1`.
        let firstRow: [Float] = [
            0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
            0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0,
        ]
        #expect(Array(digits.features.row(0)) == firstRow)
        #expect(digits.labels[0] == 0)
        #expect(digits.labels[1] == 1)
        #expect(digits.features[1796, 2] == 10 && digits.features[1796, 63] == 0)
        #expect(digits.labels[1796] == 8)
    }

    @Test("digits: every label 0...9 is present, as often as in the file, and pixels are integers 0...16")
    func digitsLabelsAndRange() throws {
        let digits = try BundledDataset.digits()
        var counts = [Int](repeating: 0, count: 10)
        for label in digits.labels { counts[label] += 1 }
        // From `zcat digits.csv.gz | cut -d, -f65 | sort -n | uniq -c`.
        #expect(counts == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
        #expect(digits.features.scalars.allSatisfy { (0...16).contains($0) && $0 == $0.rounded() })
        #expect(digits.features.scalars.max() == 16)
    }

    @Test("devils-dictionary: 383,656 byte tokens over 85 sorted bytes, decoding to the original text")
    func devilsDictionary() throws {
        let corpus = try BundledDataset.devilsDictionary()
        #expect(corpus.name == "devils-dictionary")
        #expect(corpus.tokens.count == 383_656)
        #expect(corpus.vocabulary.count == 85)
        #expect(corpus.vocabulary == corpus.vocabulary.sorted() && Set(corpus.vocabulary).count == 85)
        #expect(corpus.tokens.allSatisfy { corpus.vocabulary.indices.contains($0) })
        // The first 200 bytes, from `zcat devils-dictionary.txt.gz | head -c 200`.
        let expected =
            "00-database-dictfmt-1.13.0\nhttp://wiretap.area.com/Gopher/Library/Classic/devils.txt\n"
            + "00-database-short\n     The Devil's Dictionary (1881-1906)\nThe original data is available from:\n"
            + "     http://wiretap."
        let decoded = corpus.tokens.prefix(200).map { corpus.vocabulary[$0] }
        #expect(decoded == Array(expected.utf8))
    }
}
