import Foundation
import TestSupport
import Testing

/// The README's one-machine recipe: GNU parallel records the shards side by side and analyze merges them, with the
/// same result as one process.
@Suite("shards with GNU parallel")
struct ParallelShardsTests {
    static let commands = [
        "parallel -j 4 normscope record --config sweep.json --shard {}/4 --out shard-{}.h5 ::: 0 1 2 3",
        "normscope analyze shard-*.h5",
    ]

    @Test("the README's parallel line, run as written, merges to the one-process analysis")
    func readmeLine() throws {
        let executable = try #require(ChildProcess.builtProduct("normscope"))
        let blocks = try MarkdownBlock.blocks("sh", under: "Running a sweep on a Slurm cluster", inFile: "README.md")
        let block = try #require(blocks.first { $0.hasPrefix("parallel ") }, "no parallel block in the README")
        #expect(block == Self.commands.map { $0 + "\n" }.joined(), "the README's block is now: \(block)")
        let parallel = try ChildProcess.run("/usr/bin/env", arguments: ["sh", "-c", "command -v parallel"])
        try #require(
            parallel.status == 0, "GNU parallel is not installed: run .ci/setup, which installs Debian's parallel")

        let directory = TemporaryDirectory()
        try ShardedSweep.json.write(toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] =
            URL(fileURLWithPath: executable).deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "")
        let script = "cd \"$1\" && " + Self.commands.joined(separator: " && ")
        let ran = try ChildProcess.run(
            "/bin/sh", arguments: ["-c", script, "sh", directory.path], environment: environment)
        #expect(ran.status == 0, "\(ran.standardError)")
        #expect(ran.standardOutput.contains("Overfitting per preset"))

        let shards = (0..<4).map { directory.file("shard-\($0).h5") }
        let merged = try ShardedSweep.analysis(executable, shards)
        let reference = try ShardedSweep.oneProcessAnalysis(
            executable, sweep: directory.file("sweep.json"), directory: directory)
        #expect(!merged.isEmpty && merged == reference)
    }
}
