import Foundation
import HDF5
import OutputFiles
import TestSupport
import Testing

@testable import Recording

#if canImport(Glibc)
    import Glibc
#endif

/// The trace writer keeps the output contract of every command: what it refuses, and an existing file replaced by
/// a new one renamed over it, never truncated in place, with no temporary left behind.
@Suite("Trace writer output contract")
struct TraceWriterOutputTests {
    private func identity(_ path: String) -> FileIdentity? { FileIdentity(path: path) }

    /// The directory's entries, hidden ones included, but the lock files of writers still open.
    private func entries(_ directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasSuffix(".lock") }.sorted()
    }

    @Test("overwriting never truncates: a hard link to the old file keeps its bytes; a symbolic link stays a link")
    func replacedNotTruncated() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let old = Data("the user's other name for this file".utf8)
        try old.write(to: URL(fileURLWithPath: path))
        try FileManager.default.linkItem(atPath: path, toPath: directory.file("kept.h5"))
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.h5"), withDestinationPath: path)
        let before = identity(path)

        let writer = try TraceWriter(
            path: directory.file("link.h5"), overwrite: true, commandLine: "test", sweepConfigurationJSON: "{}")
        // In place before the first step: the path already holds the new HDF5 file, and no temporary is left.
        #expect(identity(path) != before)
        let signature = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)).read(upToCount: 8)
        #expect(signature == Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(try entries(directory) == ["kept.h5", "link.h5", "trace.h5"])
        try writer.close()

        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.file("kept.h5"))) == old)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.file("link.h5")) == path)
        #expect(TraceSchema.validate(file: try File.open(path)) == [])
        #expect(try entries(directory) == ["kept.h5", "link.h5", "trace.h5"])
    }

    @Test("a folder, a fifo, a dangling link and an input (by another name) are refused in one line, nothing made")
    func refusals() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("runs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        let fifo = directory.file("pipe.h5")
        try #require(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("dangling.h5"), withDestinationPath: directory.file("missing.h5"))
        let data = directory.file("data.csv")
        try Data("a,label\n1,0\n".utf8).write(to: URL(fileURLWithPath: data))
        try FileManager.default.linkItem(atPath: data, toPath: directory.file("alias.h5"))
        let cases: [(String, TraceWriterError.Code, String)] = [
            (folder, .refused, "is a folder"), (fifo, .refused, "not a regular file"),
            (directory.file("dangling.h5"), .refused, "missing file"),
            (directory.file("alias.h5"), .refused, "data.csv"),
        ]
        let before = try entries(directory)
        for (path, code, words) in cases {
            let error = #expect(throws: TraceWriterError.self, "\(path)") {
                try TraceWriter(
                    path: path, overwrite: true, inputs: [CommandInput("the --dataset file", data)], option: "--out",
                    commandLine: "test", sweepConfigurationJSON: "{}")
            }
            #expect(error?.code == code, "\(path): \(String(describing: error))")
            #expect(error?.description.hasPrefix("--out \(path)") == true, "\(String(describing: error))")
            #expect(error?.description.contains(words) == true, "\(String(describing: error))")
            #expect(error?.description.contains("\n") == false)
        }
        #expect(try entries(directory) == before)
        #expect(try Data(contentsOf: URL(fileURLWithPath: data)) == Data("a,label\n1,0\n".utf8))
    }

    @Test("a trace that could not be created says that nothing was written, not that it keeps its flushed steps")
    func creationFailureIsTrue() {
        let path = "/ro/trace.h5"
        let cause = HDF5Error(
            code: .storage, operation: "H5Fcreate", filePath: path, message: "Read-only file system (errno 30)")
        let created = TraceWriterError(cause, path: path, while: "creating the trace", leaving: .nothingWritten)
        #expect(created.description.contains("no trace was written"), "\(created)")
        #expect(!created.description.contains("keeps every step"), "\(created)")
        let writing = TraceWriterError(cause, path: path, while: "flushing")
        #expect(writing.description.contains("keeps every step up to its last flush"), "\(writing)")
    }
}
