import TestSupport
import Testing

@testable import Tensors

@Suite("Tensor")
struct TensorTests {
    @Test("A tensor keeps its shape and row-major elements")
    func shapeAndElements() {
        let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t.shape == [2, 3])
        #expect(t.count == 6)
        #expect(t.rank == 2)
        #expect(t.rows == 2 && t.columns == 3)
        #expect(t[1, 0] == 4)
        #expect(t[[0, 2]] == 3)
        #expect(t.row(1) == [4, 5, 6])
    }

    @Test("The matrix view flattens leading axes into rows")
    func matrixView() {
        let t = Tensor(zeros: [2, 3, 4])
        #expect(t.rows == 6 && t.columns == 4)
        var u = Tensor(shape: [2, 3, 4]) { Float($0) }
        #expect(u[[1, 2, 3]] == 23)
        #expect(u[5, 3] == 23)
        u[[1, 0, 1]] = -1
        #expect(u.scalars[13] == -1)
        let vector = Tensor(zeros: [5])
        #expect(vector.rows == 1 && vector.columns == 5)
        let scalar = Tensor(shape: [], scalars: [7])
        #expect(scalar.count == 1 && scalar.rows == 1 && scalar.columns == 1)
        let empty = Tensor(zeros: [0, 3])
        #expect(empty.count == 0 && empty.rows == 0 && empty.columns == 3)
    }

    @Test("Initializers fill, generate and take rows")
    func initializers() {
        #expect(Tensor(repeating: 2.5, shape: [2, 2]).scalars == [2.5, 2.5, 2.5, 2.5])
        #expect(Tensor(zeros: [3]).scalars == [0, 0, 0])
        #expect(Tensor(shape: [2, 2]) { Float($0 * 10) }.scalars == [0, 10, 20, 30])
        let fromRows = Tensor(rows: [[1, 2], [3, 4], [5, 6]])
        #expect(fromRows.shape == [3, 2] && fromRows.scalars == [1, 2, 3, 4, 5, 6])
    }

    @Test("Copies are independent (value semantics with copy-on-write)")
    func valueSemantics() {
        let original = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        var copy = original
        copy[0, 0] = 100
        copy.withUnsafeMutableBufferPointer { $0[3] = -4 }
        #expect(original.scalars == [1, 2, 3, 4])
        #expect(copy.scalars == [100, 2, 3, -4])
    }

    @Test("Mutating a uniquely held tensor, resizing to the same count or refilling keeps its storage")
    func storageReuse() {
        var t = Tensor(zeros: [4, 8])
        let address = t.withUnsafeBufferPointer { $0.baseAddress }
        t[1, 1] = 3
        t.resize(to: [8, 4])
        t.fill(with: 1)
        t.reshape(to: [32])
        #expect(t.withUnsafeBufferPointer { $0.baseAddress } == address)
        #expect(t.shape == [32] && t.scalars.allSatisfy { $0 == 1 })
        t.resize(to: [3])
        #expect(t.shape == [3] && t.scalars == [0, 0, 0])
    }

    @Test("Reshaping keeps the elements in order")
    func reshaping() {
        let t = Tensor(shape: [2, 3]) { Float($0) }
        let r = t.reshaped(to: [3, 2])
        #expect(r.shape == [3, 2] && r.scalars == t.scalars)
        #expect(r.row(2) == [4, 5])
    }

    @Test("Equality compares shape and elements")
    func equality() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(a == Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6]))
        #expect(a != a.reshaped(to: [3, 2]))
        #expect(a != Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 7]))
    }

    @Test("The description shows shape and rows")
    func description() {
        let t = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        #expect(t.description == "Tensor(shape: [2, 2], rows: [[1.0, 2.0], [3.0, 4.0]])")
        #expect(Tensor(zeros: [100]).description == "Tensor(shape: [100], 100 elements)")
    }
}
