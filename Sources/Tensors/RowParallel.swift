import Dispatch
import Foundation

/// How a row kernel splits its rows across the cores, and the loop that does it.
///
/// A row kernel computes each row of its output from the same row of its input alone, so the rows can be handed
/// out in contiguous ranges to concurrent tasks without changing any result: the value of every row is the same,
/// bit for bit, whichever range and task it falls in. This is what makes NormScope's runs reproducible from a seed
/// while still using both cores. Kernels that reduce *across* rows (column sums) split their columns instead, for
/// the same reason.
///
/// The split is even and decided by the sizes alone, never by timing:
///
/// ```
/// tasks = min(maximumTaskCount, ⌊count / minimumRowsPerTask⌋), at least 1
/// task t handles rows ⌊t · count / tasks⌋ ..< ⌊(t + 1) · count / tasks⌋
/// ```
///
/// With one task the body runs on the calling thread, with no Dispatch overhead; small work stays serial because
/// waking a second core costs a few microseconds, about what 16 K elements of a memory-bound kernel take.
public struct RowParallel: Sendable, Hashable {
    /// The most concurrent tasks one loop uses; 1 makes every loop serial.
    public var maximumTaskCount: Int

    /// The least number of elements a task is given; loops with less work per task use fewer tasks.
    public var minimumElementsPerTask: Int

    /// Creates a splitting policy.
    ///
    /// - Parameters:
    ///   - maximumTaskCount: The most concurrent tasks one loop uses; at least 1.
    ///   - minimumElementsPerTask: The least number of elements a task is given; at least 1.
    public init(maximumTaskCount: Int, minimumElementsPerTask: Int = 1 << 14) {
        precondition(maximumTaskCount >= 1, "RowParallel expects at least 1 task, got \(maximumTaskCount)")
        precondition(
            minimumElementsPerTask >= 1,
            "RowParallel expects at least 1 element per task, got \(minimumElementsPerTask)"
        )
        self.maximumTaskCount = maximumTaskCount
        self.minimumElementsPerTask = minimumElementsPerTask
    }

    /// One task per active processor (or `defaultTaskCount`), for work of at least 16 K elements per task.
    public static var automatic: RowParallel { RowParallel(maximumTaskCount: defaultTaskCount) }

    /// The tasks `automatic` uses: the active processors, unless a sweep that runs one training run per core
    /// (`record --jobs`) set it to 1 before building its models. Written only while no kernel runs; results do
    /// not depend on it (see above), only speed.
    nonisolated(unsafe) public static var defaultTaskCount = ProcessInfo.processInfo.activeProcessorCount

    /// Everything on the calling thread.
    public static let serial = RowParallel(maximumTaskCount: 1)

    // MARK: - Splitting

    /// The number of tasks a loop over `count` rows would use.
    ///
    /// - Parameters:
    ///   - count: The number of rows.
    ///   - minimumRowsPerTask: The least number of rows a task is given.
    public func taskCount(rows count: Int, minimumRowsPerTask: Int) -> Int {
        max(1, min(maximumTaskCount, count / max(1, minimumRowsPerTask)))
    }

    /// The number of tasks ``parallelRows(count:columns:body:)`` would use for `count` rows of `columns` elements.
    public func taskCount(rows count: Int, columns: Int) -> Int {
        taskCount(rows: count, minimumRowsPerTask: minimumRows(columns: columns))
    }

    /// The rows a task needs for ``minimumElementsPerTask`` elements of rows `columns` wide.
    private func minimumRows(columns: Int) -> Int {
        (minimumElementsPerTask + max(1, columns) - 1) / max(1, columns)
    }

    /// The rows task `task` of `tasks` handles in a loop over `count` rows.
    public static func range(ofTask task: Int, of tasks: Int, rows count: Int) -> Range<Int> {
        // Widened to avoid overflow in t · count for huge counts.
        let start = Int((Int64(task) * Int64(count)) / Int64(tasks))
        let end = Int((Int64(task + 1) * Int64(count)) / Int64(tasks))
        return start..<end
    }

    // MARK: - Loops

    /// Calls `body` once for each of a set of disjoint row ranges that together cover `0..<count`, concurrently.
    ///
    /// Returns when every call has returned. `body` must only write to the rows of its range.
    ///
    /// - Parameters:
    ///   - count: The number of rows.
    ///   - minimumRowsPerTask: The least number of rows a task is given; use ``parallelRows(count:columns:body:)``
    ///     to derive it from ``minimumElementsPerTask``.
    ///   - body: Processes one range of rows.
    public func parallelRows(count: Int, minimumRowsPerTask: Int, body: @Sendable (Range<Int>) -> Void) {
        let tasks = taskCount(rows: count, minimumRowsPerTask: minimumRowsPerTask)
        if tasks == 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: tasks) { task in
            body(RowParallel.range(ofTask: task, of: tasks, rows: count))
        }
    }

    /// Like ``parallelRows(count:minimumRowsPerTask:body:)``, giving each task at least ``minimumElementsPerTask``
    /// elements of rows `columns` wide.
    ///
    /// - Parameters:
    ///   - count: The number of rows.
    ///   - columns: The number of elements per row, which sets how many rows make enough work for one task.
    ///   - body: Processes one range of rows.
    public func parallelRows(count: Int, columns: Int, body: @Sendable (Range<Int>) -> Void) {
        parallelRows(count: count, minimumRowsPerTask: minimumRows(columns: columns), body: body)
    }
}
