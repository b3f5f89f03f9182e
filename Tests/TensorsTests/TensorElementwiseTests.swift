import TestSupport
import Testing

@testable import Tensors

@Suite("Tensor element-wise operations")
struct TensorElementwiseTests {
    let a = sampleTensor([3, 5], seed: 31)
    let b = sampleTensor([3, 5], seed: 32)

    @Test("+, − and ⊙ match per-element arithmetic")
    func operators() {
        #expect((a + b).scalars == zip(a.scalars, b.scalars).map { $0 + $1 })
        #expect((a - b).scalars == zip(a.scalars, b.scalars).map { $0 - $1 })
        #expect((a * b).scalars == zip(a.scalars, b.scalars).map { $0 * $1 })
        #expect((2.5 * a).scalars == a.scalars.map { 2.5 * $0 })
        #expect((-a).scalars == a.scalars.map { -$0 })
        #expect((a + b).shape == [3, 5])
    }

    @Test("In-place forms match the operators")
    func inPlace() {
        var x = a
        x += b
        #expect(x == a + b)
        x -= b
        x *= b
        #expect(x == (a + b - b) * b)
        x *= Float(0.5)
        #expect(x == ((a + b - b) * b).scaled(by: 0.5))
        var y = a
        y.apply { max(0, $0) }
        #expect(y.scalars == a.scalars.map { max(0, $0) })
        #expect(a.map { $0 * $0 } == a * a)
    }

    @Test("addScaled is y + alpha · x")
    func addScaled() {
        var y = a
        y.addScaled(b, by: -0.1)
        let expected = zip(a.scalars, b.scalars).map { Double($0) - 0.1 * Double($1) }
        #expect(isApproximatelyEqual(y, expected, relativeTolerance: 1e-6, absoluteTolerance: 1e-7))
    }

    @Test("into: variants write the result and reuse the output's storage")
    func intoVariants() {
        var c = Tensor(zeros: [15])
        let address = c.withUnsafeBufferPointer { $0.baseAddress }
        Tensor.add(a, b, into: &c)
        #expect(c == a + b)
        Tensor.subtract(a, b, into: &c)
        #expect(c == a - b)
        Tensor.multiply(a, b, into: &c)
        #expect(c == a * b)
        #expect(c.withUnsafeBufferPointer { $0.baseAddress } == address)
    }

    @Test("An output sharing storage with an input is copied, not aliased")
    func intoWithSharedStorage() {
        var c = a
        Tensor.add(c, b, into: &c)
        #expect(c == a + b)
    }
}
