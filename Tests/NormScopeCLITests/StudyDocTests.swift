import Foundation
import TestSupport
import Testing

/// analysis/REPRODUCTION.md: its study command runs as written (at a few steps, `NORMSCOPE_STUDY_QUICK=1`: the whole
/// study takes about two hours) through every part — the learning-rate choice and the eleven variants of each task,
/// the stability frontier, the PyTorch twin, the analyses, the figures and the tables — and the tables the document
/// shows are the ones the full run printed.
@Suite("REPRODUCTION.md: the study", .serialized)
struct StudyDocTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("the study command, as written, goes through every stage and writes tables with a verdict per claim")
    func studyCommandRuns() throws {
        try #require(PythonScript.canImport("normscope"), "the normscope Python package is not installed (.ci/setup)")
        let binary = try #require(executable)
        let blocks = try MarkdownBlock.blocks("sh", under: "Running the study", inFile: "analysis/REPRODUCTION.md")
        try #require(blocks.count == 1, "found \(blocks.count) sh blocks")
        let directory = TemporaryDirectory()
        let prefix = ["set -e", "cd '\(directory.path)'", "export NORMSCOPE='\(binary)' NORMSCOPE_STUDY_QUICK=1"]
        let link = "ln -s '\(MarkdownBlock.repositoryRoot)/analysis' analysis"
        let commands = (prefix + [link, blocks[0]]).joined(separator: "\n")
        let output = try ChildProcess.run("/bin/bash", arguments: ["-c", commands])
        #expect(output.status == 0, "\(output.standardError.suffix(3000))")
        #expect(output.standardOutput.contains("study done"), "\(output.standardOutput.suffix(2000))")
        let out = directory.file("study-out")
        let tables = try String(contentsOfFile: out + "/tables.md", encoding: .utf8)
        for section in [
            "### Table 1", "### Table 2", "### Table 3", "### Divergence", "### Verdicts", "### Theorem 1",
            "AdaNorm C = 1", "AdaNorm C = 2", "test bpc",
        ] {
            #expect(tables.contains(section), "no \(section) in tables.md")
        }
        // One verdict per claim and task (and per C for AdaNorm): the deep-network claims once.
        let verdicts = tables.components(separatedBy: "→ **").count - 1
        #expect(verdicts == 23, "\(verdicts) verdicts")
        for task in ["digits-mlp", "char-lm", "deep-post-lm"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/figures/\(task)/summary.png"), "\(task)")
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(task).vs-detach-std.json"), "\(task)")
        }
        // The frontier and the PyTorch twin: analyzed, drawn, and in the tables.
        for file in [
            "frontier.vs-detach-mean.json", "figures/frontier/detach-std-vs-mean.png", "torch-twin.vs-layernorm.json",
            "figures/torch-twin/summary.png",
        ] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "no \(file)")
        }
        for section in [
            "### Detaching the variance against detaching the mean, per depth", "### RMSNorm and DyT against LayerNorm",
            "### The two engines", "| torch-twin | DyT |",
        ] {
            #expect(tables.contains(section), "no \(section) in tables.md")
        }
        // The same command again finds the study and stops in one line before doing anything (REPRODUCTION.md,
        // "Running it again"); the tables stay as they were and no temporary is left anywhere.
        let again = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", (prefix + [blocks[0]]).joined(separator: "\n")])
        #expect(again.status == 1 && again.standardOutput.isEmpty, "\(again.standardOutput)")
        #expect(
            again.standardError.hasPrefix("run-study.sh: error: study-out holds study-out/tables.md and 47 more ")
                && again.standardError.filter { $0 == "\n" }.count == 1, "\(again.standardError)")
        #expect(try String(contentsOfFile: out + "/tables.md", encoding: .utf8) == tables)
        let hidden = FileManager.default.enumerator(atPath: out)?.compactMap { $0 as? String }
            .filter { ($0 as NSString).lastPathComponent.hasPrefix(".") } ?? []
        #expect(hidden.isEmpty, "temporaries left: \(hidden)")
    }

    @Test("the tables REPRODUCTION.md shows are notebooks-data/study/tables.md, the full run's output, verbatim")
    func tablesAreTheMeasuredOnes() throws {
        let root = MarkdownBlock.repositoryRoot
        let document = try String(contentsOfFile: root + "/analysis/REPRODUCTION.md", encoding: .utf8)
        let measured = try String(contentsOfFile: root + "/notebooks-data/study/tables.md", encoding: .utf8)
        let begin = "<!-- tables.md begins -->\n", end = "<!-- tables.md ends -->"
        let start = try #require(document.range(of: begin), "no \(begin) marker")
        let stop = try #require(document.range(of: end, range: start.upperBound..<document.endIndex))
        let shown = String(document[start.upperBound..<stop.lowerBound])
        #expect(shown.trimmingCharacters(in: .whitespacesAndNewlines)
            == measured.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
