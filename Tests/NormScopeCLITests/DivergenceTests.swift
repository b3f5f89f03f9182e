import Foundation
import TestSupport
import Testing

/// A learning rate that blows training up: every variant is recorded as diverged, AdaNorm's finite 1e30 losses
/// included, with the reason; and a trace that recorded such a run as completed (as recorders did before the
/// threshold) is read with the run counted as diverged, its wrecked numbers left out.
@Suite("Divergence")
struct DivergenceTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("--lr 1e30: adanorm diverges at step 1 by the threshold, with the reason; analyze prints no 1e29 numbers")
    func blownUpLearningRate() throws {
        try #require(PythonScript.canImport("h5py"))
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("lr.h5")
        let recorded = try ChildProcess.run(
            path,
            arguments: [
                "record", "--quiet", "--presets", "layernorm,adanorm", "--lr", "1e30", "--steps", "40",
                "--eval-every", "10", "--out", trace,
            ])
        #expect(recorded.status == 0, "\(recorded.standardError)")
        let check = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                run = f["runs/adanorm-s0"]
                assert run.attrs["status"] == "diverged", run.attrs["status"]
                assert run.attrs["diverged_step"] == 1, run.attrs["diverged_step"]
                assert "divergence threshold" in run.attrs["diverged_reason"], run.attrs["diverged_reason"]
                assert run["steps"].shape[0] == 2
                assert f["runs/layernorm-s0"].attrs["diverged_reason"] == "the loss is NaN"
            """, arguments: [trace])
        #expect(check.status == 0, "\(check.standardError)")

        // The same run as an older recorder wrote it: completed, no reason, every step's wreck recorded.
        let old = directory.file("old.h5")
        try FileManager.default.copyItem(atPath: trace, toPath: old)
        let rewrite = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r+") as f:
                run = f["runs/adanorm-s0"]
                run.attrs["status"] = "completed"
                run.attrs["diverged_step"] = -1
                del run.attrs["diverged_reason"]
                run.attrs["completed_steps"] = run["steps"].shape[0]
            """, arguments: [old])
        #expect(rewrite.status == 0, "\(rewrite.standardError)")
        let analyzed = try ChildProcess.run(path, arguments: ["analyze", old])
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        let text = analyzed.standardOutput
        #expect(text.contains("run adanorm-s0 diverged at step 1: its loss"), "\(text)")
        #expect(text.contains("counted as diverged"))
        // The note names the blown-up loss; no table shows a number of the wreck.
        let tables = text.split(separator: "\n").filter { !$0.hasPrefix("note:") }.joined(separator: "\n")
        #expect(!tables.contains("e+29") && !tables.contains("e+30") && !tables.contains("e+28"), "\(tables)")
    }
}
