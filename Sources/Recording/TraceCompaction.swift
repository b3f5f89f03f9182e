import Foundation
import HDF5

/// Gives back a closed trace's dead space (`File.compact`): a crash-consistent trace never reuses freed space, so
/// each flush leaves the previous copy of every partial chunk behind, and a recording that flushed every 200 steps
/// ends three to seven times the size of its data. Done by the writer thread after a clean close, while the writer
/// still holds its claim on the path (`WriterLock`), so no other recorder can open the trace meanwhile.
///
/// A recorder killed while compacting leaves the trace as it was closed and a hidden scratch file beside it
/// (`.<name>.compacting`, which no trace pattern such as `*.h5` matches); the next writer of that path removes it.
enum TraceCompaction {
    /// What happened to the file.
    enum Outcome: Equatable {
        /// It held little dead space; left as it was.
        case notNeeded
        case compacted(CompactionResult)
        /// The copy failed (a full disk, say): the trace is complete as closed, only larger. The text says why.
        case failed(String)
        /// A signal asked the process to end during the copy, which was abandoned: the trace is complete as
        /// closed, only larger.
        case stopped(TerminationSignal)
    }

    /// Compacted only when dead space would be more than this share of the data: the copy reads and writes the
    /// whole file, which for a trace flushed only at run boundaries (`bench analyze`'s) would buy nothing.
    static let worthwhileExcess = 0.05

    /// The hidden scratch file beside `tracePath`.
    static func scratchPath(for tracePath: String) -> String {
        let url = URL(fileURLWithPath: tracePath)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".compacting").path
    }

    /// Removes the scratch file a killed compaction left; call with the writer's claim on the path held.
    static func removeLeftover(for tracePath: String) {
        unlink(scratchPath(for: URL(fileURLWithPath: tracePath).resolvingSymlinksInPath().path))
    }

    /// Compacts the closed trace at `path` when that is worth it.
    /// - Parameter injectedFailure: a test hook: fail as a full disk would, before anything is copied.
    static func run(path given: String, injectedFailure: Bool = false) -> Outcome {
        // Through a symbolic link, the file it names is replaced, not the link, and its scratch copy lies beside it
        // (a rename cannot cross file systems).
        let path = URL(fileURLWithPath: given).resolvingSymlinksInPath().path
        do throws(HDF5Error) {
            let file = try File.open(path, mode: .readOnly, fileLocking: false)
            let data = try file.datasetStorageBytes()
            try file.close()
            var status = stat()
            guard stat(path, &status) == 0, Double(status.st_size) > Double(data) * (1 + worthwhileExcess) else {
                return .notNeeded
            }
            if injectedFailure {
                throw HDF5Error(
                    code: .storage, operation: "posix_fallocate", filePath: path,
                    message: "no room for the compacted copy: No space left on device (errno 28) (injected fault)")
            }
            // Ctrl-C or a scheduler's SIGTERM ends the copy between two datasets: the closed trace is complete,
            // and a user who stops the program should not wait for a copy of a file of gigabytes.
            return .compacted(
                try File.compact(path, scratchPath: scratchPath(for: path)) { TerminationSignals.received != nil })
        } catch {
            if error.code == .stopped, let signal = TerminationSignals.received { return .stopped(signal) }
            return .failed(error.message)
        }
    }

    /// The line a recorder prints when compaction failed, or nil.
    static func note(_ outcome: Outcome, path: String) -> String? {
        let reason: String
        switch outcome {
        case .failed(let message): reason = message
        case .stopped(let signal): reason = "stopped by \(signal.name)"
        case .notNeeded, .compacted: return nil
        }
        return "\(path): not compacted (\(reason)); the trace is complete, only larger than its data "
            + "(h5repack can compact it later)"
    }
}
