import Foundation
import Recording

/// What "full recording" adds to a benchmarked step: its rows queued to a ``TraceWriter`` that writes and flushes
/// them into an HDF5 file on its own thread, as `normscope record` does.
package final class StepRecorder {
    /// The trace being written.
    package let path: String
    private let writer: TraceWriter
    private let handle: RunHandle
    private var steps: Int64 = 0

    /// Creates the trace at `path` (replacing a file there) and begins `run` in it.
    package init(path: String, run: RunDescription) throws {
        self.path = path
        // Flushing every 200 steps and every 10 s is `normscope record`'s default (--flush-every).
        writer = try TraceWriter(
            path: path, overwrite: true, commandLine: "normscope bench train", sweepConfigurationJSON: "{}",
            flushEvery: 200)
        handle = try writer.beginRun(run)
    }

    func append(_ row: StepRow, norms: [NormStepRow], phi: [PhiRecord]) throws {
        try writer.append(step: row, norms: norms, phi: phi, to: handle)
        steps += 1
    }

    /// Marks the run completed and closes the file: every row appended is then on disk.
    func finish() throws {
        try writer.finishRun(handle, status: .completed, completedSteps: steps)
        try writer.close()
    }
}
