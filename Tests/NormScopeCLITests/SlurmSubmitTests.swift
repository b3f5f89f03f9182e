import Foundation
import TestSupport
import Testing

/// `normscope slurm --submit` and `submit.sh` against a stand-in `sbatch` that logs its arguments, and every input
/// the command refuses: one line, exit 1.
@Suite("normscope slurm: submitting and refusing")
struct SlurmSubmitTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// A directory holding an `sbatch` that appends its arguments to `calls` and prints the ids 4242, then
    /// `4243;cluster` (a federation's form), or fails on the second call when `failSecond`.
    static func fakeSbatch(in directory: TemporaryDirectory, failSecond: Bool = false) throws -> String {
        let bin = directory.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let second =
            failSecond
            ? "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2; exit 1"
            : "echo '4243;cluster'"
        let script = """
            #!/bin/sh
            echo "$*" >> "\(bin)/calls"
            if [ "$(wc -l < "\(bin)/calls")" -eq 1 ]; then echo 4242; else \(second); fi

            """
        try #require(
            FileManager.default.createFile(
                atPath: bin + "/sbatch", contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]))
        return bin
    }

    static func environment(path: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = path
        return environment
    }

    @Test("--submit queues the array, then the analysis with afterok on the array's id, and prints both ids")
    func submit() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = directory.file("sweep.json")
        try ShardedSweep.json.write(toFile: sweep, atomically: true, encoding: .utf8)
        let bin = try Self.fakeSbatch(in: directory)
        let out = directory.file("out")
        let environment = Self.environment(path: bin + ":/usr/bin:/bin")
        let submitted = try ChildProcess.run(
            path, arguments: ["slurm", "--config", sweep, "--shards", "4", "--out", out, "--submit"],
            environment: environment)
        #expect(submitted.status == 0, "\(submitted.standardError)")
        #expect(
            submitted.standardOutput.contains(
                "Submitted array job 4242 (4 task(s)) and analysis job 4243 (afterok:4242)"),
            "\(submitted.standardOutput)")
        let expected = [
            "--parsable \(out)/record.sbatch", "--parsable --dependency=afterok:4242 \(out)/analyze.sbatch", "",
        ]
        #expect(try String(contentsOfFile: bin + "/calls", encoding: .utf8).components(separatedBy: "\n") == expected)

        // submit.sh makes the same two calls.
        try FileManager.default.removeItem(atPath: bin + "/calls")
        let script = try ChildProcess.run("/bin/sh", arguments: ["\(out)/submit.sh"], environment: environment)
        #expect(script.status == 0, "\(script.standardError)")
        #expect(
            script.standardOutput.contains("array job 4242 (4 tasks), analysis job 4243 after it"),
            "\(script.standardOutput)")
        #expect(try String(contentsOfFile: bin + "/calls", encoding: .utf8).components(separatedBy: "\n") == expected)
    }

    @Test("the README's slurm line, as written, writes the scripts with its options and submits both jobs")
    func readmeLine() throws {
        let path = try #require(executable)
        let block = try #require(
            try MarkdownBlock.blocks("sh", under: "Running a sweep on a Slurm cluster", inFile: "README.md").first)
        let line = block.replacingOccurrences(of: "\\\n", with: " ")
        try #require(line.hasPrefix("normscope slurm ") && line.contains("--submit"), "the block: \(block)")
        let directory = TemporaryDirectory()
        // 16 runs, so that the line's 16 shards each get one.
        let sweep = #"{"presets": ["layernorm", "adanorm"], "seeds": 8, "steps": 40}"#
        try sweep.write(toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
        let bin = try Self.fakeSbatch(in: directory)
        let script = ["set -e", "cd '\(directory.path)'", "normscope() { '\(path)' \"$@\"; }", line].joined(separator: "\n")
        let submitted = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", script], environment: Self.environment(path: bin + ":/usr/bin:/bin"))
        #expect(submitted.status == 0, "\(submitted.standardError)")
        #expect(
            submitted.standardOutput.contains(
                "Submitted array job 4242 (16 task(s)) and analysis job 4243 (afterok:4242)"),
            "\(submitted.standardOutput)")
        let record = try SlurmScriptTests.lines(directory.file("runs/record.sbatch"))
        for expected in [
            "#SBATCH --array=0-15", "#SBATCH --partition=cpu", "#SBATCH --time=2:00:00", "#SBATCH --cpus-per-task=4",
            "#SBATCH --mem=8G",
        ] {
            #expect(record.contains(expected), "record.sbatch lacks \(expected): \(record)")
        }
    }

    @Test("sbatch refusing the analysis: one line with its reason, and the queued array's id to cancel")
    func secondSubmissionFails() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = directory.file("sweep.json")
        try ShardedSweep.json.write(toFile: sweep, atomically: true, encoding: .utf8)
        let bin = try Self.fakeSbatch(in: directory, failSecond: true)
        let refused = try ChildProcess.run(
            path, arguments: ["slurm", "--config", sweep, "--shards", "2", "--out", directory.file("out"), "--submit"],
            environment: Self.environment(path: bin + ":/usr/bin:/bin"))
        expectOneLineError(
            refused, ["analyze.sbatch", "Invalid partition name", "array job 4242 stays queued", "scancel 4242"])
    }

    @Test("an sbatch that cannot be run, a folder as --config: one line with the system's reason, no Foundation code")
    func unrunnable() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = directory.file("sweep.json")
        try ShardedSweep.json.write(toFile: sweep, atomically: true, encoding: .utf8)
        let bin = directory.file("bin")
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: false)
        // Executable, but neither a program nor a script: exec fails with ENOEXEC.
        try Data([0x7F, 0x45, 0x4C, 0x46, 0x00]).write(to: URL(fileURLWithPath: bin + "/sbatch"))
        chmod(bin + "/sbatch", 0o755)
        let refused = try ChildProcess.run(
            path, arguments: ["slurm", "--config", sweep, "--shards", "2", "--out", directory.file("out"), "--submit"],
            environment: Self.environment(path: bin + ":/usr/bin:/bin"))
        expectOneLineError(refused, [bin + "/sbatch: cannot run it (Exec format error)"])
        let folder = try ChildProcess.run(
            path, arguments: ["slurm", "--config", bin, "--shards", "2", "--out", directory.file("out2")])
        expectOneLineError(folder, [bin + ": is a folder, not a file"])
        for output in [refused, folder] { #expect(!output.standardError.contains("NSCocoaErrorDomain")) }
        #expect(!FileManager.default.fileExists(atPath: directory.file("out2")))
    }

    @Test("a missing or bad sweep, N < 1 or above the runs, an uncreatable directory, no sbatch: one line, exit 1")
    func refusals() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = directory.file("sweep.json")
        try ShardedSweep.json.write(toFile: sweep, atomically: true, encoding: .utf8)
        let out = directory.file("out")
        func slurm(_ arguments: [String], environment: [String: String]? = nil) throws -> ChildProcess.Output {
            let output = try ChildProcess.run(path, arguments: ["slurm"] + arguments, environment: environment)
            #expect(output.status == 1, "\(arguments): exit \(output.status)")
            return output
        }
        let missing = directory.file("nowhere.json")
        expectOneLineError(
            try slurm(["--config", missing, "--shards", "2", "--out", out]), [missing, "no such file"])
        let bad = directory.file("bad.json")
        try #"{"stpes": 10}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        expectOneLineError(try slurm(["--config", bad, "--shards", "2", "--out", out]), [bad, "stpes"])
        for count in ["0", "-3"] {
            expectOneLineError(
                try slurm(["--config", sweep, "--shards", count, "--out", out]), ["--shards \(count)", "positive"])
        }
        expectOneLineError(try slurm(["--config", sweep, "--shards", "5", "--out", out]), ["--shards 5", "4 run(s)"])
        let file = directory.file("a-file")
        try #require(FileManager.default.createFile(atPath: file, contents: Data()))
        expectOneLineError(
            try slurm(["--config", sweep, "--shards", "2", "--out", file + "/sub"]),
            [file, "cannot create the directory"])
        expectOneLineError(
            try slurm(["--config", sweep, "--shards", "2", "--out", directory.file("with space")]), ["cannot hold ' '"])
        expectOneLineError(
            try slurm(["--config", sweep, "--shards", "2", "--out", out, "--sbatch-line", "mem=4G"]),
            ["--sbatch-line 'mem=4G'"])
        expectOneLineError(
            try slurm(["--config", sweep, "--shards", "2", "--out", out, "--cpus-per-task", "0"]), ["--cpus-per-task 0"]
        )

        let empty = directory.file("empty-bin")
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let noSbatch = try slurm(
            ["--config", sweep, "--shards", "2", "--out", out, "--submit"], environment: Self.environment(path: empty))
        expectOneLineError(noSbatch, ["--submit", "sbatch is not on PATH"])
        // Refused before anything was written.
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
