import Foundation
import TestSupport
import Testing

/// The "Reading" section of analysis/TRACE_FORMAT.md runs as written: its shell block records the trace with the
/// built `normscope`, then its Python blocks run in order, as in one notebook, in the same folder.
@Suite("TRACE_FORMAT.md snippets", .serialized)
struct TraceFormatDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// The fenced blocks of `language` in the section titled `heading`, in order.
    static func blocks(_ language: String, in text: String, section heading: String) -> [String] {
        guard let start = text.range(of: "\n## \(heading)\n") else { return [] }
        let rest = text[start.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        var blocks: [String] = []
        var current: [Substring]?
        for line in section.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```\(language)" {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    @Test("the Reading section's shell and Python snippets run as written, h5py, pandas and both xarray engines")
    func readingSnippets() throws {
        let binary = try #require(executable)
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("analysis/TRACE_FORMAT.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        let shell = Self.blocks("sh", in: text, section: "Reading")
        let python = Self.blocks("python", in: text, section: "Reading")
        try #require(shell.count == 1 && python.count >= 4, "found \(shell.count) sh and \(python.count) python blocks")
        #expect(python.joined().contains("engine=engine") && python.joined().contains("raw_parts"))

        let directory = TemporaryDirectory()
        let script = directory.file("snippets.py")
        try python.joined(separator: "\n\n").write(toFile: script, atomically: true, encoding: .utf8)
        // `normscope` in the snippet is the binary under test.
        let commands = [
            "set -e", "cd '\(directory.path)'", "normscope() { '\(binary)' \"$@\" --quiet; }", shell[0],
            "python3 snippets.py",
        ].joined(separator: "\n")
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", commands])
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        #expect(output.standardOutput.contains("('phi_step', 'phi_bin')"), "\(output.standardOutput.suffix(2000))")
    }
}
