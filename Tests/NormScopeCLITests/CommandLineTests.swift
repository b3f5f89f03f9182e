import TestSupport
import Testing

/// End-to-end runs of the built `normscope` executable, as a user would type them.
@Suite("normscope command line")
struct CommandLineTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("--help teaches: the abstract, the available and the planned subcommands")
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
}
