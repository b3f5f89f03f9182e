import Foundation
import Tensors
import TestSupport
import Testing

/// The `bench` commands' `--json PATH` never costs a user a file: a folder, a non-regular file, the command's own
/// input or executable, or an existing file without `--force` is refused in one line before anything is measured;
/// through a symbolic link the file it names is replaced, not the link; two interrupts leave everything as it was.
/// (Before, a `--json` over an existing file or the running binary replaced it, exit 0, and a folder gave a raw
/// Foundation error after the measuring.)
@Suite("bench --json: nothing a user has is lost")
struct BenchJSONOutputTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// The quickest bench with a `--json`: one round of one timing under the kernels in use.
    static let kernels = ["bench", "kernels", "--rounds", "1", "--repetitions", "1", "--cores", BLAS.coreName]

    /// A folder of files every case must leave byte for byte as it was.
    private func workspace() throws -> (directory: TemporaryDirectory, before: FolderSnapshot) {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("full"), withIntermediateDirectories: false)
        for name in ["full/a.txt", "full/b.txt", "figures.json", "t.h5"] {
            try Data("keep \(name)\n".utf8).write(to: URL(fileURLWithPath: directory.file(name)))
        }
        try FileManager.default.createSymbolicLink(
            atPath: directory.file("dangling.json"), withDestinationPath: directory.file("missing.json"))
        #expect(mkfifo(directory.file("fifo"), 0o644) == 0)
        return (directory, try FolderSnapshot(directory.path))
    }

    @Test(
        "a folder, a fifo, a dangling link, an existing file without --force and the executable are refused",
        arguments: [
            (["--json", "full"], "--json full is a folder; name a file in it, e.g. full/figures.json"),
            (["--json", "full/", "--force"], "--json full/ is a folder; name a file in it, e.g. full/figures.json"),
            (["--json", "fifo", "--force"], "--json fifo is not a regular file"),
            (["--json", "dangling.json"], "--json dangling.json is a symbolic link to a missing file"),
            (["--json", "figures.json"], "--json figures.json exists; add --force to replace it"),
            (["--json", "normscope-copy", "--force"], "--json normscope-copy is this normscope executable"),
        ])
    func refused(arguments: [String], message: String) throws {
        let binary = try #require(executable)
        let (directory, before) = try workspace()
        // A copy of the binary run as itself: --json must not write over the running executable.
        let copy = directory.file("normscope-copy")
        try FileManager.default.copyItem(atPath: binary, toPath: copy)
        let output = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "cd '\(directory.path)' && ./normscope-copy \"$@\"", "-"]
                + Self.kernels + arguments)
        expectOneLineError(output, [message])
        #expect(output.status == 1)
        #expect(try FolderSnapshot(directory.path).changes(since: before) == ["normscope-copy"])
        #expect(FileManager.default.contentsEqual(atPath: copy, andPath: binary))
    }

    @Test("bench analyze refuses its own --trace as --json, by any spelling, with or without --force")
    func analyzeInput() throws {
        let binary = try #require(executable)
        let (directory, before) = try workspace()
        for arguments in [["--trace", "t.h5", "--json", "t.h5"], ["--trace", "./t.h5", "--json", "full/../t.h5", "--force"]]
        {
            let output = try ChildProcess.run(
                "/bin/bash",
                arguments: ["-c", "cd '\(directory.path)' && '\(binary)' bench analyze \"$@\"", "-"] + arguments)
            expectOneLineError(output, ["is the --trace file"])
        }
        #expect(try FolderSnapshot(directory.path) == before)
    }

    @Test("with --force through a symbolic link, the file it names gets the figures and the link stays a link")
    func forceThroughLink() throws {
        let binary = try #require(executable)
        let directory = TemporaryDirectory()
        let target = directory.file("figures.json")
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: directory.file("link.json"), withDestinationPath: target)
        let output = try ChildProcess.run(
            binary, arguments: Self.kernels + ["--json", directory.file("link.json"), "--force"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.file("link.json")) == target)
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: target)))
        #expect((written as? [String: Any])?["coreInUse"] as? String == BLAS.coreName)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["figures.json", "link.json"])
    }

    @Test("two interrupts 1 ms apart while measuring: no JSON, no scratch file, everything else as it was")
    func doubleInterrupt() throws {
        let binary = try #require(executable)
        let (directory, before) = try workspace()
        // Spawned in a process group of its own with SIGINT at its default, as a terminal starts a command (this
        // test process may ignore SIGINT, which a child would inherit); the group gets both, as from Ctrl-C.
        let bench = try SpawnedDaemon(
            name: "bench kernels", executable: binary,
            arguments: ["bench", "kernels", "--rounds", "20", "--json", directory.file("new.json")],
            environment: ProcessInfo.processInfo.environment, log: "/dev/null")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(bench.isRunning)
        kill(-bench.pid, SIGINT)
        usleep(1000)
        kill(-bench.pid, SIGINT)
        let deadline = ContinuousClock.now + .seconds(30)
        while bench.isRunning && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!bench.isRunning, "still running 30 s after two SIGINTs")
        bench.stop()
        #expect(try FolderSnapshot(directory.path) == before)
    }
}
