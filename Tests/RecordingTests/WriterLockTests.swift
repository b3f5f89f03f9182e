import Foundation
import Recording
import TestSupport
import Testing

/// One writer per trace path: a second writer is refused while the first is open, with or without overwriting.
@Suite("One writer per trace")
struct WriterLockTests {
    @Test("a second writer on the same path is refused, even allowed to overwrite; after close the path is free")
    func secondWriterRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("same.h5")
        let first = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        #expect(FileManager.default.fileExists(atPath: directory.file(".same.h5.lock")))
        do {
            _ = try TraceWriter(path: path, overwrite: true, commandLine: "test", sweepConfigurationJSON: "{}")
            Issue.record("a second writer was allowed on \(path)")
        } catch {
            #expect(error.code == .inUse)
            #expect(error.description.contains("process \(ProcessInfo.processInfo.processIdentifier)"), "\(error)")
        }
        try first.close()
        #expect(!FileManager.default.fileExists(atPath: directory.file(".same.h5.lock")))
        let third = try TraceWriter(path: path, overwrite: true, commandLine: "test", sweepConfigurationJSON: "{}")
        try third.close()
    }
}
