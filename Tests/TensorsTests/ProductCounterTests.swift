import TestSupport
import Testing

@testable import Tensors

@Suite("Product counter")
struct ProductCounterTests {
    @Test("counts m·n·k of each product made while counting, shared or not, and nothing outside")
    func countsMultiplyAdds() {
        let a = sampleMatrix(256, 64, seed: 1, as: Float.self)
        let b = sampleMatrix(64, 512, seed: 2, as: Float.self)
        var c = Matrix<Float>(rows: 0, columns: 0)
        // Shared among tasks: the shares' counts add up to the whole product's.
        #expect(ParallelProduct.taskCount(m: 256, n: 512, k: 64, parallel: .automatic) >= 1)
        let counted = ProductCounter.counting {
            Matrix.multiply(a, b, into: &c)
            Matrix.multiply(a, transposeA: true, c, into: &c)  // 64 × 512 over k = 256
        }
        #expect(counted == 256 * 512 * 64 + 64 * 512 * 256)
        Matrix.multiply(a, b, into: &c)
        #expect(ProductCounter.counting {} == 0)
    }
}
