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
        let shell = try MarkdownBlock.blocks("sh", under: "Example", inFile: "analysis/PYTHON.md")
        let python = try MarkdownBlock.blocks("python", under: "Example", inFile: "analysis/PYTHON.md")
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

    @Test("the Install line, as written, installs the package with its entry point into a fresh environment")
    func installLine() throws {
        let block = try #require(try MarkdownBlock.blocks("sh", under: "Install", inFile: "analysis/PYTHON.md").first)
        let line = try #require(block.split(separator: "\n").first.map(String.init))
        try #require(line.hasPrefix("pip install \"./analysis[xarray]\""), "the line: \(line)")
        let root = MarkdownBlock.repositoryRoot
        let directory = TemporaryDirectory()
        // A copy of the checkout's analysis/ (the files git sees), so pip's build leaves nothing in the checkout;
        // a virtual environment that sees the machine's packages, so only the package itself is installed.
        let script = """
            set -e
            cd '\(directory.path)'
            (cd '\(root)' && git ls-files -z --cached --others --exclude-standard analysis) | \\
                (cd '\(root)' && xargs -0 tar -cf -) | tar -xf -
            python3 -m venv --system-site-packages env
            export PATH="$PWD/env/bin:$PATH"
            \(line) > pip.log
            python3 -c 'import normscope; print(normscope.__file__)'
            normscope-plot --help > /dev/null && echo "normscope-plot runs"
            """
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", script])
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        #expect(output.standardOutput.contains(directory.path + "/env/lib/"), "\(output.standardOutput)")
        #expect(output.standardOutput.contains("normscope-plot runs"), "\(output.standardOutput)")
    }

    @Test("the Figures command, as written from the repository's root, draws every figure of the reference trace")
    func figuresCommand() throws {
        let block = try #require(try MarkdownBlock.blocks("sh", under: "Figures", inFile: "analysis/PYTHON.md").first)
        let line = block.trimmingCharacters(in: .whitespacesAndNewlines)
        let out = try #require(line.firstMatch(of: /--out (\S+)/)?.1).description
        try? FileManager.default.removeItem(atPath: out)
        let output = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "cd '\(MarkdownBlock.repositoryRoot)' && \(line)"])
        #expect(output.status == 0, "\(output.standardError.suffix(2000))")
        for figure in ["loss", "gap", "grad-parts", "ratios", "phi-adanorm", "summary"] {
            for format in ["png", "pdf"] {
                #expect(FileManager.default.fileExists(atPath: "\(out)/\(figure).\(format)"), "no \(figure).\(format)")
            }
        }
    }
}
