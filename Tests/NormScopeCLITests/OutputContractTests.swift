import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `report`, `demo`, `export` and `slurm` never cost a user a file: a folder is never deleted or replaced, no
/// command writes over its own input (by identity: a hard link, a symbolic link and a `..` spelling count), an
/// existing file is replaced only with `--force` and then through a symbolic link to the file it names, a device
/// is refused, a missing parent is one line, and nothing is left behind: every refusal leaves the folder exactly
/// as it was (each file's bytes and inode), and every success changes only the files it names.
///
/// (Before, `report -o DIR` deleted the folder and its files, `report t.h5 -o t.h5` and `demo -o d.h5 --report
/// d.h5` replaced the trace with HTML, `demo -o EXISTING`, `report -o existing.html`, `export` into a folder and a
/// second `slurm --out DIR` replaced files silently, `report -o LINK` replaced the link, `report -o NODE` deleted
/// the device node, `report -o r.html` deleted an unrelated `r.html.tmp`, and a folder `r.html.tmp` or a missing
/// parent gave a raw `NSCocoaErrorDomain` message.)
@Suite("report, demo, export and slurm: nothing a user has is lost")
struct OutputContractTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// notebooks-data/digits-reference.h5, found from this source file's location.
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path

    /// The shortest demo: one step per run, one run at a time (about 4 s in a debug build).
    static let demo = ["demo", "--steps", "1", "--jobs", "1", "--quiet"]

    /// What a user may have beside a command's outputs: traces and their aliases, a folder of files, existing
    /// outputs, links, an unrelated `*.tmp` file and folder, a file where a folder is expected, and a device node.
    private func workspace() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        let manager = FileManager.default
        try manager.copyItem(atPath: Self.reference, toPath: directory.file("t.h5"))
        try manager.copyItem(atPath: Self.reference, toPath: directory.file("other.h5"))
        try #require(link(directory.file("t.h5"), directory.file("hard.h5")) == 0)
        try manager.createSymbolicLink(atPath: directory.file("sym.h5"), withDestinationPath: "t.h5")
        for folder in ["full", "X.html", "folder.html.tmp"] {
            try manager.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false)
        }
        for name in [
            "full/a.txt", "full/b.txt", "X.html/keep.txt", "folder.html.tmp/keep.txt", "existing.html", "existing.h5",
            "target.html", "stray.html.tmp", "note.txt",
        ] {
            try Data("keep \(name)\n".utf8).write(to: URL(fileURLWithPath: directory.file(name)))
        }
        try manager.createSymbolicLink(atPath: directory.file("link.html"), withDestinationPath: "target.html")
        try manager.createSymbolicLink(atPath: directory.file("link.h5"), withDestinationPath: "existing.h5")
        try manager.createSymbolicLink(atPath: directory.file("dangling.html"), withDestinationPath: "missing.html")
        // /dev/null's own device, 1:3 (glibc's makedev for small numbers: major << 8 | minor; mknod as root), so
        // that a command that deleted or replaced it would cost nothing here; a fifo otherwise.
        let device = getuid() == 0 ? mknod(directory.file("node"), S_IFCHR | 0o666, dev_t(1 << 8 | 3)) : -1
        if device != 0 { try #require(mkfifo(directory.file("node"), 0o644) == 0) }
        return directory
    }

    /// `normscope arguments…` run in `directory`, as `user` when given.
    private func normscope(
        _ arguments: [String], in directory: TemporaryDirectory, as user: String? = nil
    ) throws -> ChildProcess.Output {
        let binary = try #require(executable)
        let command = ["/bin/bash", "-c", "cd \"$0\" && exec \"$@\"", directory.path, binary] + arguments
        let line = user.map { ["/usr/sbin/runuser", "-u", $0, "--"] + command } ?? command
        return try ChildProcess.run(line[0], arguments: Array(line.dropFirst()))
    }

    /// Each case refused in one line holding its needles, exit 1, with no Foundation error text, and the folder
    /// exactly as it was.
    private func expectRefusals(
        _ cases: [([String], [String])], in directory: TemporaryDirectory,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try FolderSnapshot(directory.path)
        for (arguments, needles) in cases {
            let output = try normscope(arguments, in: directory)
            let what = arguments.joined(separator: " ")
            expectOneLineError(output, needles, sourceLocation: sourceLocation)
            #expect(output.status == 1, "\(what): exit \(output.status)", sourceLocation: sourceLocation)
            #expect(!output.standardError.contains("NSCocoaErrorDomain"), "\(what)", sourceLocation: sourceLocation)
            let changed = try FolderSnapshot(directory.path).changes(since: before)
            #expect(changed.isEmpty, "\(what) changed \(changed)", sourceLocation: sourceLocation)
        }
    }

    /// Runs a command that must succeed and change exactly `changed` (added or rewritten) in the folder.
    private func expectWrites(
        _ arguments: [String], changing changed: [String], in directory: TemporaryDirectory,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let before = try FolderSnapshot(directory.path)
        let output = try normscope(arguments, in: directory)
        #expect(output.status == 0, "\(arguments): \(output.standardError)", sourceLocation: sourceLocation)
        #expect(
            try FolderSnapshot(directory.path).changes(since: before) == changed.sorted(), "\(arguments)",
            sourceLocation: sourceLocation)
    }

    private func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    // MARK: - report

    @Test("report: a folder, its traces by any spelling, an existing file, a link, a device, a missing parent")
    func reportRefusals() throws {
        let directory = try workspace()
        try expectRefusals(
            [
                (["report", "t.h5", "-o", "full"], ["--out full is a folder; name a file", "e.g. full/report.html"]),
                (["report", "t.h5", "-o", "full/", "--force"], ["--out full/ is a folder"]),
                (["report", "t.h5", "-o", "t.h5", "--force"], ["--out t.h5 is one of the traces (t.h5)"]),
                (["report", "other.h5", "t.h5", "-o", "t.h5", "--force"], ["--out t.h5 is one of the traces (t.h5)"]),
                (["report", "t.h5", "-o", "hard.h5", "--force"], ["--out hard.h5 is one of the traces (t.h5)"]),
                (["report", "t.h5", "-o", "sym.h5", "--force"], ["--out sym.h5 is one of the traces (t.h5)"]),
                (["report", "sym.h5", "-o", "full/../t.h5", "--force"], ["is one of the traces (sym.h5)"]),
                // A labelled trace (FILE:LABEL) is still the file it names.
                (["report", "t.h5:mine", "-o", "t.h5", "--force"], ["--out t.h5 is one of the traces (t.h5)"]),
                (["report", "t.h5", "-o", "existing.html"], ["--out existing.html exists; add --force to replace it"]),
                (["report", "t.h5", "-o", "link.html"], ["--out link.html exists; add --force to replace it"]),
                (["report", "t.h5", "-o", "dangling.html", "--force"], ["--out dangling.html is a symbolic link"]),
                (["report", "t.h5", "-o", "node", "--force"], ["--out node is not a regular file"]),
                (["report", "t.h5", "-o", "missing/r.html"], ["--out missing/r.html", "does not exist; create it"]),
                (["report", "t.h5", "-o", "note.txt/r.html"], ["--out note.txt/r.html", "note.txt is a file"]),
                (["report", "t.h5", "--out", "a.html", "--output", "b.html"], ["--output is the former name"]),
            ], in: directory)
    }

    @Test("report: written aside and renamed whole; with --force over a file or through a link; *.tmp left alone")
    func reportWrites() throws {
        let directory = try workspace()
        try expectWrites(["report", "t.h5", "-o", "stray.html"], changing: ["stray.html"], in: directory)
        try expectWrites(["report", "t.h5", "--out", "folder.html"], changing: ["folder.html"], in: directory)
        try expectWrites(
            ["report", "t.h5", "--out", "existing.html", "--force"], changing: ["existing.html"], in: directory)
        // Through the link, by the former name of --out: the file it names gets the page, the link stays.
        try expectWrites(
            ["report", "t.h5", "--output", "link.html", "--force"], changing: ["target.html"], in: directory)
        for page in ["stray.html", "folder.html", "existing.html", "target.html"] {
            #expect(try text(directory.file(page)).hasPrefix("<!DOCTYPE html>"), "\(page)")
        }
    }

    // MARK: - demo

    @Test("demo: both outputs checked before training; the report never on the trace; a second run needs --force")
    func demoRefusals() throws {
        let directory = try workspace()
        try expectRefusals(
            [
                (["-o", "existing.h5"], ["--out existing.h5 exists; add --force to replace it"]),
                (["-o", "link.h5"], ["--out link.h5 exists; add --force to replace it"]),
                (["-o", "fresh.h5", "--report", "fresh.h5"], ["--report fresh.h5 is the --out trace (fresh.h5)"]),
                (["-o", "fresh.h5", "--report", "full/../fresh.h5", "--force"], ["is the --out trace (fresh.h5)"]),
                (["-o", "existing.h5", "--report", "link.h5", "--force"], ["--report link.h5 is the --out trace"]),
                (["-o", "X.h5"], ["--report X.html is a folder"]),
                (["-o", "fresh.h5", "--report", "full"], ["--report full is a folder"]),
                (["-o", "full/"], ["--out full/ is a folder"]),
                (["-o", "fresh.h5", "--report", "existing.html"], ["--report existing.html exists; add --force"]),
                (["-o", "fresh.h5", "--report", "node", "--force"], ["--report node is not a regular file"]),
                (["-o", "missing/d.h5"], ["--out missing/d.h5", "does not exist"]),
                (["-o", "fresh.h5", "--report", "missing/d.html"], ["--report missing/d.html", "does not exist"]),
            ].map { (Self.demo + $0.0, $0.1) }, in: directory)
    }

    @Test("demo --force: the trace replaced, the report written through its link, nothing else touched")
    func demoForce() throws {
        let directory = try workspace()
        try expectWrites(
            Self.demo + ["-o", "existing.h5", "--report", "link.html", "--force"],
            changing: ["existing.h5", "target.html"], in: directory)
        let trace = try Data(contentsOf: URL(fileURLWithPath: directory.file("existing.h5")))
        #expect(trace.prefix(8) == Data([0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]), "not an HDF5 file")
        #expect(try text(directory.file("target.html")).hasPrefix("<!DOCTYPE html>"))
    }

    // MARK: - export

    @Test("export: a file or device as --out, the trace in the folder, something in the way, files without --force")
    func exportRefusals() throws {
        let directory = try workspace()
        let manager = FileManager.default
        for folder in ["csvs", "traced", "linked", "blocked", "blocked/runs.csv"] {
            try manager.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false)
        }
        try Data("an older export\n".utf8).write(to: URL(fileURLWithPath: directory.file("csvs/runs.csv")))
        try #require(link(directory.file("t.h5"), directory.file("traced/runs.csv")) == 0)
        try manager.createSymbolicLink(atPath: directory.file("linked/runs.csv"), withDestinationPath: "../t.h5")
        try expectRefusals(
            [
                (["export", "t.h5", "--out", "existing.html"], ["--out existing.html is a file, not a folder"]),
                (["export", "t.h5", "--out", "node"], ["--out node is not a folder"]),
                (["export", "t.h5", "--out", "note.txt/csv"], ["--out note.txt/csv", "note.txt is a file"]),
                (["export", "t.h5", "--csv", "csvs"], ["--out csvs: csvs/runs.csv exists; add --force to replace it"]),
                (["export", "t.h5", "--out", "traced", "--force"], ["traced/runs.csv is the trace (t.h5)"]),
                (["export", "t.h5", "--out", "linked", "--force"], ["linked/runs.csv is the trace (t.h5)"]),
                (["export", "t.h5", "--out", "blocked", "--force"], ["blocked/runs.csv is a folder where a file"]),
                (["export", "t.h5"], ["--out: missing"]),
            ], in: directory)
    }

    @Test("export --force: same-named files replaced, the folder's other files and *.tmp kept, nothing left behind")
    func exportWrites() throws {
        let directory = try workspace()
        try FileManager.default.createDirectory(atPath: directory.file("csvs"), withIntermediateDirectories: false)
        for name in ["runs.csv", "notes.txt", "runs.csv.tmp"] {
            try Data("mine: \(name)\n".utf8).write(to: URL(fileURLWithPath: directory.file("csvs/" + name)))
        }
        let before = try FolderSnapshot(directory.path)
        let output = try normscope(["export", "t.h5", "--out", "csvs", "--force"], in: directory)
        #expect(output.status == 0, "\(output.standardError)")
        let changed = try FolderSnapshot(directory.path).changes(since: before)
        // runs.csv rewritten, the export's other files added; no staging folder or temporary anywhere.
        #expect(changed.contains("csvs/runs.csv") && changed.count == 25, "\(changed)")
        #expect(changed.allSatisfy { $0.hasPrefix("csvs/") && $0.hasSuffix(".csv") && !$0.contains("/.") })
        #expect(try text(directory.file("csvs/runs.csv")).hasPrefix("run,"))
        // A new folder, with its parent, under the former name of --out.
        let fresh = try normscope(["export", "t.h5", "--csv", "new/csv"], in: directory)
        #expect(fresh.status == 0, "\(fresh.standardError)")
        let added = try FolderSnapshot(directory.path).changes(since: before).filter { $0.hasPrefix("new") }
        #expect(added.count == 27 && added.allSatisfy { !$0.contains("/.") }, "\(added)")
    }

    // MARK: - slurm

    @Test("slurm: an earlier sweep's files need --force; the --config file, a folder in the way refused; links kept")
    func slurm() throws {
        let directory = try workspace()
        let manager = FileManager.default
        try #"{"presets": ["layernorm", "none"], "steps": 10}"#.write(
            toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
        let sweep = ["slurm", "--config", "sweep.json", "--shards", "2"]
        let files = ["sweep.json", "record.sbatch", "analyze.sbatch", "submit.sh"]
        try expectWrites(sweep + ["--out", "runs"], changing: ["runs"] + files.map { "runs/" + $0 }, in: directory)

        for folder in ["aliased", "blocked", "blocked/submit.sh", "linked"] {
            try manager.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false)
        }
        try #require(link(directory.file("sweep.json"), directory.file("aliased/sweep.json")) == 0)
        try expectRefusals(
            [
                (sweep + ["--out", "runs"], ["--out runs/sweep.json exists; add --force to replace it"]),
                (
                    ["slurm", "--config", "runs/sweep.json", "--shards", "2", "--out", "runs", "--force"],
                    ["--out runs: runs/sweep.json is the --config file (runs/sweep.json); choose another folder"]
                ),
                (sweep + ["--out", "aliased", "--force"], ["aliased/sweep.json is the --config file (sweep.json)"]),
                (sweep + ["--out", "blocked", "--force"], ["--out blocked: blocked/submit.sh is a folder where"]),
                (sweep + ["--out", "node"], ["--out node: cannot create the directory"]),
                (sweep + ["--out", "note.txt/runs"], ["--out note.txt/runs: cannot create the directory"]),
            ], in: directory)

        // With --force, the earlier sweep's files are replaced (one shard now), each renamed in whole.
        try expectWrites(
            ["slurm", "--config", "sweep.json", "--shards", "1", "--out", "runs", "--force"],
            changing: files.map { "runs/" + $0 }, in: directory)
        #expect(try text(directory.file("runs/record.sbatch")).contains("--array=0-0"))
        // Through a link, the file it names gets the script, the link stays.
        try Data("my script\n".utf8).write(to: URL(fileURLWithPath: directory.file("mine.sbatch")))
        try manager.createSymbolicLink(
            atPath: directory.file("linked/record.sbatch"), withDestinationPath: "../mine.sbatch")
        try expectWrites(
            sweep + ["--out", "linked", "--force"],
            changing: ["linked/sweep.json", "linked/analyze.sbatch", "linked/submit.sh", "mine.sbatch"], in: directory)
        #expect(try text(directory.file("mine.sbatch")).hasPrefix("#!/bin/bash"))
    }

    // MARK: - A folder the user cannot write

    /// Needs a second user: as root, the commands run as nobody.
    @Test(
        "report and demo into a folder the user cannot write: one line naming it, before any work",
        .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
    func unwritableFolder() throws {
        let directory = try workspace()
        // nobody may write in open/ (for demo's trace) but not in locked/ (for the reports).
        for folder in ["locked", "open"] {
            try FileManager.default.createDirectory(atPath: directory.file(folder), withIntermediateDirectories: false)
        }
        chmod(directory.file("open"), 0o777)
        chmod(directory.path, 0o755)
        chmod(directory.file("t.h5"), 0o644)
        let before = try FolderSnapshot(directory.path)
        for arguments in [
            ["report", "t.h5", "-o", "locked/r.html"], Self.demo + ["-o", "open/d.h5", "--report", "locked/d.html"],
        ] {
            let output = try normscope(arguments, in: directory, as: "nobody")
            expectOneLineError(output, ["locked", "cannot write in the folder", "Permission denied"])
            #expect(!output.standardError.contains("NSCocoaErrorDomain"))
        }
        // No trace in open/: demo refused before training.
        #expect(try FolderSnapshot(directory.path) == before)
    }
}
