import Foundation
import TestSupport
import Testing

@testable import Tensors

@Suite("Products shared among tasks")
struct ParallelProductTests {
    /// The shapes of the models' products (MLP 512 × batch 256, the char-LM's 4096 tokens × 64 and × 128, its
    /// weight gradients with k = 4096) and awkward ones: odd sizes whose shares end inside a kernel's register block,
    /// remainders of every width, few rows and many columns (not split), shares just above the split threshold.
    static let shapes: [(m: Int, n: Int, k: Int)] = [
        (256, 512, 512), (512, 512, 256), (4096, 64, 64), (64, 64, 4096), (128, 64, 4096), (4096, 128, 64),
        (257, 333, 129), (1000, 77, 300), (100, 1000, 50), (3, 4099, 700), (9, 2049, 301),
    ]

    /// `op(A) · op(B) · 0.75 + beta · C` with `parallel`, from fixed inputs.
    private func product<Scalar: MatrixScalar>(
        _ shape: (m: Int, n: Int, k: Int), inputs: (a: [Scalar], b: [Scalar], c: [Scalar]),
        transposeA: Bool, transposeB: Bool, beta: Scalar, parallel: RowParallel
    ) -> [Scalar] {
        let (m, n, k) = shape
        var c = inputs.c
        inputs.a.withUnsafeBufferPointer { a in
            inputs.b.withUnsafeBufferPointer { b in
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

    /// How many elements of the shared products differ from one BLAS call's, over every shape, beta and 2–4 tasks.
    private func differences<Scalar: MatrixScalar & BinaryFloatingPoint>(
        _: Scalar.Type, transposeA: Bool, transposeB: Bool
    ) -> [String] {
        var found: [String] = []
        for shape in Self.shapes {
            let (m, n, k) = shape
            let inputs = (
                a: sampleMatrix(m, k, seed: 3, as: Scalar.self).scalars,
                b: sampleMatrix(k, n, seed: 4, as: Scalar.self).scalars,
                c: sampleMatrix(m, n, seed: 5, as: Scalar.self).scalars)
            for beta: Scalar in [0, 1] {
                let whole = product(
                    shape, inputs: inputs, transposeA: transposeA, transposeB: transposeB, beta: beta,
                    parallel: .serial)
                for tasks in [2, 3, 4] {
                    let shared = product(
                        shape, inputs: inputs, transposeA: transposeA, transposeB: transposeB, beta: beta,
                        parallel: RowParallel(maximumTaskCount: tasks))
                    // memcmp first: an element-wise loop in a debug build costs seconds over these shapes.
                    let same = whole.withUnsafeBytes { w in
                        shared.withUnsafeBytes { memcmp(w.baseAddress!, $0.baseAddress!, w.count) == 0 }
                    }
                    if !same {
                        let differing = zip(whole, shared).count(where: { $0 != $1 || $0.sign != $1.sign })
                        found.append("\(Scalar.self) \(shape) beta \(beta), \(tasks) tasks: \(differing) differ")
                    }
                }
            }
        }
        return found
    }

    @Test(
        "every share's elements equal one BLAS call's bit for bit, for each transpose and beta, Float and Double",
        arguments: [false, true], [false, true])
    func sharesAreBitIdentical(transposeA: Bool, transposeB: Bool) {
        let found =
            differences(Float.self, transposeA: transposeA, transposeB: transposeB)
            + differences(Double.self, transposeA: transposeA, transposeB: transposeB)
        #expect(
            found.isEmpty,
            "under \(BLAS.coreName)'s kernels, tA \(transposeA) tB \(transposeB): \(found.joined(separator: "; "))")
    }

    @Test("shares cover the rows in order, start on multiples of 24 rows and are never small-matrix products")
    func sharesAreAligned() {
        for shape in Self.shapes + [(m: 97, n: 512, k: 512), (m: 16_384, n: 64, k: 64), (m: 5000, n: 16, k: 16)] {
            for tasks in 1...8 {
                let shares = ParallelProduct.shares(
                    m: shape.m, n: shape.n, k: shape.k, parallel: RowParallel(maximumTaskCount: tasks))
                #expect(shares.first?.lowerBound == 0 && shares.last?.upperBound == shape.m, "\(shape) \(tasks)")
                #expect(shares.count <= tasks)
                for (earlier, later) in zip(shares, shares.dropFirst()) {
                    #expect(earlier.upperBound == later.lowerBound)
                    #expect(later.lowerBound % ParallelProduct.rowAlignment == 0, "\(shape) \(tasks): \(shares)")
                }
                if shares.count > 1 {
                    #expect(shares.allSatisfy { $0.count * shape.n * shape.k > 1_000_000 }, "\(shape): \(shares)")
                }
            }
        }
    }

    @Test("a product too small to share, too flat to share by rows or too tall for one OpenBLAS block runs as one call")
    func splitsOnlyLargeProducts() {
        let tasks = RowParallel(maximumTaskCount: 2)
        #expect(ParallelProduct.taskCount(m: 64, n: 64, k: 16, parallel: tasks) == 1)
        #expect(ParallelProduct.taskCount(m: 256, n: 512, k: 512, parallel: tasks) == 2)
        #expect(ParallelProduct.taskCount(m: 256, n: 512, k: 512, parallel: .serial) == 1)
        // Columns are never split: no boundary between them is safe for every kernel.
        #expect(ParallelProduct.taskCount(m: 3, n: 4099, k: 700, parallel: tasks) == 1)
        #expect(ParallelProduct.taskCount(m: 24, n: 4099, k: 700, parallel: tasks) == 1)
        #expect(ParallelProduct.taskCount(m: 48, n: 4099, k: 700, parallel: tasks) == 2)
        #expect(ParallelProduct.taskCount(m: ParallelProduct.maximumSplitRows, n: 64, k: 64, parallel: tasks) == 2)
        #expect(ParallelProduct.taskCount(m: ParallelProduct.maximumSplitRows + 1, n: 64, k: 64, parallel: tasks) == 1)
    }

    @Test("the kernels in use are those OPENBLAS_CORETYPE forces, or NormScope's choice when it is unset")
    func kernelsInUse() {
        if let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            // A name OpenBLAS does not know (a machine's environment may set one) leaves the choice to OpenBLAS.
            if BLASKernelSelection.runnableCores.contains(where: { $0.lowercased() == forced.lowercased() }) {
                #expect(BLAS.coreName.lowercased() == forced.lowercased())
            }
        } else {
            #expect(BLAS.coreName == BLAS.kernelSelection.inUse)
        }
    }
}
