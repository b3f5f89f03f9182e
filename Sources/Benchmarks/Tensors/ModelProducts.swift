import Foundation
import Tensors

/// The matrix products of a training step of `bench train`'s two workloads, timed with the kernels in use: what
/// `bench kernels` measures under each OpenBLAS core to find the fastest one for NormScope's own shapes rather than
/// for square products.
package enum ModelProducts {
    /// One product `C (m × n) ← op(A) · op(B)` over `k`, as `Matrix.multiply` calls it.
    package struct Shape: Sendable, Codable, Equatable, Hashable {
        /// Which product of which model, e.g. `mlp forward X·W`.
        package var name: String
        package var m: Int
        package var n: Int
        package var k: Int
        package var transposeA: Bool
        package var transposeB: Bool

        /// Multiply-adds of one product.
        package var multiplyAdds: Double { Double(m) * Double(n) * Double(k) }
    }

    /// The MLP's layer at batch 256 and width 512 (forward, input gradient, weight gradient) and the char-LM's
    /// at 64 sequences × 64 bytes and width 64 (Q, K and V stacked, the feed-forward pair, the output layer over
    /// the 85-byte vocabulary, and their weight gradients over the 4096 tokens).
    package static let training: [Shape] = [
        Shape(name: "mlp forward X·W", m: 256, n: 512, k: 512, transposeA: false, transposeB: false),
        Shape(name: "mlp input gradient G·Wᵀ", m: 256, n: 512, k: 512, transposeA: false, transposeB: true),
        Shape(name: "mlp weight gradient Xᵀ·G", m: 512, n: 512, k: 256, transposeA: true, transposeB: false),
        Shape(name: "char-lm QKV X·W", m: 4096, n: 192, k: 64, transposeA: false, transposeB: false),
        Shape(name: "char-lm ffn up X·W", m: 4096, n: 128, k: 64, transposeA: false, transposeB: false),
        Shape(name: "char-lm ffn down X·W", m: 4096, n: 64, k: 128, transposeA: false, transposeB: false),
        Shape(name: "char-lm logits X·W", m: 4096, n: 85, k: 64, transposeA: false, transposeB: false),
        Shape(name: "char-lm QKV weight gradient", m: 64, n: 192, k: 4096, transposeA: true, transposeB: false),
        Shape(name: "char-lm ffn weight gradient", m: 128, n: 64, k: 4096, transposeA: true, transposeB: false),
    ]

    /// One shape's rate, on one task and shared among the tasks a training step uses.
    package struct Rate: Sendable, Codable, Equatable {
        package var shape: Shape
        /// GFLOP/s (2 · m · n · k per product) of the best of the repetitions, one BLAS call on one task.
        package var oneTask: Double
        /// The same through `ParallelProduct` on `RowParallel.automatic`'s tasks.
        package var shared: Double
        /// How many tasks the shared product used.
        package var sharedTasks: Int
    }

    /// Times every shape with the kernels in use, each as the best of `repetitions` after a warm-up, one task and
    /// shared.
    package static func measure(_ shapes: [Shape] = training, repetitions: Int) -> [Rate] {
        // A first untimed pass: the process's first products pay for page faults, the CPU's clock ramp and the
        // second core's first wake-up (the first shape read 30% slow without it).
        _ = timeAll(shapes, repetitions: 1)
        return timeAll(shapes, repetitions: repetitions)
    }

    private static func timeAll(_ shapes: [Shape], repetitions: Int) -> [Rate] {
        var random = SeededRandom(seed: 11)
        return shapes.map { shape in
            let a = (0..<(shape.m * shape.k)).map { _ in Float(random.uniform(in: -1.0..<1.0) as Double) }
            let b = (0..<(shape.k * shape.n)).map { _ in Float(random.uniform(in: -1.0..<1.0) as Double) }
            var c = [Float](repeating: 0, count: shape.m * shape.n)
            func rate(_ parallel: RowParallel) -> Double {
                let clock = ContinuousClock()
                var best = Double.infinity
                // A product of this size takes 20 µs to 1 ms, so each timing covers enough calls for ~10 ms.
                let calls = max(1, Int(2e7 / max(1, shape.multiplyAdds)))
                for repetition in 0...repetitions {
                    let seconds = clock.measure {
                        for _ in 0..<calls {
                            a.withUnsafeBufferPointer { a in
                                b.withUnsafeBufferPointer { b in
                                    c.withUnsafeMutableBufferPointer { c in
                                        ParallelProduct.gemm(
                                            transposeA: shape.transposeA, transposeB: shape.transposeB,
                                            m: shape.m, n: shape.n, k: shape.k, alpha: 1,
                                            a: a, lda: shape.transposeA ? shape.m : shape.k,
                                            b: b, ldb: shape.transposeB ? shape.k : shape.n,
                                            beta: 0, c: c, ldc: shape.n, parallel: parallel)
                                    }
                                }
                            }
                        }
                    }.inSeconds / Double(calls)
                    if repetition > 0 { best = min(best, seconds) }  // the first is the warm-up
                }
                return 2 * shape.multiplyAdds / best / 1e9
            }
            let one = rate(.serial)
            let shared = rate(.automatic)
            let tasks = ParallelProduct.taskCount(m: shape.m, n: shape.n, k: shape.k, parallel: .automatic)
            return Rate(shape: shape, oneTask: one, shared: shared, sharedTasks: tasks)
        }
    }
}
