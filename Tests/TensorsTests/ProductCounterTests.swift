import TestSupport
import Testing

@testable import Tensors

/// The counter is process-wide, so the tests running beside it in this process would add their products to its
/// count: the counting test runs alone, in a child of the test binary.
@Suite("Product counter")
struct ProductCounterTests {
    @Test("counting, run alone in a child process, passes", .enabled(if: !TestBinaryChild.isChild))
    func countsAlone() throws {
        let child = try TestBinaryChild.run(filter: "ProductCounterTests/countsMultiplyAdds")
        let passed = child.passed(suites: 1)
        #expect(passed, "exit \(child.status), \(child.summary): \(child.failures)")
    }

    @Test(
        "counts m·n·k of each product made while counting, shared or not, and nothing outside",
        .enabled(if: TestBinaryChild.isChild))
    func countsMultiplyAdds() {
        let a = sampleMatrix(256, 64, seed: 1, as: Float.self)
        let b = sampleMatrix(64, 512, seed: 2, as: Float.self)
        var c = [Float](repeating: 0, count: 256 * 512)
        let twoTasks = RowParallel(maximumTaskCount: 2)
        // Shared between two tasks: the shares' counts must add up to the whole product's.
        #expect(ParallelProduct.taskCount(m: 256, n: 512, k: 64, parallel: twoTasks) == 2)
        let counted = ProductCounter.counting {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        ParallelProduct.gemm(
                            transposeA: false, transposeB: false, m: 256, n: 512, k: 64, alpha: 1, a: a, lda: 64,
                            b: b, ldb: 512, beta: 0, c: c, ldc: 512, parallel: twoTasks)
                    }
                }
            }
            var d = Matrix<Float>(rows: 0, columns: 0)
            Matrix.multiply(a, transposeA: true, a, into: &d)  // 64 × 64 over k = 256, one call
        }
        #expect(counted == 256 * 512 * 64 + 64 * 64 * 256)
        var e = Matrix<Float>(rows: 0, columns: 0)
        Matrix.multiply(a, b, into: &e)
        #expect(ProductCounter.counting {} == 0)
    }
}
