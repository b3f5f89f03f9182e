import Foundation
import TestSupport
import Testing

/// `record --live` ends cleanly whatever its readers do: a reader (h5py, `swmr=True`) holding the trace open when
/// the recording ends does not stop the final statuses from being written, and sees every row.
@Suite("Live recording with a reader")
struct LiveRecordingTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("an h5py SWMR reader open across the end: the recorder exits 0, statuses are final, the reader sees every row")
    func readerOpenAcrossTheEnd() throws {
        try #require(PythonScript.canImport("h5py"))
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("live.h5")
        let output = try PythonScript.run(
            """
            import os, subprocess, sys, time, h5py
            normscope, trace = sys.argv[1], sys.argv[2]
            steps = 400
            recorder = subprocess.Popen(
                [normscope, "record", "--quiet", "--live", "--presets", "layernorm,adanorm", "--steps", str(steps),
                 "--flush-every", "10", "--out", trace], stderr=subprocess.PIPE, text=True)
            deadline = time.time() + 120
            reader = None
            while reader is None and time.time() < deadline:
                try:
                    reader = h5py.File(trace, "r", swmr=True)
                except OSError:
                    time.sleep(0.05)
            assert reader is not None, "the live trace never opened"
            # Hold the reader open until well after the recorder has finished.
            error = recorder.communicate(timeout=300)[1]
            assert recorder.returncode == 0, (recorder.returncode, error)
            for run in ("layernorm-s0", "adanorm-s0"):
                steps_table = reader[f"runs/{run}/steps"]
                steps_table.refresh()
                assert steps_table.shape[0] == steps, (run, steps_table.shape)
                for layer in reader[f"runs/{run}/norms"].values():
                    layer["grad"].refresh()
                    assert layer["grad"].shape[0] == steps, (run, layer.name, layer["grad"].shape)
            reader.close()
            with h5py.File(trace, "r") as f:
                for run in ("layernorm-s0", "adanorm-s0"):
                    attrs = f[f"runs/{run}"].attrs
                    assert attrs["status"] == "completed", (run, attrs["status"])
                    assert attrs["completed_steps"] == steps, (run, attrs["completed_steps"])
            print("ok")
            """, arguments: [path, trace])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardOutput.contains("ok"))
    }
}
