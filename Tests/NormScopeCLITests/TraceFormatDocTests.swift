import Foundation
import TestSupport
import Testing

/// The "Reading" section of analysis/TRACE_FORMAT.md runs as written: its shell block records the trace with the
/// built `normscope`, then its Python blocks run in order, as in one notebook, in the same folder.
@Suite("TRACE_FORMAT.md snippets", .serialized)
struct TraceFormatDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("the Reading section's shell and Python snippets run as written, h5py, pandas and both xarray engines")
    func readingSnippets() throws {
        let binary = try #require(executable)
        let shell = try MarkdownBlock.blocks("sh", under: "Reading", inFile: "analysis/TRACE_FORMAT.md")
        let python = try MarkdownBlock.blocks("python", under: "Reading", inFile: "analysis/TRACE_FORMAT.md")
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

    @Test("the Live traces snippet follows the recording its comment names while it runs")
    func liveSnippet() throws {
        let binary = try #require(executable)
        let python = try MarkdownBlock.blocks("python", under: "Live traces (SWMR)", inFile: "analysis/TRACE_FORMAT.md")
        try #require(python.count == 1, "found \(python.count) python blocks")
        let command = try #require(
            python[0].firstMatch(of: /# while `(normscope record [^`]+)` runs/)?.1, "no recording named in: \(python[0])")

        let directory = TemporaryDirectory()
        // The page's earlier blocks imported h5py; the test prints how many rows the reader saw.
        try ("import h5py\n" + python[0] + "print(steps.shape[0])\n").write(
            toFile: directory.file("live.py"), atomically: true, encoding: .utf8)
        // The reader retries until the recorder has created the file and flushed a first block of steps (every
        // 10 s at the latest), then the recorder is stopped with SIGTERM, as Ctrl-C would.
        let script = """
            cd '\(directory.path)'
            normscope() { exec '\(binary)' "$@" --quiet; }
            # In the background subshell `exec` makes the recorder itself the process that $! names.
            \(command) &
            recorder=$!
            rows=0
            for attempt in $(seq 240); do
                rows=$(python3 live.py 2>/dev/null || echo 0)
                [ "$rows" -gt 0 ] && break
                sleep 0.25
            done
            kill -TERM $recorder
            wait $recorder
            echo "recorder exited $?"
            echo "reader saw $rows rows"
            """
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", script])
        #expect(output.standardOutput.contains("recorder exited 143"), "\(output.standardOutput)\(output.standardError)")
        let seen = output.standardOutput.firstMatch(of: /reader saw (\d+) rows/).flatMap { Int($0.1) } ?? 0
        #expect(seen > 0, "\(output.standardOutput)\(output.standardError.suffix(2000))")
    }
}
