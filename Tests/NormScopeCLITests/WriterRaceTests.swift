import Foundation
import TestSupport
import Testing

/// Two real recorders asked to write one path: the second exits 1 at once naming the path and the first one's
/// process id, `--force` truncates nothing, and the trace holds the first recorder's runs only.
@Suite("record: two recorders, one path")
struct WriterRaceTests {
    @Test("the second recorder (with --force) is refused; the first finishes with its own runs")
    func race() throws {
        let executable = try #require(ChildProcess.builtProduct("normscope"))
        let directory = TemporaryDirectory()
        let trace = directory.file("same.h5")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: executable)
        first.arguments = ["record", "--presets", "layernorm", "--steps", "800", "--quiet", "--out", trace]
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        // The first recorder holds the path once its lock file exists (it is taken before the trace is created).
        let lock = directory.file(".same.h5.lock")
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: trace) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        try #require(FileManager.default.fileExists(atPath: lock), "the first recorder did not start")
        let second = try ChildProcess.run(
            executable, arguments: ["record", "--presets", "adanorm", "--steps", "20", "--quiet", "--force", "--out", trace])
        first.waitUntilExit()
        #expect(second.status == 1)
        let error = second.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!error.contains("\n"), "\(error)")
        #expect(error.contains("same.h5") && error.contains("process \(first.processIdentifier)"), "\(error)")
        #expect(first.terminationStatus == 0)
        let runs = try PythonScript.run(
            "import sys, h5py; print(','.join(sorted(h5py.File(sys.argv[1], 'r')['runs'])))", arguments: [trace])
        #expect(runs.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "layernorm-s0", "\(runs)")
        #expect(!FileManager.default.fileExists(atPath: lock))
    }
}
