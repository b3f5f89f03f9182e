import Foundation
import TestSupport
import Testing

/// The example at the top of analysis/ANALYZE_JSON.md runs as written: its shell line writes the JSON with the
/// built `normscope` (standing in for `swift run -c release normscope`), its Python reads it with pandas.
@Suite("ANALYZE_JSON.md example")
struct AnalyzeJSONDocTests {
    let executable = ChildProcess.builtProduct("normscope")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("the shell and Python blocks before the first section run from the repository's root")
    func introductionRuns() throws {
        try #require(PythonScript.canImport("pandas"))
        let binary = try #require(executable)
        // The introduction: the blocks under the page's title.
        let title = "`normscope analyze --format json`, schema `normscope-analyze/2`"
        let shell = try MarkdownBlock.blocks("sh", under: title, inFile: "analysis/ANALYZE_JSON.md")
        let python = try MarkdownBlock.blocks("python", under: title, inFile: "analysis/ANALYZE_JSON.md")
        try #require(shell.count == 1 && python.count == 1, "found \(shell.count) sh and \(python.count) python blocks")
        try #require(shell[0].contains("swift run -c release normscope "))

        let directory = TemporaryDirectory()
        try python[0].write(toFile: directory.file("example.py"), atomically: true, encoding: .utf8)
        let command = shell[0].replacingOccurrences(of: "swift run -c release normscope ", with: "'\(binary)' ")
            .replacingOccurrences(of: "> analysis.json", with: "> '\(directory.file("analysis.json"))'")
        let script = [
            "set -e", "cd '\(Self.root)'", command, "cd '\(directory.path)'", "python3 example.py",
        ].joined(separator: "\n")
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", script])
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        #expect(output.standardOutput.contains("best_valid_loss.mean"), "\(output.standardOutput)")
        #expect(output.standardOutput.contains("[] []"), "\(output.standardOutput)")
    }
}
