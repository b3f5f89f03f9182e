import Foundation
import TestSupport
import Testing

/// A number given to `record` that cannot be a setting is refused naming the option and what it must be, before
/// any file is created.
@Suite("record: option errors")
struct RecordOptionErrorTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test(
        "each bad number names its option and range in one line, exit 1; no trace is written",
        arguments: [
            (["--lr", "nan"], "--lr nan: must be a finite positive number"),
            (["--lr", "-1"], "--lr -1.0: must be a finite positive number"),
            (["--steps", "-5"], "--steps -5: must be a positive whole number"),
            (["--steps", "0"], "--steps 0: must be a positive whole number"),
            (["--batch", "-2"], "--batch -2: must be a positive whole number"),
            (["--seeds", "0"], "--seeds 0: must be a positive whole number"),
            (["--eval-every", "-1"], "--eval-every -1: must be a positive whole number"),
            (["--flush-every", "-5"], "--flush-every -5: must be a positive whole number"),
            (["--shard", "4/4"], "--shard expects i/n with 0 ≤ i < n"),
            // The default dataset is the digits table; the language model says what to give it instead.
            (["--model", "char-lm"], "digits is a table of features; model char-lm trains on text"),
        ])
    func badNumbers(arguments: [String], message: String) throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("bad.h5")
        let output = try ChildProcess.run(path, arguments: ["record"] + arguments + ["--out", trace])
        // One line and status 1, not ArgumentParser's usage text and 64.
        expectOneLineError(output, [message])
        #expect(output.status == 1)
        #expect(!output.standardError.contains("NSCocoaErrorDomain") && !output.standardError.contains("Missing value"))
        #expect(!FileManager.default.fileExists(atPath: trace))
    }
}

/// A sweep file given to `record --config` that cannot be one: one line naming the file (with the line and column of
/// a JSON mistake, the key of a bad value), never Foundation's error text.
@Suite("record: sweep file errors")
struct RecordConfigErrorTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test(
        "a folder, a JSON typo, a number out of range: one line each, exit 1, no trace",
        arguments: [
            (nil, "is a folder, not a file"),
            (
                "{\n  \"steps\": 10,\n  \"lr\" 0.1\n}\n",
                "sweep.json:3:8: not valid JSON: expected ':' after the key \"lr\", got '0'"
            ),
            (
                #"{"steps": 1e20}"#,
                "sweep.json: steps: 1e+20 is out of range; expected a whole number 1…1000000000000"
            ),
        ] as [(String?, String)])
    func badSweepFile(text: String?, message: String) throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        if let text {
            try text.write(toFile: config, atomically: true, encoding: .utf8)
        } else {
            try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: false)
        }
        let trace = directory.file("out.h5")
        let output = try ChildProcess.run(path, arguments: ["record", "--config", config, "--out", trace])
        expectOneLineError(output, [message])
        #expect(output.status == 1)
        #expect(!output.standardError.contains("NSCocoaErrorDomain") && !output.standardError.contains("DecodingError"))
        #expect(!FileManager.default.fileExists(atPath: trace))
    }

    @Test("a sweep file the user may not read: the system's reason in one line, not Foundation's error 257")
    func unreadableSweepFile() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"steps": 2}"#.write(toFile: config, atomically: true, encoding: .utf8)
        chmod(config, 0o000)
        defer { chmod(config, 0o644) }
        // Root reads any file; run as `nobody` then, through setpriv (util-linux), as the output-path test does.
        let asNobody = getuid() == 0
        if asNobody {
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"))
            chmod(directory.path, 0o777)
        }
        let arguments = ["record", "--config", config, "--out", directory.file("out.h5")]
        let output =
            asNobody
            ? try ChildProcess.run(
                "/usr/bin/setpriv", arguments: ["--reuid=65534", "--regid=65534", "--clear-groups", path] + arguments)
            : try ChildProcess.run(path, arguments: arguments)
        expectOneLineError(output, ["\(config): cannot read it: Permission denied"])
        #expect(!output.standardError.contains("NSCocoaErrorDomain"))
    }
}

/// An output path the file system refuses is one line naming the path and the cause, before any training.
@Suite("record: output path errors")
struct RecordOutputPathTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("a directory, a file used as a directory, a missing directory: one line each naming the path")
    func badOutputs() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let plain = directory.file("plain.h5")
        try Data("x".utf8).write(to: URL(fileURLWithPath: plain))
        for (out, cause) in [
            (directory.path, "is a folder; name a file in it"),
            (plain + "/trace.h5", "is a file, not a folder"),
            (directory.file("missing/trace.h5"), "does not exist; create it first"),
        ] {
            let output = try ChildProcess.run(path, arguments: ["record", "--steps", "5", "--out", out])
            expectOneLineError(output, [out, cause])
            #expect(output.status == 1)
        }
    }

    @Test("a directory the recorder may not write to: the system's reason, not HDF5's internals")
    func unwritableDirectory() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let locked = directory.file("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        // Root ignores permissions; run the recorder as `nobody` then, through setpriv (util-linux), if present.
        let asNobody = getuid() == 0
        if asNobody {
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"))
            chmod(directory.path, 0o755)
        }
        chmod(locked, 0o555)
        defer { chmod(locked, 0o755) }
        let out = locked + "/trace.h5"
        let output =
            asNobody
            ? try ChildProcess.run(
                "/usr/bin/setpriv",
                arguments: [
                    "--reuid=65534", "--regid=65534", "--clear-groups", path, "record", "--steps", "5", "--out", out,
                ])
            : try ChildProcess.run(path, arguments: ["record", "--steps", "5", "--out", out])
        expectOneLineError(output, [out, "Permission denied"])
        #expect(!output.standardError.contains("o_flags"), "\(output.standardError)")
    }
}
