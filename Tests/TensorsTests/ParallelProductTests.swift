import TestSupport
import Testing

@testable import Tensors

@Suite("Products shared among tasks")
struct ParallelProductTests {
    /// The shapes of the models' products (MLP 512 × batch 256, the char-LM's 4096 tokens × 64 and × 128, its
    /// weight gradients with k = 4096) and awkward ones: odd sizes, few rows and many columns (split by columns),
    /// shares just above the split threshold.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (256, 512, 512), (512, 512, 256), (4096, 64, 64), (64, 64, 4096), (128, 64, 4096), (4096, 128, 64),
        (257, 333, 129), (3, 4099, 700), (9, 2049, 301),
    ]

    /// `op(A) · op(B) · alpha + beta · C` with `parallel`, from fixed inputs.
    private func product(
        _ shape: (m: Int, n: Int, k: Int), transposeA: Bool, transposeB: Bool, beta: Float, parallel: RowParallel
    ) -> [Float] {
        let (m, n, k) = shape
        let a = sampleTensor([m * k], seed: 3).scalars
        let b = sampleTensor([k * n], seed: 4).scalars
        var c = sampleTensor([m * n], seed: 5).scalars
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    ParallelProduct.gemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.75,
                        a: a, lda: transposeA ? m : k, b: b, ldb: transposeB ? k : n, beta: beta, c: c, ldc: n,
                        parallel: parallel)
                }
            }
        }
        return c
    }

    @Test(
        "every share's elements equal one BLAS call's bit for bit, for each transpose and beta",
        arguments: [false, true], [false, true])
    func sharesAreBitIdentical(transposeA: Bool, transposeB: Bool) {
        for shape in Self.shapes {
            for beta: Float in [0, 1] {
                let whole = product(
                    shape, transposeA: transposeA, transposeB: transposeB, beta: beta, parallel: .serial)
                for tasks in [2, 3, 4] {
                    let shared = product(
                        shape, transposeA: transposeA, transposeB: transposeB, beta: beta,
                        parallel: RowParallel(maximumTaskCount: tasks))
                    let differing = zip(whole, shared).filter { $0.bitPattern != $1.bitPattern }.count
                    #expect(
                        differing == 0,
                        "\(shape) tA \(transposeA) tB \(transposeB) beta \(beta), \(tasks) tasks: \(differing) differ")
                }
            }
        }
    }

    @Test("a product too small to share runs as one call, and large ones are shared")
    func splitsOnlyLargeProducts() {
        let tasks = RowParallel(maximumTaskCount: 2)
        #expect(ParallelProduct.taskCount(m: 64, n: 64, k: 16, parallel: tasks) == 1)
        #expect(ParallelProduct.taskCount(m: 256, n: 512, k: 512, parallel: tasks) == 2)
        #expect(ParallelProduct.taskCount(m: 256, n: 512, k: 512, parallel: .serial) == 1)
    }
}
