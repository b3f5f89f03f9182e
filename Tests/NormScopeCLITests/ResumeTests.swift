import Foundation
import TestSupport
import Testing

/// `record --resume` continues a sweep in its trace: finished runs kept as they are, unfinished ones recorded again
/// from their start, never half old and half new; a different sweep, or a trace of another format, is refused.
@Suite("record --resume")
struct ResumeTests {
    let executable = ChildProcess.builtProduct("normscope")
    // One run at a time, so that the kill lands between the first run's end and the second's.
    static let sweep = [
        "--presets", "layernorm,adanorm,none", "--steps", "120", "--eval-every", "20", "--flush-every", "10", "--jobs", "1",
    ]

    @Test("killed after its first run: resuming keeps that run, records the rest, and equals an uninterrupted sweep")
    func killedThenResumed() throws {
        try #require(PythonScript.canImport("h5py"))
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let reference = directory.file("reference.h5")
        let trace = directory.file("resumed.h5")
        let full = try ChildProcess.run(path, arguments: ["record", "--quiet"] + Self.sweep + ["--out", reference])
        #expect(full.status == 0, "\(full.standardError)")

        // Kill -9 once the first run is finished and the second has begun, then mark the first so that a
        // re-recorded copy would show.
        let killed = try PythonScript.run(
            """
            import os, signal, subprocess, sys, time, h5py
            normscope, trace = sys.argv[1], sys.argv[2]
            os.environ["HDF5_USE_FILE_LOCKING"] = "FALSE"   # read beside the writer, which holds HDF5's lock
            recorder = subprocess.Popen([normscope, "record", "--quiet", *sys.argv[3:], "--out", trace])
            deadline = time.time() + 240
            while time.time() < deadline:
                try:
                    with h5py.File(trace, "r") as f:
                        runs = f["runs"]
                        if runs["layernorm-s0"].attrs["status"] == "completed" and "adanorm-s0" in runs \\
                                and runs["adanorm-s0"]["steps"].shape[0] > 0:
                            break
                except (OSError, KeyError):
                    pass
                time.sleep(0.02)
            recorder.send_signal(signal.SIGKILL)
            recorder.wait()
            with h5py.File(trace, "r+") as f:
                statuses = {k: str(v.attrs["status"]) for k, v in f["runs"].items()}
                assert statuses["layernorm-s0"] == "completed", statuses
                assert statuses.get("adanorm-s0") == "running", statuses
                f["runs/layernorm-s0"].attrs["kept_marker"] = 1
                f["runs/adanorm-s0"].attrs["kept_marker"] = 1
            """, arguments: [path, trace] + Self.sweep)
        #expect(killed.status == 0, "\(killed.standardError)")

        let resumed = try ChildProcess.run(path, arguments: ["record", "--resume"] + Self.sweep + ["--out", trace])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(resumed.standardError.contains("keeping 1 finished run(s), recording 2"), "\(resumed.standardError)")

        let compare = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "r") as b:
                assert sorted(a["runs"]) == sorted(b["runs"]), (list(a["runs"]), list(b["runs"]))
                assert "kept_marker" in a["runs/layernorm-s0"].attrs      # kept, not recorded again
                assert "kept_marker" not in a["runs/adanorm-s0"].attrs    # replaced whole
                assert "resumed_at" in a.attrs
                for run in b["runs"]:
                    ra, rb = a["runs"][run], b["runs"][run]
                    assert ra.attrs["status"] == rb.attrs["status"] == "completed", run
                    for table in ["steps", "evals"]:
                        x, y = ra[table][()], rb[table][()]
                        assert x.shape == y.shape, (run, table, x.shape, y.shape)
                        for column in x.dtype.names:
                            if column != "seconds":
                                assert np.array_equal(x[column], y[column], equal_nan=True), (run, table, column)
                    for layer in rb["norms"]:
                        x, y = ra["norms"][layer]["grad"][()], rb["norms"][layer]["grad"][()]
                        assert x.shape == y.shape, (run, layer)
                        for column in x.dtype.names:
                            assert np.array_equal(x[column], y[column], equal_nan=True), (run, layer, column)
            print("same")
            """, arguments: [trace, reference])
        #expect(compare.status == 0, "\(compare.standardError)")

        // Resuming a finished sweep records nothing and changes no run.
        let again = try ChildProcess.run(path, arguments: ["record", "--resume"] + Self.sweep + ["--out", trace])
        #expect(again.status == 0, "\(again.standardError)")
        #expect(again.standardError.contains("Recorded 0 run(s)"), "\(again.standardError)")
        let analyzed = try ChildProcess.run(path, arguments: ["analyze", trace])
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
    }

    @Test("another sweep, a format-1 trace, --force or --live with --resume: one line, the trace untouched")
    func refusals() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("sweep.h5")
        let recorded = try ChildProcess.run(
            path, arguments: ["record", "--quiet", "--presets", "layernorm", "--steps", "20", "--out", trace])
        #expect(recorded.status == 0, "\(recorded.standardError)")
        let before = try Data(contentsOf: URL(fileURLWithPath: trace))

        let other = try ChildProcess.run(
            path, arguments: ["record", "--resume", "--presets", "layernorm", "--steps", "30", "--out", trace])
        expectOneLineError(other, [trace, "another sweep", "steps"])
        let formatOne = directory.file("old.h5")
        try FileManager.default.copyItem(atPath: ExportInspectTests.reference, toPath: formatOne)
        let old = try ChildProcess.run(path, arguments: ["record", "--resume", "--out", formatOne])
        expectOneLineError(old, [formatOne, "format-1"])
        for flag in ["--force", "--live"] {
            let both = try ChildProcess.run(path, arguments: ["record", "--resume", flag, "--out", trace])
            expectOneLineError(both, ["--resume and \(flag)"])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: trace)) == before)
    }
}
