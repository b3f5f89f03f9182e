import Foundation
import HDF5
import TestSupport
import Testing

@testable import Recording

#if canImport(Glibc)
    import Glibc
#endif

/// Storage that fails under a recording — a descriptor that stops working, a directory removed — stops the writer
/// with one line naming the cause, and leaves (where the file still exists) a trace holding every flushed step.
/// The file-size limit is tested on real recorders in the CLI tests (`ulimit -f` needs a child process).
@Suite("Trace writer storage failures")
struct TraceWriterStorageFailureTests {
    /// The descriptors this process holds on the file at `path` (HDF5's, found through /proc), compared by identity:
    /// a trace renamed into place may still show its temporary's name there.
    private func descriptors(of path: String) -> [Int32] {
        var trace = stat()
        guard stat(path, &trace) == 0 else { return [] }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.compactMap { entry in
            var open = stat()
            guard let number = Int32(entry), stat("/proc/self/fd/\(entry)", &open) == 0,
                open.st_dev == trace.st_dev, open.st_ino == trace.st_ino
            else { return nil }
            return number
        }
    }

    /// A writer that flushes only when asked, holding run 0 with `steps` steps, all flushed.
    private func flushedWriter(path: String, steps: Int) throws -> (TraceWriter, RunHandle) {
        let writer = try TraceWriter(
            path: path, commandLine: "test", sweepConfigurationJSON: "{}", flushEvery: 1_000_000,
            flushInterval: .seconds(3600))
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<steps, run: 0, handle: handle, to: writer)
        try writer.flush()
        return (writer, handle)
    }

    @Test("a descriptor that fails every write (EBADF): one line, and the file keeps every flushed step")
    func failingDescriptor() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let (writer, handle) = try flushedWriter(path: path, steps: 300)

        // Replace HDF5's descriptor with a read-only one on the same file: every later write fails with EBADF, as
        // a descriptor closed under the library would, without the number being reused by another open.
        let hdf5Descriptors = descriptors(of: path)
        try #require(!hdf5Descriptors.isEmpty)
        let readOnly = open(path, O_RDONLY | O_CLOEXEC)
        try #require(readOnly >= 0)
        for descriptor in hdf5Descriptors { _ = dup2(readOnly, descriptor) }
        close(readOnly)

        var thrown: TraceWriterError?
        do {
            try TraceFixture.appendSteps(300..<3000, run: 0, handle: handle, to: writer)
            try writer.flush()
        } catch {
            thrown = error as? TraceWriterError
        }
        let error = try #require(thrown)
        #expect(error.code == .storage, "\(error)")
        #expect(!error.description.contains("\n"))
        #expect(error.description.contains("Bad file descriptor"), "\(error)")
        #expect(error.description.contains("last flush"), "\(error)")
        #expect(throws: TraceWriterError.self) { try writer.close() }

        let file = try File.open(path)
        #expect(try file.openDataset("runs/adanorm-seed0/steps").rowCount() == 300)
        #expect(TraceSchema.validate(file: file) == [])
    }

    @Test("the trace's directory removed while recording: the next flush stops the writer, naming the removal")
    func removedDirectory() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("sweep")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let path = folder + "/trace.h5"
        let (writer, handle) = try flushedWriter(path: path, steps: 100)
        try FileManager.default.removeItem(atPath: folder)

        try TraceFixture.appendSteps(100..<200, run: 0, handle: handle, to: writer)
        let error = #expect(throws: TraceWriterError.self) { try writer.flush() }
        #expect(error?.code == .storage)
        #expect(error?.description.contains("removed") == true, "\(String(describing: error))")
        #expect(error?.description.contains("\n") == false)
        #expect(throws: TraceWriterError.self) { try writer.close() }
    }

    @Test("a file replaced under the writer is never written into")
    func replacedFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let (writer, handle) = try flushedWriter(path: path, steps: 100)
        // Someone moves the trace away and puts another file at its path.
        try FileManager.default.moveItem(atPath: path, toPath: directory.file("moved.h5"))
        try Data("someone else's".utf8).write(to: URL(fileURLWithPath: path))

        try TraceFixture.appendSteps(100..<200, run: 0, handle: handle, to: writer)
        let error = #expect(throws: TraceWriterError.self) { try writer.flush() }
        #expect(error?.description.contains("replaced") == true, "\(String(describing: error))")
        #expect(throws: TraceWriterError.self) { try writer.close() }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("someone else's".utf8))
        // The moved trace keeps its flushed steps.
        #expect(try File.open(directory.file("moved.h5")).openDataset("runs/adanorm-seed0/steps").rowCount() == 100)
    }
}
