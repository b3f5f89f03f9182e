import HDF5
import Recording
import Testing

@Suite("Trace rows")
struct TraceRowsTests {
    @Test("field names are unique snake_case and every stored field is declared once")
    func fieldNames() {
        let tables: [(String, [String], Int)] = [
            ("steps", StepRow.fields.map(\.name), MemoryLayout<StepRow>.size),
            ("evals", EvaluationRow.fields.map(\.name), MemoryLayout<EvaluationRow>.size),
            ("grad", NormStepRow.fields.map(\.name), MemoryLayout<NormStepRow>.size),
            ("phi", PhiStepRow.fields.map(\.name), MemoryLayout<PhiStepRow>.size),
        ]
        for (table, names, size) in tables {
            #expect(Set(names).count == names.count, "\(table) has duplicate fields")
            #expect(names.allSatisfy { $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } }, "\(table)")
            // All fields are 8 bytes, so a forgotten field shows up as a size mismatch.
            #expect(names.count * 8 == size, "\(table): \(names.count) fields, \(size) bytes")
        }
    }

    @Test("the gap is validation loss minus training loss")
    func gap() {
        #expect(
            EvaluationRow(step: 3, trainLoss: 0.25, trainAccuracy: 1, validLoss: 0.75, validAccuracy: 0.5).gap == 0.5)
    }
}
