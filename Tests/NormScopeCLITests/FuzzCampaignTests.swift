import Foundation
import TestSupport
import Testing

/// The project's fuzz campaign (`analysis/fuzz_traces.py`) in small: damaged copies of real traces — flipped
/// bytes, zeroed blocks, truncations, deleted, shrunk and retyped datasets and attributes, NaN and ±inf in table
/// columns — fed to `analyze`, `report`, `export` and `inspect`. Every run must be a clean result or a one-line
/// error naming the file: no crash, hang, stack trace, impossible number or half-written output. The seed is fixed,
/// so a failure names mutants that `--only INDEX` regenerates.
///
/// It runs the README's campaign command as written, with four things changed for a test: the built binary for
/// `.build/release/normscope` (the README's first line builds it), 30 mutants of 40-step base runs instead of 500
/// of 120, a 30 s timeout for a debug build, and the output under the temporary folder.
@Suite("fuzz campaign on damaged traces")
struct FuzzCampaignTests {
    @Test("the README's campaign on 30 seeded mutants: no crash, hang, garbage, leftover or bad error in any command")
    func seededCampaign() throws {
        let normscope = try #require(ChildProcess.builtProduct("normscope"), "normscope is not built next to the tests")
        #expect(PythonScript.canImport("h5py"), "the campaign needs h5py (the README's test command installs it)")
        // Misbehaving mutants and the bases they came from are kept here (replaced on every run) for replaying.
        let kept = (NSTemporaryDirectory() as NSString).appendingPathComponent("normscope-fuzz-campaign")
        try? FileManager.default.removeItem(atPath: kept)
        let command = try DocumentedCampaign.command(
            under: "Analyzing traces", containing: "fuzz_traces.py",
            replacing: [
                ("--normscope .build/release/normscope", "--normscope '\(normscope)'"), ("--count 500", "--count 30"),
                // A debug build trains about 30 ms a step: with 40-step base runs the campaign takes under a minute
                // when no command hangs (each hang costs the timeout).
                ("--timeout 20", "--timeout 30 --record-steps 40"),
                ("--out fuzz-out", "--out '\(kept)'"), ("--json fuzz-out/summary.json", "--json '\(kept)/summary.json'"),
            ])
        let output = try ChildProcess.run(
            "/bin/bash", arguments: ["-c", "cd '\(MarkdownBlock.repositoryRoot)' && \(command)"])
        #expect(
            output.status == 0,
            """
            fuzz_traces.py exited \(output.status); misbehaving mutants and their bases are in \(kept). Its summary:
            \(output.standardOutput)
            \(output.standardError)
            """)
        // The summary must say what was run, so a pass cannot come from a campaign that ran nothing.
        #expect(output.standardOutput.contains("30 mutants × 4 commands"), "\(output.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: kept + "/summary.json"), "no --json summary")
    }
}
