import Testing
import Training

@Suite("DataError")
struct DataErrorTests {
    @Test("with a line, the description is file:line: message")
    func withLine() {
        let error = DataError(filePath: "digits.csv", line: 17, message: "expected 65 columns, got 64")
        #expect(error.description == "digits.csv:17: expected 65 columns, got 64")
    }

    @Test("without a line, the description is file: message")
    func withoutLine() {
        let error = DataError(filePath: "train.idx", message: "not an IDX file (magic 0x12345678)")
        #expect(error.description == "train.idx: not an IDX file (magic 0x12345678)")
        #expect(error.line == nil)
    }
}
