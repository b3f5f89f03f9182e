import Foundation
import Tensors
import TestSupport
import Testing

@testable import Benchmarks

// Figures are never judged here (speed is measured by `normscope bench tensors`, not by timed tests); these tests
// check that a run measures what it says and that its report round-trips.
@Suite("TensorBenchmark")
struct TensorBenchmarkTests {
    /// Sizes small enough for a debug build to finish in milliseconds; no change to OpenBLAS's thread count, since
    /// other tests run products concurrently.
    static let tiny = TensorBenchmark.Configuration(
        copyBytes: 1 << 20, matrixSizes: [16, 24], naiveSize: 8, rowKernelRows: 64, rowKernelColumns: 32,
        repetitions: 2, measuresSingleThreadedBLAS: false
    )

    @Test("A run reports every figure, with rates and references")
    func runReportsEveryFigure() throws {
        var steps: [String] = []
        let report = TensorBenchmark(configuration: Self.tiny).run { steps.append($0) }
        #expect(steps.count == 4)
        let normalize = "row normalize (μ, σ², (x − μ)/σ)"
        let scale = "row scale (y = 2x)"
        let kernels = ["memory copy", "memory copy", normalize, normalize, scale, scale]
        // Each size: one-thread sgemm, then the product shared among RowParallel's tasks.
        let products = ["sgemm", "sgemm", "sgemm", "sgemm", "naive matmul (i-j-k loops)", "sgemm"]
        #expect(report.entries.map(\.kernel) == kernels + products)
        #expect(report.entries[7].variant.hasPrefix("shared") && report.entries[9].variant.hasPrefix("shared"))
        let shapes = [[1 << 20], [1 << 20], [64, 32], [64, 32], [64, 32], [64, 32]]
        let productShapes = [[16, 16, 16], [16, 16, 16], [24, 24, 24], [24, 24, 24], [8, 8, 8], [8, 8, 8]]
        #expect(report.entries.map(\.shape) == shapes + productShapes)
        for entry in report.entries {
            #expect(entry.rate > 0 && entry.rate.isFinite, "\(entry.kernel) \(entry.variant)")
            #expect(entry.timing.best > 0 && entry.timing.best <= entry.timing.median)
            #expect(entry.timing.repetitions == 2)
        }
        #expect(report.copyBandwidth == max(report.entries[0].rate, report.entries[1].rate))
        #expect(report.entries[2...5].allSatisfy { $0.fractionOfCopyBandwidth == $0.rate / report.copyBandwidth })
        #expect(report.entries[10].speedupOverNaive == 1)
        let blasRatio = try #require(report.entries[11].speedupOverNaive)
        #expect(blasRatio == report.entries[11].rate / report.entries[10].rate)
        #expect(report.machine.blasThreadCount == BLAS.threadCount)
    }

    @Test("The table lists every entry and the JSON decodes to the same report")
    func tableAndJSON() throws {
        let report = TensorBenchmark(configuration: Self.tiny).run()
        let lines = report.table.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.filter { $0.hasPrefix("sgemm") }.count == 5)
        #expect(lines.contains { $0.contains("% of copy bandwidth") })
        #expect(lines.contains { $0.contains("× naive") })
        let decoded = try JSONDecoder().decode(TensorBenchmarkReport.self, from: report.json())
        #expect(decoded == report)
    }

    /// Uniform values in [-2, 2) from a fixed seed.
    private static func sample(_ shape: [Int], seed: UInt64) -> Tensor {
        var generator = SeededRandom(seed: seed)
        return Tensor(randomUniform: shape, in: -2..<2, using: &generator)
    }

    @Test("The reference row kernel computes y = 2x for every split")
    func scaleRowsIsCorrect() {
        let x = Self.sample([37, 11], seed: 93)
        for parallelism in [RowParallel.serial, RowParallel(maximumTaskCount: 3, minimumElementsPerTask: 1)] {
            var y = Tensor(zeros: [37, 11])
            TensorBenchmark.scaleRows(x, into: &y, parallelism: parallelism)
            #expect(y == x.scaled(by: 2))
        }
    }

    @Test("The naive product used as the baseline is a correct product")
    func naiveBaselineIsCorrect() {
        let a = Self.sample([5, 5], seed: 91)
        let b = Self.sample([5, 5], seed: 92)
        var c = Tensor(zeros: [5, 5])
        TensorBenchmark.naiveMatmul(a, b, into: &c)
        // Each entry summed in Double, one product at a time: no shared code with the loop under test.
        let expected = (0..<25).map { index in
            (0..<5).reduce(0.0) { $0 + Double(a[index / 5, $1]) * Double(b[$1, index % 5]) }
        }
        #expect(isApproximatelyEqual(c, expected, relativeTolerance: 1e-5, absoluteTolerance: 1e-6))
    }
}
