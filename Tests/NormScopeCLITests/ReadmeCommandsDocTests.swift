import Foundation
import TestSupport
import Testing

/// The README's two commands. The second, `.ci/setup && swift test`, is what runs this test, so it is checked to be
/// exactly what `.ci/run` (the CI entry point) runs. The first runs as written but for two things: the built
/// binary stands in for `swift run -c release normscope` (this suite's build of the same sources), and the demo
/// trains 20 steps instead of 2000 (a debug build trains the full demo in over ten minutes); it runs in a
/// temporary folder, so a reader's own `normscope-demo.*` in the checkout is left alone. Run twice, it refuses the
/// second time in one line, as the README says, rather than replace the first run's files.
@Suite("README's two commands", .serialized)
struct ReadmeCommandsDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    static func commands() throws -> [String] {
        let block = try #require(try MarkdownBlock.blocks("sh", under: "The two commands", inFile: "README.md").first)
        return block.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    }

    @Test("the test command is the one .ci/run runs")
    func testCommandIsCI() throws {
        let commands = try Self.commands()
        try #require(commands.count == 2, "expected two commands: \(commands)")
        #expect(commands[1] == ".ci/setup && swift test")
        let ci = try String(contentsOfFile: MarkdownBlock.repositoryRoot + "/.ci/run", encoding: .utf8)
        #expect(ci.split(separator: "\n").contains(Substring(commands[1])), ".ci/run does not run \(commands[1])")
    }

    @Test("the main job: .ci/setup has nothing left to do, and the demo writes its trace, tables and report")
    func mainJob() throws {
        let binary = try #require(executable)
        let commands = try Self.commands()
        try #require(commands.first == ".ci/setup && swift run -c release normscope demo", "\(commands)")
        let root = MarkdownBlock.repositoryRoot

        // The suite runs after .ci/setup (the test command says so): a second run must be quiet and succeed.
        let setup = try ChildProcess.run("/bin/bash", arguments: ["-c", "cd '\(root)' && .ci/setup"])
        #expect(setup.status == 0 && setup.standardError.isEmpty, "\(setup.standardError)")

        let directory = TemporaryDirectory()
        let demo = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "cd '\(directory.path)' && '\(binary)' demo --steps 20 --quiet"])
        #expect(demo.status == 0, "\(demo.standardError.suffix(2000))")
        for table in ["Overfitting per preset", "Theorem 1", "Report: normscope-demo.html"] {
            #expect(demo.standardOutput.contains(table), "the demo printed no \(table):\n\(demo.standardOutput.prefix(3000))")
        }
        for written in ["normscope-demo.h5", "normscope-demo.html"] {
            #expect(FileManager.default.fileExists(atPath: directory.file(written)), "no \(written)")
        }
        let inspect = try ChildProcess.run(binary, arguments: ["inspect", "--data", directory.file("normscope-demo.h5")])
        #expect(inspect.status == 0, "\(inspect.standardOutput.suffix(2000))")

        // Run again, as the README says: one line naming --force and --out, before training, and both files kept.
        let before = try FolderSnapshot(directory.path)
        let again = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "cd '\(directory.path)' && '\(binary)' demo --steps 20 --quiet"])
        expectOneLineError(
            again, ["Error: --out normscope-demo.h5 exists; add --force to replace it, or choose another --out."])
        #expect(try FolderSnapshot(directory.path) == before)
    }

    @Test("the PATH lines: the release build's folder holds normscope, and with it on PATH `normscope --version` runs")
    func pathLines() throws {
        let binary = try #require(executable)
        let block = try #require(
            try MarkdownBlock.blocks("sh", under: "The `normscope` command", inFile: "README.md").first)
        let build = "swift build -c release && "
        try #require(block.hasPrefix(build + "export PATH=\"$PWD/.build/release:$PATH\"\n"), "the block: \(block)")
        // This suite's build stands in for the release build: the same product, in the folder of the other
        // configuration, so the line's folder is swapped for it.
        let folder = (binary as NSString).deletingLastPathComponent
        let script = block.replacingOccurrences(of: build, with: "")
            .replacingOccurrences(of: "$PWD/.build/release", with: folder)
        let output = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "set -e\ncd '\(MarkdownBlock.repositoryRoot)'\n" + script])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
    }
}
