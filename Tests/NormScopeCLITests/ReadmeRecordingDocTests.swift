import Foundation
import TestSupport
import Testing

/// The README's block of `normscope record` lines runs as written, each line in a folder of its own holding the
/// files it names: `sweep.json` is the sweep file the README shows in the same section, `my.csv` a small CSV with
/// its label in the last column. `normscope` is the built binary with `--steps 4 --quiet` appended (the last
/// `--steps` wins, also over a sweep file's): the options, file names and data formats are what a line depends
/// on, the length of training is not, and the test binary is a debug build (a char-LM step takes a second).
@Suite("README recording commands", .serialized)
struct ReadmeRecordingDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// The sweep file of the README's "Recording traces" section: the inline JSON that starts with `{"steps"`.
    static func documentedSweep() throws -> String {
        let readme = try String(contentsOfFile: MarkdownBlock.repositoryRoot + "/README.md", encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Recording traces\n").dropFirst().first)
        let start = try #require(section.range(of: "`{\"steps\""))
        let rest = section[start.upperBound...]
        let end = try #require(rest.range(of: "}`"))
        return "{\"steps\"" + rest[..<end.lowerBound] + "}"
    }

    /// A CSV of 90 rows, four features and one of three labels in the last column, as `--dataset my.csv` expects.
    static func smallCSV() -> String {
        // Each class's features scattered around its label by a fixed pattern: separable, but not trivially.
        (0..<90).map { row in
            let label = row % 3
            let features = (0..<4).map { String(format: "%.4f", Double(label) + 0.8 * sin(Double(row * 4 + $0))) }
            return (features + [String(label)]).joined(separator: ",")
        }.joined(separator: "\n") + "\n"
    }

    @Test("every line of the 'Recording traces' block exits 0 and writes a trace that inspect finds valid")
    func recordingBlockRuns() throws {
        let binary = try #require(executable)
        let blocks = try MarkdownBlock.blocks("sh", under: "Recording traces", inFile: "README.md")
        let block = try #require(blocks.first, "no sh block in 'Recording traces'")
        let lines = block.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        try #require(lines.count >= 6 && lines.allSatisfy { $0.hasPrefix("normscope record ") })
        let sweep = try Self.documentedSweep()
        #expect(sweep.contains("\"grid\""), "the README's sweep example: \(sweep)")

        for line in lines {
            let output = try #require(line.firstMatch(of: /--out (\S+)/)?.1, "no --out in: \(line)")
            let directory = TemporaryDirectory()
            try sweep.write(toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
            try Self.smallCSV().write(toFile: directory.file("my.csv"), atomically: true, encoding: .utf8)
            let script = [
                "set -e", "cd '\(directory.path)'", "normscope() { '\(binary)' \"$@\" --steps 4 --quiet; }", line,
                "'\(binary)' inspect \(output) > /dev/null",
            ].joined(separator: "\n")
            let run = try ChildProcess.run("/bin/bash", arguments: ["-c", script])
            #expect(run.status == 0, "\(line)\n\(run.standardError.suffix(2000))")
        }
    }

    @Test("the README's sweep example expands to the runs its grid and seeds say")
    func documentedSweepExpands() throws {
        let binary = try #require(executable)
        let directory = TemporaryDirectory()
        try Self.documentedSweep().write(toFile: directory.file("sweep.json"), atomically: true, encoding: .utf8)
        let record = try ChildProcess.run(
            binary,
            arguments: ["record", "--config", directory.file("sweep.json"), "--steps", "2", "--quiet", "--out",
                        directory.file("sweep.h5")])
        try #require(record.status == 0, "\(record.standardError)")
        let analyze = try ChildProcess.run(binary, arguments: ["analyze", directory.file("sweep.h5"), "--format", "csv"])
        try #require(analyze.status == 0, "\(analyze.standardError)")
        // 2 presets × 3 seeds × 2 learning rates, one CSV row each after the header.
        #expect(analyze.standardOutput.split(separator: "\n").count == 1 + 12, "\(analyze.standardOutput)")
    }
}
