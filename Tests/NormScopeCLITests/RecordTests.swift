import Foundation
import HDF5
import Recording
import TestSupport
import Testing

/// `normscope record` end to end, as a user runs it: a small sweep, a killed recorder, Ctrl-C, a bad config, a
/// diverging run, determinism.
@Suite("normscope record", .serialized)
struct RecordTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// A sweep small enough for a debug build: a 16-unit MLP on the digits.
    func sweepFile(_ directory: TemporaryDirectory, _ extra: String = "") throws -> String {
        let path = directory.file("sweep.json")
        let json = #"{"hidden": [16], "batch": 16, "eval_every": 10, "phi_every": 5"# + extra + "}"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a short sweep writes a trace that validates against format 2 and loads in h5py and pandas")
    func shortSweep() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("run.h5")
        let output = try ChildProcess.run(
            path,
            arguments: [
                "record", "--config", try sweepFile(directory, #", "raw_every": 10, "raw_rows": 2"#),
                "--presets", "layernorm,adanorm", "--seeds", "1", "--steps", "30", "--out", trace,
            ])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(try TraceSchema.validate(path: trace) == [])
        // Every dataset is read and checked, the raw parts' `part` labels (strings) included.
        let inspected = try ChildProcess.run(path, arguments: ["inspect", "--data", trace])
        #expect(inspected.status == 0, "\(inspected.standardOutput.suffix(600))")
        #expect(inspected.standardOutput.contains("structure valid: trace format v2"))
        #expect(!inspected.standardOutput.contains("not read"), "\(inspected.standardOutput.suffix(600))")
        let check = try PythonScript.run(
            """
            import sys, h5py, pandas as pd
            f = h5py.File(sys.argv[1], "r")
            assert f.attrs["format"] == "normscope-trace" and f.attrs["format_version"] == 2
            runs = sorted(f["runs"])
            assert runs == ["adanorm-s0", "layernorm-s0"], runs
            for r in runs:
                g = f["runs"][r]
                assert g.attrs["status"] == "completed", g.attrs["status"]
                steps = pd.DataFrame(g["steps"][()])
                assert len(steps) == 30 and list(steps["step"]) == list(range(30))
                grad = pd.DataFrame(g["norms/hidden1.norm/grad"][()])
                assert len(grad) == 30 and (grad["total_norm"] > 0).all()
                evals = pd.DataFrame(g["evals"][()])
                assert list(evals["step"]) == [0, 10, 20, 29], list(evals["step"])
            phi = f["runs/adanorm-s0/norms/hidden1.norm/phi"][()]
            assert len(phi) == 6 and abs(phi["mean"].mean() - 2.0) < 1e-3, phi["mean"]
            raw = f["runs/layernorm-s0/norms/hidden1.norm/raw_parts"]
            assert raw.shape == (3, 4, 2, 16), raw.shape
            assert list(f["runs/layernorm-s0/norms/hidden1.norm/raw_step"][()]) == [0, 10, 20]
            total, direct, recentering, rescaling = raw[1, 0], raw[1, 1], raw[1, 2], raw[1, 3]
            assert abs(total - (direct + recentering + rescaling)).max() <= 1e-6 * abs(total).max()
            assert abs(total.mean(axis=1)).max() < 1e-5 * abs(direct).max()  # re-centred: zero row mean
            print("ok")
            """, arguments: [trace])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }

    @Test("without a terminal, progress is a plain line per tenth of a run even when no step hits a round percent")
    func plainProgress() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let output = try ChildProcess.run(
            path,
            arguments: [
                "record", "--config", try sweepFile(directory), "--steps", "7", "--out", directory.file("p.h5"),
            ])
        #expect(output.status == 0)
        let lines = output.standardError.split(separator: "\n").filter { $0.contains("steps/s") }
        #expect(lines.count == 7 && lines.last?.contains("step 7/7 (100%)") == true, "\(output.standardError)")
        #expect(!output.standardError.contains("\u{1B}["))
    }

    @Test("kill -9 in the middle of a run leaves a file that h5py and our reader open, with every flushed step")
    func killed() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("killed.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "record", "--config", try sweepFile(directory), "--steps", "100000", "--flush-every", "5", "--quiet",
            "--out", trace,
        ]
        try process.run()
        // HDF5 locks a file open for writing, so no reader can count rows yet: give the recorder time for well over
        // ten steps (a debug build does more than 20 per second here).
        Thread.sleep(forTimeInterval: 4)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let after = try stepCount(trace)
        #expect(after >= 10, "only \(after) steps readable after kill -9")
        let check = try PythonScript.run(
            """
            import sys, h5py
            f = h5py.File(sys.argv[1], "r")
            g = f["runs/layernorm-s0"]
            n = len(g["steps"])
            assert n >= 10 and len(g["norms/hidden1.norm/grad"]) == n and g.attrs["status"] == "running"
            assert list(g["steps"]["step"]) == list(range(n))
            print(n)
            """, arguments: [trace])
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test("SIGINT finishes the step, marks the run interrupted, closes the trace and exits 130")
    func interrupted() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("interrupted.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "record", "--config", try sweepFile(directory), "--steps", "100000", "--flush-every", "5", "--quiet",
            "--out", trace,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 3)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let file = try File.open(trace)
        let run = try file.openGroup("runs/layernorm-s0")
        #expect(try run.attribute("status", as: String.self) == "interrupted")
        let completed = try run.attribute("completed_steps", as: Int64.self)
        #expect(completed > 0 && completed < 100000)
        #expect(try TraceSchema.validate(path: trace) == [])
    }

    @Test("with --live, an h5py SWMR reader follows the trace while it is being written")
    func live() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("live.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "record", "--config", try sweepFile(directory), "--steps", "100000", "--flush-every", "5", "--quiet",
            "--live", "--out", trace,
        ]
        try process.run()
        defer {
            kill(process.processIdentifier, SIGINT)
            process.waitUntilExit()
        }
        Thread.sleep(forTimeInterval: 3)
        let follow = try PythonScript.run(
            """
            import sys, time, h5py
            f = h5py.File(sys.argv[1], "r", swmr=True)
            steps = f["runs/layernorm-s0/steps"]
            first = len(steps)
            time.sleep(1.5)
            steps.refresh()
            print(first, len(steps))
            assert 0 < first < len(steps), (first, len(steps))
            """, arguments: [trace])
        #expect(follow.status == 0, "\(follow.standardError)")
        #expect(process.isRunning)
    }

    @Test("a bad config is one line naming the key and the valid values, exit non-zero, no file written")
    func badConfig() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("bad.json")
        try #"{"learning_rate": 0.1}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("never.h5")
        let output = try ChildProcess.run(path, arguments: ["record", "--config", config, "--out", trace])
        #expect(output.status != 0)
        let lines = output.standardError.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("learning_rate") && lines[0].contains("lr"), "\(lines)")
        #expect(!FileManager.default.fileExists(atPath: trace))
        let preset = try ChildProcess.run(path, arguments: ["record", "--presets", "batchnorm", "--out", trace])
        #expect(preset.status != 0 && preset.standardError.contains("adanorm"))
        let missing = try ChildProcess.run(
            path, arguments: ["record", "--dataset", "/nonexistent.csv", "--out", trace])
        #expect(missing.status != 0 && missing.standardError.contains("/nonexistent.csv"))
        #expect(!FileManager.default.fileExists(atPath: trace))
    }

    @Test("a diverging run is recorded as diverged at its step and the sweep goes on")
    func diverging() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("diverged.h5")
        let output = try ChildProcess.run(
            path,
            arguments: [
                "record", "--config", try sweepFile(directory, #", "optimizer": "sgd", "momentum": 0"#),
                "--presets", "none,layernorm", "--lr", "1e30", "--steps", "50", "--quiet", "--out", trace,
            ])
        #expect(output.status == 0, "\(output.standardError)")
        let file = try File.open(trace)
        let none = try file.openGroup("runs/none-s0")
        #expect(try none.attribute("status", as: String.self) == "diverged")
        let step = try none.attribute("diverged_step", as: Int64.self)
        #expect(step >= 0 && step < 50)
        // The sweep went on to the second run.
        #expect(try file.exists("runs/layernorm-s0/steps"))
    }

    @Test("the same configuration and seed give bit-identical traces")
    func deterministic() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = try sweepFile(directory, #", "dropout": 0.1"#)
        var tables: [[NormStepRow]] = []
        var losses: [[StepRow]] = []
        for name in ["a.h5", "b.h5"] {
            let trace = directory.file(name)
            let output = try ChildProcess.run(
                path,
                arguments: [
                    "record", "--config", config, "--presets", "adanorm", "--steps", "25", "--quiet", "--out", trace,
                ])
            #expect(output.status == 0, "\(output.standardError)")
            let file = try File.open(trace)
            tables.append(try file.openDataset("runs/adanorm-s0/norms/hidden1.norm/grad").read(as: NormStepRow.self))
            // Wall-clock seconds differ between runs; compare everything else.
            losses.append(
                try file.openDataset("runs/adanorm-s0/steps").read(as: StepRow.self).map {
                    var row = $0
                    row.seconds = 0
                    return row
                })
        }
        #expect(tables[0].count == 25 && losses[0].count == 25)
        #expect(tables[0].map(\.totalNorm) == tables[1].map(\.totalNorm))
        #expect(tables[0].map(\.rescaleRatio) == tables[1].map(\.rescaleRatio))
        #expect(losses[0] == losses[1])
    }
}

/// Rows of the first run's `steps` table, read the way a second process would while the recorder writes.
private func stepCount(_ trace: String) throws -> Int {
    let output = try PythonScript.run(
        """
        import sys, h5py
        f = h5py.File(sys.argv[1], "r")
        print(len(f["runs/layernorm-s0/steps"]))
        """, arguments: [trace])
    return Int(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
}
