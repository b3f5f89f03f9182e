import Foundation
import HDF5
import TestSupport
import Testing

@testable import Recording

#if canImport(Glibc)
    import Glibc
#endif

/// One writer per trace file, whatever name reaches it: a second writer through a hard link or a symbolic link to
/// a file being written is refused (overwriting or resuming), live or not, and the first one's trace stays whole.
@Suite("One writer per trace file, under any name")
struct TraceFileLockTests {
    /// A writer holding run 0 with `steps` flushed steps.
    private func writer(_ path: String, live: Bool, steps: Int = 300) throws -> (TraceWriter, RunHandle) {
        let writer = try TraceWriter(
            path: path, commandLine: "test", sweepConfigurationJSON: TraceFixture.sweepJSON, live: live,
            declaredRuns: live ? [TraceFixture.description(0)] : [])
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<steps, run: 0, handle: handle, to: writer)
        try writer.flush()
        return (writer, handle)
    }

    @Test(
        "a second writer through a hard or symbolic link to a file being written is refused, naming the first",
        arguments: [true, false])
    func aliasRefused(live: Bool) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("first.h5")
        let (first, handle) = try writer(path, live: live)
        try FileManager.default.linkItem(atPath: path, toPath: directory.file("hard.h5"))
        try FileManager.default.createSymbolicLink(atPath: directory.file("soft.h5"), withDestinationPath: path)
        for alias in ["hard.h5", "soft.h5"] {
            for resume in [false, true] where !(resume && live) {
                let error = #expect(throws: TraceWriterError.self, "\(alias), resume \(resume)") {
                    try TraceWriter(
                        path: directory.file(alias), overwrite: !resume, commandLine: "test",
                        sweepConfigurationJSON: TraceFixture.sweepJSON, resume: resume)
                }
                #expect(error?.code == .inUse, "\(alias): \(String(describing: error))")
                #expect(error?.description.contains("process \(getpid())") == true, "\(String(describing: error))")
                #expect(error?.description.contains("\n") == false)
            }
        }
        // The first writer goes on, unharmed, and its trace holds every step.
        try TraceFixture.appendSteps(300..<500, run: 0, handle: handle, to: first)
        try first.finishRun(handle, status: .completed, completedSteps: 500)
        try first.close()
        let file = try File.open(path)
        #expect(try file.openDataset("runs/adanorm-seed0/steps").rowCount() == 500)
        #expect(try file.openGroup("runs/adanorm-seed0").attribute("status", as: String.self) == "completed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
            "first.h5", "hard.h5", "soft.h5",
        ])
    }

    @Test("the file lock names its holder, is tested through any name, and goes when released")
    func lockNamesHolder() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        try Data("x".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.linkItem(atPath: path, toPath: directory.file("u.h5"))
        #expect(throws: Never.self) { try TraceFileLock.checkFree(directory.file("u.h5"), tracePath: "u.h5") }
        let lock = try TraceFileLock(path: path, tracePath: "t.h5")
        let error = #expect(throws: TraceWriterError.self) {
            try TraceFileLock.checkFree(directory.file("u.h5"), tracePath: "u.h5")
        }
        #expect(error?.description.hasPrefix("u.h5: ") == true, "\(String(describing: error))")
        #expect(error?.description.contains("process \(getpid())") == true, "\(String(describing: error))")
        #expect(throws: TraceWriterError.self) { try TraceFileLock(path: directory.file("u.h5"), tracePath: "u.h5") }
        // The lock lies beyond the end of the file: not a byte of it changed.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("x".utf8))
        lock.release()
        #expect(throws: Never.self) { try TraceFileLock.checkFree(directory.file("u.h5"), tracePath: "u.h5") }
    }
}
