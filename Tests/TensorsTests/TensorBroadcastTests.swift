import TestSupport
import Testing

@testable import Tensors

@Suite("Tensor broadcasting")
struct TensorBroadcastTests {
    let x = sampleTensor([4, 3, 5], seed: 41)  // 12 rows of 5 columns

    @Test("A row vector is applied to every row")
    func rowVector() {
        let v = Tensor(shape: [5], scalars: [1, -2, 3, -4, 5])
        let added = x.addingRowVector(v)
        let multiplied = x.multiplyingRowVector(v)
        #expect(added.shape == x.shape && multiplied.shape == x.shape)
        for r in 0..<x.rows {
            for c in 0..<x.columns {
                #expect(added[r, c] == x[r, c] + v.scalars[c])
                #expect(multiplied[r, c] == x[r, c] * v.scalars[c])
            }
        }
    }

    @Test("A column vector gives one value per row")
    func columnVector() {
        let s = Tensor(shape: [12]) { Float($0) - 6 }
        var added = x
        added.addColumnVector(s)
        var multiplied = x
        multiplied.multiplyColumnVector(s)
        for r in 0..<x.rows {
            for c in 0..<x.columns {
                #expect(added[r, c] == x[r, c] + s.scalars[r])
                #expect(multiplied[r, c] == x[r, c] * s.scalars[r])
            }
        }
    }
}
