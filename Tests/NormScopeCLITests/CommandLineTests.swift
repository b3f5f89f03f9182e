import Foundation
import TestSupport
import Testing

/// End-to-end runs of the built `normscope` executable, as a user would type them.
@Suite("normscope command line")
struct CommandLineTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("--help teaches: the abstract and every subcommand")
    func help() throws {
        let path = try #require(executable, "the normscope executable was not built next to the tests")
        let output = try ChildProcess.run(path, arguments: ["--help"])
        #expect(output.status == 0)
        #expect(output.standardOutput.contains("USAGE: normscope"))
        #expect(output.standardOutput.contains("re-centering"))
        for subcommand in ["bench", "record", "analyze", "report", "inspect"] {
            #expect(output.standardOutput.contains(subcommand), "help does not mention \(subcommand)")
        }
    }

    @Test("--version prints the tool version")
    func version() throws {
        let path = try #require(executable)
        let output = try ChildProcess.run(path, arguments: ["--version"])
        #expect(output.status == 0)
        #expect(output.standardOutput.split(separator: ".").count == 3)
    }

    @Test("an unknown subcommand is one clear error and a non-zero exit")
    func unknownSubcommand() throws {
        let path = try #require(executable)
        let output = try ChildProcess.run(path, arguments: ["recrod"])
        #expect(output.status != 0)
        #expect(output.standardError.contains("recrod"))
        #expect(!output.standardError.contains("Fatal error"))
    }

    @Test(
        "a misspelt command is one line naming it and the nearest command, exit 1, whatever options follow",
        arguments: [
            (
                ["recrod", "--steps", "10"],
                "unknown command 'recrod'; did you mean 'record'? (normscope --help lists them)"
            ),
            (["inpsect", "run.h5"], "unknown command 'inpsect'; did you mean 'inspect'?"),
            (
                ["bench", "tensor", "--quick"],
                "unknown command 'bench tensor'; did you mean 'bench tensors'? (normscope bench --help"
            ),
            (
                ["frobnicate"],
                "unknown command 'frobnicate'; the commands are demo, record, analyze, report, export, inspect, "
                    + "slurm, bench"
            ),
        ])
    func didYouMean(arguments: [String], message: String) throws {
        let path = try #require(executable)
        let output = try ChildProcess.run(path, arguments: arguments)
        expectOneLineError(output, ["Error: " + message])
        #expect(output.status == 1)
        #expect(!output.standardError.contains("Unknown option"))
    }

    @Test("inspect: a reference trace validates (exit 0); a text file is one error line naming it (exit ≠ 0)")
    func inspect() throws {
        let path = try #require(executable)
        let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path
        let valid = try ChildProcess.run(path, arguments: ["inspect", reference])
        #expect(valid.status == 0 && valid.standardOutput.contains("valid: trace format v1"))
        #expect(
            valid.standardOutput.contains("adanorm-s0/") && valid.standardOutput.contains("phi_hist  int64[60, 42]"))
        let directory = TemporaryDirectory()
        let text = directory.file("notes.h5")
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        let bad = try ChildProcess.run(path, arguments: ["inspect", text])
        #expect(bad.status != 0)
        let lines = bad.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("notes.h5") && lines[0].contains("file signature not found"))
    }
}
