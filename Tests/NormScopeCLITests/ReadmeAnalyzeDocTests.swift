import Foundation
import TestSupport
import Testing

/// The README's block of analysis commands runs as written, line by line, on small traces of the names it uses
/// (recorded here with few steps: the names, not the sizes, are what the lines depend on).
@Suite("README analysis commands", .serialized)
struct ReadmeAnalyzeDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("every line of the 'Analyzing traces' shell block exits 0 and writes what it says")
    func analysisBlockRuns() throws {
        let binary = try #require(executable)
        let blocks = try MarkdownBlock.blocks("sh", under: "Analyzing traces", inFile: "README.md")
        let block = try #require(blocks.first, "no sh block in 'Analyzing traces'")
        let lines = block.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        try #require(lines.count >= 6 && lines.allSatisfy { $0.hasPrefix("normscope ") })

        let directory = TemporaryDirectory()
        let sweep = #"{"steps": 40, "eval_every": 20, "presets": ["layernorm", "adanorm"], "grid": {"lr": [0.001, 0.0003]}}"#
        try sweep.write(toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
        let setup = [
            "normscope demo --steps 40 --quiet --out normscope-demo.h5 > /dev/null",
            "normscope record --steps 40 --quiet --out run.h5",
            "normscope record --config sweep.json --shard 0/2 --quiet --out shard0.h5",
            "normscope record --config sweep.json --shard 1/2 --quiet --out shard1.h5",
            "normscope record --config sweep.json --quiet --out sweep.h5",
        ]
        let script = ["set -e", "cd '\(directory.path)'", "normscope() { '\(binary)' \"$@\"; }"] + setup
            + lines.map { "\($0) > /dev/null" }
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", script.joined(separator: "\n")])
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        for written in ["report.html", "out"] {
            #expect(FileManager.default.fileExists(atPath: directory.file(written)), "no \(written)")
        }
    }
}
