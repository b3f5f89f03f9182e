import Foundation
import TestSupport
import Testing

/// The "Example" section of analysis/PYTHON.md runs as written: its second shell block records the trace with the
/// built `normscope`, then its Python block reads it with the installed `normscope` package.
@Suite("PYTHON.md example", .serialized)
struct PythonDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("the Example section's shell and Python blocks run as written and print what their comments say")
    func exampleRuns() throws {
        try #require(PythonScript.canImport("normscope"), "the normscope Python package is not installed (.ci/setup)")
        let binary = try #require(executable)
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("analysis/PYTHON.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        let shell = TraceFormatDocTests.blocks("sh", in: text, section: "Example")
        let python = TraceFormatDocTests.blocks("python", in: text, section: "Example")
        try #require(shell.count == 1 && python.count == 1, "found \(shell.count) sh and \(python.count) python blocks")

        let directory = TemporaryDirectory()
        try python[0].write(toFile: directory.file("example.py"), atomically: true, encoding: .utf8)
        // `normscope` in the block is the binary under test.
        let commands = [
            "set -e", "cd '\(directory.path)'", "normscope() { '\(binary)' \"$@\"; }", shell[0], "python3 example.py",
        ].joined(separator: "\n")
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", commands])
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        for printed in [
            "2 0.1.0", "['hidden1.norm', 'hidden2.norm']", "(20, 42) (41,)",
            "('total', 'direct', 'recenter', 'rescale')", "('layer', 'phi_step', 'bin')",
        ] {
            #expect(output.standardOutput.contains(printed), "no \(printed) in:\n\(output.standardOutput.suffix(2000))")
        }
    }
}
