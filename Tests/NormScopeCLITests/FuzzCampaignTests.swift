import Foundation
import TestSupport
import Testing

/// The project's fuzz campaign (`analysis/fuzz_traces.py`) in small: damaged copies of real traces — flipped
/// bytes, zeroed blocks, truncations, deleted, shrunk and retyped datasets and attributes, NaN and ±inf in table
/// columns — fed to `analyze`, `report`, `export` and `inspect`. Every run must be a clean result or a one-line
/// error naming the file: no crash, hang, stack trace, impossible number or half-written output. The seed is fixed,
/// so a failure names mutants that `--only INDEX` regenerates.
@Suite("fuzz campaign on damaged traces")
struct FuzzCampaignTests {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("analysis/fuzz_traces.py").path

    @Test("30 seeded mutants: no crash, hang, garbage, leftover or bad error in any command")
    func seededCampaign() throws {
        let normscope = try #require(ChildProcess.builtProduct("normscope"), "normscope is not built next to the tests")
        #expect(PythonScript.canImport("h5py"), "the campaign needs h5py (the README's test command installs it)")
        // Misbehaving mutants and the bases they came from are kept here (replaced on every run) for replaying.
        let kept = (NSTemporaryDirectory() as NSString).appendingPathComponent("normscope-fuzz-campaign")
        try? FileManager.default.removeItem(atPath: kept)
        let output = try ChildProcess.run(
            "/usr/bin/env",
            arguments: [
                "python3", Self.script, "--seed", "1", "--count", "30", "--timeout", "30", "--jobs", "2",
                // A debug build trains about 30 ms a step: with 40-step base runs the campaign takes under a
                // minute when no command hangs (each hang costs the 30 s timeout).
                "--record-steps", "40", "--normscope", normscope, "--out", kept,
            ])
        #expect(
            output.status == 0,
            """
            fuzz_traces.py exited \(output.status); misbehaving mutants and their bases are in \(kept). Its summary:
            \(output.standardOutput)
            \(output.standardError)
            """)
        // The summary must say what was run, so a pass cannot come from a campaign that ran nothing.
        #expect(output.standardOutput.contains("30 mutants × 4 commands"), "\(output.standardOutput)")
    }
}
