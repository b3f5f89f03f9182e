import Foundation
import TestSupport
import Testing

/// Two real recorders asked to write one path, or one file under two names: the second exits 1 at once naming the
/// path and the first one's process id, `--force` truncates nothing, and the trace holds the first recorder's runs
/// only.
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

    /// HDF5 1.10 locks a file it writes, but a live (SWMR) writer gives that lock up; the recorder's own lock on the
    /// file (not its path) refuses a second recorder that reaches it through a hard or symbolic link.
    @Test(
        "a second recorder with --force through a hard or symbolic link to a trace being written is refused",
        arguments: [true, false])
    func aliases(live: Bool) throws {
        let executable = try #require(ChildProcess.builtProduct("normscope"))
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"hidden": [16], "batch": 16}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("first.h5")
        let first = Process()
        first.executableURL = URL(fileURLWithPath: executable)
        first.arguments =
            ["record", "--config", config, "--steps", "1000000", "--flush-every", "5", "--quiet", "--out", trace]
            + (live ? ["--live"] : [])
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        // The trace is at its path once it is valid, before the first step.
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: trace) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        try #require(FileManager.default.fileExists(atPath: trace), "the first recorder did not start")
        try FileManager.default.linkItem(atPath: trace, toPath: directory.file("hard.h5"))
        try FileManager.default.createSymbolicLink(atPath: directory.file("soft.h5"), withDestinationPath: trace)
        Thread.sleep(forTimeInterval: 0.5)
        for alias in ["hard.h5", "soft.h5"] {
            let arguments = ["record", "--presets", "adanorm", "--steps", "5", "--quiet", "--force"]
            let second = try ChildProcess.run(executable, arguments: arguments + ["--out", directory.file(alias)])
            expectOneLineError(second, [alias, "process \(first.processIdentifier)"])
        }
        kill(first.processIdentifier, SIGINT)
        first.waitUntilExit()
        #expect(first.terminationStatus == 130)
        // The first recorder's trace is whole: its one run, every step it took, as h5py reads it.
        let check = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                assert list(f["runs"]) == ["layernorm-s0"], list(f["runs"])
                run = f["runs/layernorm-s0"]
                n = run.attrs["completed_steps"]
                assert run.attrs["status"] == "interrupted" and n > 0, dict(run.attrs)
                assert len(run["steps"]) == n and len(run["norms/hidden1.norm/grad"]) == n, (n, len(run["steps"]))
            print("ok")
            """, arguments: [trace])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }
}
