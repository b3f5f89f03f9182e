import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `record --out` keeps every command's output contract: never over one of the run's own inputs (by any name), a
/// folder, a fifo or a dangling link; an existing file only with --force, and then replaced by a new trace renamed
/// over it (a hard link to the old file keeps it), through a symbolic link the file it names. One line each.
@Suite("record: --out keeps a user's files")
struct RecordOutputTests {
    let executable = ChildProcess.builtProduct("normscope")

    func record(_ arguments: [String], in directory: TemporaryDirectory) throws -> ChildProcess.Output {
        let path = try #require(executable)
        return try ChildProcess.run(path, arguments: ["record", "--steps", "3", "--quiet"] + arguments)
    }

    /// The folder's entries, hidden ones included (a temporary or lock file left behind would show).
    func entries(_ directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test("the run's inputs (--dataset, --config) are never written over, whatever name --out gives them")
    func inputsKept() throws {
        let directory = TemporaryDirectory()
        let data = directory.file("data.csv")
        let csv = (0..<40).map { "\($0 % 7).5,\($0 % 3).25,\($0 % 2)" }.joined(separator: "\n") + "\n"
        try csv.write(toFile: data, atomically: true, encoding: .utf8)
        let sweep = directory.file("sweep.json")
        try #"{"hidden": [8]}"#.write(toFile: sweep, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory.file("sub"), withIntermediateDirectories: false)
        try FileManager.default.linkItem(atPath: data, toPath: directory.file("hard.h5"))
        try FileManager.default.createSymbolicLink(atPath: directory.file("soft.h5"), withDestinationPath: sweep)
        let before = try entries(directory)
        let cases: [([String], String, String)] = [
            (["--dataset", data, "--out", data], data, "the --dataset file"),
            (["--config", sweep, "--out", sweep], sweep, "the --config file"),
            (["--dataset", data, "--out", directory.file("hard.h5")], directory.file("hard.h5"), "the --dataset file"),
            (["--config", sweep, "--out", directory.file("soft.h5")], directory.file("soft.h5"), "the --config file"),
            (["--dataset", data, "--out", directory.file("sub/../data.csv")], "sub/../data.csv", "the --dataset file"),
        ]
        for (arguments, out, role) in cases {
            let output = try record(["--force"] + arguments, in: directory)
            expectOneLineError(output, ["--out", out, role, "write to another file"])
        }
        #expect(try String(contentsOfFile: data, encoding: .utf8) == csv)
        #expect(try String(contentsOfFile: sweep, encoding: .utf8) == #"{"hidden": [8]}"#)
        #expect(try entries(directory) == before)
    }

    @Test("a folder, a fifo, a dangling link, an existing file without --force: one line each, nothing written")
    func refusals() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("runs")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let fifo = directory.file("pipe.h5")
        try #require(mkfifo(fifo, 0o644) == 0)
        let dangling = directory.file("dangling.h5")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: directory.file("gone.h5"))
        let existing = directory.file("existing.h5")
        try Data("not a trace, but the user's".utf8).write(to: URL(fileURLWithPath: existing))
        let before = try entries(directory)
        let cases: [([String], [String])] = [
            (["--force", "--out", folder], ["--out \(folder) is a folder", "runs/trace.h5"]),
            (["--force", "--out", folder + "/"], ["--out \(folder)/", "folder"]),
            (["--force", "--out", fifo], ["--out \(fifo) is not a regular file"]),
            (["--force", "--out", dangling], ["--out \(dangling) is a symbolic link to a missing file"]),
            (["--out", existing], ["--out \(existing) exists; add --force to replace it"]),
            (["--resume", "--out", folder], ["--out \(folder) is a folder"]),
        ]
        for (arguments, needles) in cases {
            expectOneLineError(try record(arguments, in: directory), needles)
        }
        #expect(try entries(directory) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["notes.txt"])
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "not a trace, but the user's")
    }

    @Test("--force replaces through a symbolic link and never truncates: a hard link to the old trace keeps it")
    func forceReplacesAside() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("trace.h5")
        #expect(try record(["--presets", "layernorm", "--out", trace], in: directory).status == 0)
        try FileManager.default.linkItem(atPath: trace, toPath: directory.file("kept.h5"))
        let link = directory.file("link.h5")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: trace)
        let output = try record(["--presets", "adanorm", "--force", "--out", link], in: directory)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == trace)
        let runs = try PythonScript.run(
            "import sys, h5py; print(*(','.join(h5py.File(p, 'r')['runs']) for p in sys.argv[1:]))",
            arguments: [trace, directory.file("kept.h5")])
        let names = runs.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(names == "adanorm-s0 layernorm-s0", "\(runs)")
        #expect(try entries(directory) == ["kept.h5", "link.h5", "trace.h5"])
    }

    @Test(
        "into a read-only folder: one line naming the folder, claiming no file",
        .enabled(if: SmallFileSystem.canMount, Comment(rawValue: SmallFileSystem.unavailable)))
    func readOnlyFolder() throws {
        let directory = TemporaryDirectory()
        let readOnly = try SmallFileSystem(at: directory.file("ro"), kilobytes: 64, readOnly: true)
        defer { readOnly.unmount() }
        let trace = readOnly.path + "/trace.h5"
        let output = try record(["--out", trace], in: directory)
        expectOneLineError(output, ["--out \(trace)", "cannot write in the folder", "Read-only file system"])
        #expect(!output.standardError.contains("keeps every step"), "\(output.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: readOnly.path).isEmpty)
    }
}
