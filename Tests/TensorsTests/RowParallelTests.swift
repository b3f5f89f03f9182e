import TestSupport
import Testing

@testable import Tensors

@Suite("RowParallel")
struct RowParallelTests {
    /// Splits into as many tasks as asked, however little the work, so the parallel path really runs.
    static let split = [2, 3, 7].map { RowParallel(maximumTaskCount: $0, minimumElementsPerTask: 1) }

    @Test("Task counts respect the maximum and the minimum work per task")
    func taskCounts() {
        let policy = RowParallel(maximumTaskCount: 4, minimumElementsPerTask: 1000)
        #expect(policy.taskCount(rows: 100, minimumRowsPerTask: 10) == 4)
        #expect(policy.taskCount(rows: 25, minimumRowsPerTask: 10) == 2)
        #expect(policy.taskCount(rows: 5, minimumRowsPerTask: 10) == 1)
        #expect(policy.taskCount(rows: 0, minimumRowsPerTask: 10) == 1)
        #expect(RowParallel.serial.taskCount(rows: 1_000_000, minimumRowsPerTask: 1) == 1)
        #expect(RowParallel.automatic.maximumTaskCount >= 1)
    }

    @Test("Task ranges are contiguous, disjoint and cover every row", arguments: [1, 2, 3, 7, 16])
    func ranges(tasks: Int) {
        for count in [0, 1, 5, 16, 101] {
            let ranges = (0..<tasks).map { RowParallel.range(ofTask: $0, of: tasks, rows: count) }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == count)
            for (previous, next) in zip(ranges, ranges.dropFirst()) { #expect(previous.upperBound == next.lowerBound) }
            #expect(ranges.allSatisfy { $0.count == count / tasks || $0.count == count / tasks + 1 })
        }
    }

    @Test("parallelRows visits every row exactly once", arguments: split)
    func visitsEveryRowOnce(policy: RowParallel) {
        for count in [0, 1, 2, 5, 1001] {
            var visits = [Int](repeating: 0, count: count)
            visits.withUnsafeMutableBufferPointer { buffer in
                let visits = SharedMutableBuffer(buffer)
                policy.parallelRows(count: count, minimumRowsPerTask: 1) { range in
                    for row in range { visits.unsafeBuffer[row] += 1 }
                }
            }
            #expect(visits.allSatisfy { $0 == 1 })
        }
    }

    @Test("Small work runs as one task even with many cores")
    func smallWorkIsSerial() {
        let policy = RowParallel(maximumTaskCount: 8, minimumElementsPerTask: 10_000)
        #expect(policy.taskCount(rows: 50, minimumRowsPerTask: (10_000 + 99) / 100) == 1)
        #expect(policy.taskCount(rows: 1000, minimumRowsPerTask: (10_000 + 99) / 100) == 8)
    }

    // MARK: - Parallel results equal serial results bit for bit

    // 203 rows of 45 columns: odd sizes, so the splits land mid-block and tasks get unequal row counts.
    let x = sampleTensor([7, 29, 45], seed: 81).map { 5 * $0 + 1 }

    @Test("Row reductions are identical for every split", arguments: split)
    func rowReductions(policy: RowParallel) {
        #expect(x.rowSums(parallelism: policy) == x.rowSums(parallelism: .serial))
        #expect(x.rowMeans(parallelism: policy) == x.rowMeans(parallelism: .serial))
        let parallel = x.rowMoments(unbiased: true, parallelism: policy)
        let serial = x.rowMoments(unbiased: true, parallelism: .serial)
        #expect(parallel.means == serial.means && parallel.variances == serial.variances)
    }

    @Test("Column sums are identical for every split", arguments: split)
    func columnSums(policy: RowParallel) {
        #expect(x.columnSums(parallelism: policy) == x.columnSums(parallelism: .serial))
        var parallel = Tensor(zeros: [45])
        var serial = Tensor(zeros: [45])
        x.columnSums(into: &parallel, parallelism: policy)
        x.columnSums(into: &serial, parallelism: .serial)
        #expect(parallel == serial)
    }

    @Test("Row normalization is identical for every split", arguments: split)
    func rowNormalization(policy: RowParallel) {
        #expect(x.normalizedRows(parallelism: policy) == x.normalizedRows(parallelism: .serial))
        var y = Tensor(zeros: [0])
        var means = Tensor(zeros: [0])
        var inverseSigmas = Tensor(zeros: [0])
        x.normalizeRows(into: &y, means: &means, inverseStandardDeviations: &inverseSigmas, parallelism: policy)
        var ySerial = Tensor(zeros: [0])
        var meansSerial = Tensor(zeros: [0])
        var inverseSigmasSerial = Tensor(zeros: [0])
        x.normalizeRows(
            into: &ySerial, means: &meansSerial, inverseStandardDeviations: &inverseSigmasSerial, parallelism: .serial
        )
        #expect(y == ySerial && means == meansSerial && inverseSigmas == inverseSigmasSerial)
    }

    @Test("Broadcasts are identical for every split", arguments: split)
    func broadcasts(policy: RowParallel) {
        let gain = sampleTensor([45], seed: 82)
        let perRow = sampleTensor([203], seed: 83)
        var parallel = x
        var serial = x
        parallel.multiplyRowVector(gain, parallelism: policy)
        serial.multiplyRowVector(gain, parallelism: .serial)
        parallel.addColumnVector(perRow, parallelism: policy)
        serial.addColumnVector(perRow, parallelism: .serial)
        parallel.multiplyColumnVector(perRow, parallelism: policy)
        serial.multiplyColumnVector(perRow, parallelism: .serial)
        #expect(parallel == serial)
        #expect(x.addingRowVector(gain, parallelism: policy) == x.addingRowVector(gain, parallelism: .serial))
    }
}
