import Tensors
import Testing
import Training

/// Data too small for what the trainer takes from each part is an error naming the file, not a trap.
@Suite("Checked splits")
struct CheckedSplitsTests {
    private func text(_ count: Int) -> TextCorpus {
        TextCorpus(name: "short", tokens: Array(repeating: 0, count: count), vocabulary: [UInt8(ascii: "a")])
    }

    @Test("a text shorter than a window in its training part names the file, its length, the need and --context")
    func shortText() {
        // 46 bytes split 28 / 9 / 9: no window of 65 fits in either part.
        let error = #expect(throws: DataError.self) {
            try text(46).splitForWindows(context: 64, validFraction: 0.2, testFraction: 0.2, filePath: "short.txt")
        }
        #expect(
            error?.description
                == "short.txt: 46 bytes of text are too short for --context 64: a window needs 65 bytes (context + 1) "
                + "in the training part and in the validation part, which hold 28 and 9 (valid_fraction 0.2, "
                + "test_fraction 0.2); give a text of at least 323 bytes, or lower --context to at most 8")
    }

    @Test("a validation part shorter than one window is an error even when training has room")
    func shortValidation() {
        // 200 bytes split 120 / 40 / 40: training fits a window of 65, validation does not.
        let error = #expect(throws: DataError.self) {
            try text(200).splitForWindows(context: 64, validFraction: 0.2, testFraction: 0.2, filePath: "t.txt")
        }
        #expect(error?.message.contains("which hold 120 and 40") == true)
        #expect(error?.message.hasSuffix("lower --context to at most 39") == true)
    }

    @Test("the length the error asks for is the shortest that fits, and a text too short for any context says so")
    func neededLength() throws {
        let fits = try text(323).splitForWindows(context: 64, validFraction: 0.2, testFraction: 0.2, filePath: "t")
        #expect(fits.train.tokens.count >= 65 && fits.valid.tokens.count == 65)
        #expect(throws: DataError.self) {
            try text(322).splitForWindows(context: 64, validFraction: 0.2, testFraction: 0.2, filePath: "t")
        }
        let tiny = #expect(throws: DataError.self) {
            try text(5).splitForWindows(context: 64, validFraction: 0.2, testFraction: 0.2, filePath: "t")
        }
        #expect(
            tiny?.message.hasSuffix("give a text of at least 323 bytes (or, with --context 2, of at least 13)") == true)
    }

    @Test("a dataset too small for a validation example names the file and the rows it needs")
    func emptyValidation() throws {
        let two = ClassificationDataset(name: "two", features: Matrix([[1], [2]]), labels: [0, 1], classCount: 2)
        let error = #expect(throws: DataError.self) {
            try two.checkedSplit(validFraction: 0.2, testFraction: 0.2, seed: 1, filePath: "two.csv")
        }
        #expect(
            error?.description
                == "two.csv: 2 examples are too few to split: the validation part gets none (valid_fraction 0.2, "
                + "test_fraction 0.2); the file needs at least 3 rows")
        let three = ClassificationDataset(
            name: "three", features: Matrix([[1], [2], [3]]), labels: [0, 1, 0], classCount: 2)
        #expect(try three.checkedSplit(validFraction: 0.2, testFraction: 0.2, seed: 1, filePath: "t").valid.count == 1)
    }
}
