import Foundation
import Tensors

/// Measures the Float32 engine's throughput on this machine, each figure next to a reference measured in the same
/// run: matrix products against a naive triple loop, and a memory-bound row kernel against the machine's own memory
/// copy bandwidth.
///
/// Concretely, one ``run(progress:)`` measures, each after a warm-up and as the best of ``Configuration/repetitions``
/// timings on a `ContinuousClock`:
///
/// ```
/// copy bandwidth   = 2 · bytes / t       memcpy of a large buffer, counting the read and the write (STREAM's rule),
///                                        on one thread and split across the cores; the better is the reference
/// sgemm rate       = 2 · m · n · k / t   GFLOP/s of `BLAS.sgemm`, n × n × n, with OpenBLAS's threads (and one)
/// naive rate       = 2 · n³ / t          the textbook i-j-k loop in Float, on a smaller n, and sgemm on the same n
/// row kernel rate  = 2 · 4 · R · H / t   `normalizeRows` (μ, σ², (x − μ)/σ) over R × H, serial and row-parallel,
///                                        as GB/s and as a fraction of the copy bandwidth; and y = 2x over the
///                                        same rows, the same traffic without the arithmetic
/// ```
///
/// Speed is judged this way rather than in timed tests: a figure only means something
/// beside what the same machine does at its limit.
///
/// The row kernel reads x and writes y once each, so at best it moves what a copy moves; it writes with ordinary
/// stores, which first read each destination line into the cache, whereas glibc's `memcpy` uses non-temporal stores
/// for large buffers. A single-pass kernel with ordinary stores therefore tops out near two thirds of the copy figure.
public struct TensorBenchmark: Sendable {
    /// The sizes one run measures.
    public struct Configuration: Sendable, Codable, Equatable {
        /// Bytes per buffer of the copy-bandwidth measurement; much larger than the last-level cache.
        public var copyBytes: Int
        /// Sizes n of the n × n × n `sgemm` measurements.
        public var matrixSizes: [Int]
        /// Size n of the n × n × n naive-loop measurement, also measured with `sgemm` for the ratio.
        public var naiveSize: Int
        /// Rows and columns of the row-kernel measurement.
        public var rowKernelRows: Int
        /// Columns (features) of the row-kernel measurement.
        public var rowKernelColumns: Int
        /// Timings per figure after the warm-up; the best is reported.
        public var repetitions: Int
        /// Whether to also time the largest `sgemm` with OpenBLAS limited to one thread.
        ///
        /// This changes the process-wide OpenBLAS thread count for the duration of that measurement.
        public var measuresSingleThreadedBLAS: Bool

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - copyBytes: Bytes per copy buffer.
        ///   - matrixSizes: Sizes n of the n × n × n `sgemm` measurements.
        ///   - naiveSize: Size n of the naive-loop comparison.
        ///   - rowKernelRows: Rows of the row-kernel measurement.
        ///   - rowKernelColumns: Columns of the row-kernel measurement.
        ///   - repetitions: Timings per figure after the warm-up; at least 1.
        ///   - measuresSingleThreadedBLAS: Whether to also time `sgemm` on one OpenBLAS thread.
        public init(
            copyBytes: Int,
            matrixSizes: [Int],
            naiveSize: Int,
            rowKernelRows: Int,
            rowKernelColumns: Int,
            repetitions: Int,
            measuresSingleThreadedBLAS: Bool
        ) {
            precondition(repetitions >= 1, "TensorBenchmark expects at least 1 repetition, got \(repetitions)")
            self.copyBytes = copyBytes
            self.matrixSizes = matrixSizes
            self.naiveSize = naiveSize
            self.rowKernelRows = rowKernelRows
            self.rowKernelColumns = rowKernelColumns
            self.repetitions = repetitions
            self.measuresSingleThreadedBLAS = measuresSingleThreadedBLAS
        }

        /// The full measurement: 512 MiB copies, 512³ and 1024³ products, a 256³ naive loop, 16384 × 1024 rows.
        public static let standard = Configuration(
            copyBytes: 512 << 20, matrixSizes: [512, 1024], naiveSize: 256,
            rowKernelRows: 16384, rowKernelColumns: 1024, repetitions: 5, measuresSingleThreadedBLAS: true
        )

        /// A shorter run: 256³ and 512³ products, a 128³ naive loop, 8192 × 1024 rows (still 64 MiB of
        /// input and output together, twice the last-level cache of the machines we use), 3 repetitions.
        ///
        /// The copies stay at 512 MiB, because the reference must not shrink with the run: glibc's `memcpy` switches
        /// to non-temporal stores only for large calls. On the project's machine one thread copied at 13 GB/s up to
        /// 128 MiB and 23 GB/s from 256 MiB, and two tasks copying 128 MiB each were no faster than one thread.
        public static let quick = Configuration(
            copyBytes: 512 << 20, matrixSizes: [256, 512], naiveSize: 128,
            rowKernelRows: 8192, rowKernelColumns: 1024, repetitions: 3, measuresSingleThreadedBLAS: true
        )
    }

    /// The sizes measured.
    public var configuration: Configuration

    /// Creates a benchmark.
    ///
    /// - Parameter configuration: The sizes to measure; ``Configuration/standard`` by default.
    public init(configuration: Configuration = .standard) {
        self.configuration = configuration
    }

    // MARK: - Running

    /// Runs every measurement and returns the figures.
    ///
    /// - Parameter progress: Called with a short line before each measurement, for a command to show.
    /// - Returns: The figures, as a table (``TensorBenchmarkReport/table``) or JSON.
    public func run(progress: (String) -> Void = { _ in }) -> TensorBenchmarkReport {
        let configuration = self.configuration
        var entries: [TensorBenchmarkReport.Entry] = []

        // Memory copy first, while no OpenBLAS thread is spinning on the other core.
        progress("memory copy, \(configuration.copyBytes >> 20) MiB")
        let copies = measureCopyBandwidth()
        entries += copies
        let copyBandwidth = copies.map(\.rate).max() ?? .nan

        progress("row kernel, \(configuration.rowKernelRows) × \(configuration.rowKernelColumns)")
        entries += measureRowKernel(copyBandwidth: copyBandwidth)

        progress("sgemm, sizes \(configuration.matrixSizes.map(String.init).joined(separator: ", "))")
        entries += measureMatrixProducts()

        progress("naive triple loop, \(configuration.naiveSize)³")
        entries += measureNaiveComparison()

        let machine = TensorBenchmarkReport.Machine(
            activeProcessorCount: ProcessInfo.processInfo.activeProcessorCount,
            blasThreadCount: BLAS.threadCount,
            blasConfiguration: BLAS.configuration,
            blasCoreName: BLAS.coreName,
            blasKernelReason: BLAS.kernelSelection.reason,
            cpu: CPUIdentity.current
        )
        return TensorBenchmarkReport(
            machine: machine, configuration: configuration, copyBandwidth: copyBandwidth, entries: entries
        )
    }

    // MARK: - Memory copy

    /// memcpy of ``Configuration/copyBytes`` bytes on one thread and on every core: the reference every memory-bound
    /// kernel is judged against.
    public func measureCopyBandwidth() -> [TensorBenchmarkReport.Entry] {
        let count = max(1, configuration.copyBytes / MemoryLayout<Float>.stride)
        let bytes = Double(count * MemoryLayout<Float>.stride)
        let source = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        let destination = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        defer {
            source.deallocate()
            destination.deallocate()
        }
        // Touch every page of both buffers so the timings measure copying, not page faults.
        source.initialize(repeating: 1)
        destination.initialize(repeating: 0)

        let serial = time {
            destination.baseAddress!.update(from: source.baseAddress!, count: count)
        }
        let shared = (SharedMutableBuffer(readOnly: UnsafeBufferPointer(source)), SharedMutableBuffer(destination))
        let parallelism = RowParallel.automatic
        let parallel = time {
            // Each task copies a contiguous share, so both cores' load/store units are busy.
            parallelism.parallelRows(count: count, minimumRowsPerTask: 1 << 20) { range in
                shared.1.mutableSlice(range).baseAddress!.update(
                    from: shared.0.slice(range).baseAddress!, count: range.count
                )
            }
        }
        let tasks = parallelism.taskCount(rows: count, minimumRowsPerTask: 1 << 20)
        blackHole(destination[count - 1])
        return [
            .init(
                kernel: "memory copy", variant: "memcpy, 1 thread", shape: [Int(bytes)],
                timing: serial, rate: 2 * bytes / serial.best / 1e9, unit: "GB/s"
            ),
            .init(
                kernel: "memory copy", variant: "memcpy, \(tasks) tasks", shape: [Int(bytes)],
                timing: parallel, rate: 2 * bytes / parallel.best / 1e9, unit: "GB/s"
            ),
        ]
    }

    // MARK: - Row kernel

    private func measureRowKernel(copyBandwidth: Double) -> [TensorBenchmarkReport.Entry] {
        let (rows, columns) = (configuration.rowKernelRows, configuration.rowKernelColumns)
        var generator = SeededRandom(seed: 1)
        let x = Tensor(randomNormal: [rows, columns], mean: 3, standardDeviation: 2, using: &generator)
        // Outputs allocated once and reused by every timing, as a training step would.
        var y = Tensor(zeros: [rows, columns])
        var means = Tensor(zeros: [rows])
        var inverseSigmas = Tensor(zeros: [rows])
        // x read once, y written once: the bytes a copy of x would move.
        let bytes = Double(2 * rows * columns * MemoryLayout<Float>.stride)
        var entries: [TensorBenchmarkReport.Entry] = []
        let variants = [("serial", RowParallel.serial), ("row-parallel", RowParallel.automatic)]
        for (variant, parallelism) in variants {
            let timing = time {
                x.normalizeRows(
                    into: &y, means: &means, inverseStandardDeviations: &inverseSigmas, parallelism: parallelism
                )
            }
            let tasks = parallelism.taskCount(rows: rows, columns: columns)
            let rate = bytes / timing.best / 1e9
            entries.append(
                .init(
                    kernel: "row normalize (μ, σ², (x − μ)/σ)", variant: "\(variant), \(tasks) task(s)",
                    shape: [rows, columns], timing: timing, rate: rate, unit: "GB/s",
                    fractionOfCopyBandwidth: rate / copyBandwidth
                )
            )
        }
        // The same memory traffic with almost no arithmetic: the ceiling for a one-pass kernel with ordinary
        // stores, which separates what the memory system allows from what the row kernel's arithmetic costs.
        for (variant, parallelism) in variants {
            let timing = time { TensorBenchmark.scaleRows(x, into: &y, parallelism: parallelism) }
            let tasks = parallelism.taskCount(rows: rows, columns: columns)
            let rate = bytes / timing.best / 1e9
            entries.append(
                .init(
                    kernel: "row scale (y = 2x)", variant: "\(variant), \(tasks) task(s)",
                    shape: [rows, columns], timing: timing, rate: rate, unit: "GB/s",
                    fractionOfCopyBandwidth: rate / copyBandwidth
                )
            )
        }
        blackHole(y[rows - 1, columns - 1])
        return entries
    }

    /// `y = 2x` row by row: one read and one ordinary store per element, the traffic of the row kernel.
    static func scaleRows(_ x: Tensor, into y: inout Tensor, parallelism: RowParallel) {
        let columns = x.columns
        x.withUnsafeBufferPointer { x in
            let x = SharedMutableBuffer(readOnly: x)
            y.withUnsafeMutableBufferPointer { y in
                let y = SharedMutableBuffer(y)
                parallelism.parallelRows(count: x.unsafeBuffer.count / max(1, columns), columns: columns) { range in
                    let input = x.slice(range.lowerBound * columns..<range.upperBound * columns)
                    let output = y.mutableSlice(range.lowerBound * columns..<range.upperBound * columns)
                    for i in 0..<input.count { output[i] = 2 * input[i] }
                }
            }
        }
    }

    // MARK: - Matrix products

    private func measureMatrixProducts() -> [TensorBenchmarkReport.Entry] {
        var entries: [TensorBenchmarkReport.Entry] = []
        let threads = BLAS.threadCount
        for n in configuration.matrixSizes {
            entries.append(measureSgemm(size: n, variant: "OpenBLAS, \(threads) thread(s)"))
            // The products of a training step: rows shared among RowParallel's tasks, each on one BLAS thread.
            entries.append(measureSharedProduct(size: n))
        }
        if configuration.measuresSingleThreadedBLAS, threads > 1, let n = configuration.matrixSizes.max() {
            BLAS.threadCount = 1
            entries.append(measureSgemm(size: n, variant: "OpenBLAS, 1 thread"))
            BLAS.threadCount = threads
        }
        return entries
    }

    private func measureSgemm(size n: Int, variant: String, naiveRate: Double? = nil) -> TensorBenchmarkReport.Entry {
        var generator = SeededRandom(seed: 2)
        let a = Tensor(randomUniform: [n, n], in: -1..<1, using: &generator)
        let b = Tensor(randomUniform: [n, n], in: -1..<1, using: &generator)
        var c = Tensor(zeros: [n, n])
        let timing = time { BLAS.matmul(a, b, into: &c) }
        blackHole(c[n - 1, n - 1])
        let rate = 2 * Double(n) * Double(n) * Double(n) / timing.best / 1e9
        return .init(
            kernel: "sgemm", variant: variant, shape: [n, n, n], timing: timing, rate: rate, unit: "GFLOP/s",
            speedupOverNaive: naiveRate.map { rate / $0 }
        )
    }

    private func measureSharedProduct(size n: Int) -> TensorBenchmarkReport.Entry {
        var generator = SeededRandom(seed: 2)
        let a = Matrix<Float>(Tensor(randomUniform: [n, n], in: -1..<1, using: &generator))
        let b = Matrix<Float>(Tensor(randomUniform: [n, n], in: -1..<1, using: &generator))
        var c = Matrix<Float>(rows: n, columns: n)
        let timing = time { Matrix.multiply(a, b, into: &c) }
        blackHole(c[n - 1, n - 1])
        let tasks = ParallelProduct.taskCount(m: n, n: n, k: n, parallel: .automatic)
        let size = Double(n)
        let flops: Double = 2 * size * size * size
        let rate = flops / timing.best / 1e9
        return .init(
            kernel: "sgemm", variant: "shared, \(tasks) task(s)", shape: [n, n, n], timing: timing, rate: rate,
            unit: "GFLOP/s", speedupOverNaive: nil)
    }

    // MARK: - Naive comparison

    private func measureNaiveComparison() -> [TensorBenchmarkReport.Entry] {
        let n = configuration.naiveSize
        var generator = SeededRandom(seed: 3)
        let a = Tensor(randomUniform: [n, n], in: -1..<1, using: &generator)
        let b = Tensor(randomUniform: [n, n], in: -1..<1, using: &generator)
        var c = Tensor(zeros: [n, n])
        let timing = time { TensorBenchmark.naiveMatmul(a, b, into: &c) }
        blackHole(c[n - 1, n - 1])
        let naiveRate = 2 * Double(n) * Double(n) * Double(n) / timing.best / 1e9
        let naive = TensorBenchmarkReport.Entry(
            kernel: "naive matmul (i-j-k loops)", variant: "Float, 1 thread", shape: [n, n, n], timing: timing,
            rate: naiveRate, unit: "GFLOP/s", speedupOverNaive: 1
        )
        let blas = measureSgemm(size: n, variant: "OpenBLAS, \(BLAS.threadCount) thread(s)", naiveRate: naiveRate)
        return [naive, blas]
    }

    /// The textbook product: for each (i, j), a Float dot product of row i of a and column j of b.
    ///
    /// Deliberately naive: the column walk through b is strided and the single Float accumulator is a dependency
    /// chain, which is what a first implementation looks like and what BLAS is measured against.
    static func naiveMatmul(_ a: Tensor, _ b: Tensor, into c: inout Tensor) {
        let (m, k, n) = (a.rows, a.columns, b.columns)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        for j in 0..<n {
                            var total: Float = 0
                            for p in 0..<k { total += a[i * k + p] * b[p * n + j] }
                            c[i * n + j] = total
                        }
                    }
                }
            }
        }
    }

    // MARK: - Timing

    /// Runs `body` once to warm up, then ``Configuration/repetitions`` times, returning the best and median times.
    private func time(_ body: () -> Void) -> TensorBenchmarkReport.Timing {
        let clock = ContinuousClock()
        body()
        var seconds: [Double] = []
        for _ in 0..<configuration.repetitions {
            seconds.append(clock.measure(body).inSeconds)
        }
        seconds.sort()
        return .init(best: seconds[0], median: seconds[seconds.count / 2], repetitions: seconds.count)
    }
}

/// Keeps a result alive so the optimizer cannot drop the work that produced it.
@inline(never)
private func blackHole(_ value: Float) {
    withExtendedLifetime(value) {}
}
