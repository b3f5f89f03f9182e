import Foundation
import HDF5
import Recording
import TestSupport
import Testing

/// `normscope analyze` and `report` on every kind of bad input the issue lists: each is one clear line naming the
/// file (and object) with a non-zero exit status, or, where the rest is usable, output that marks what is missing.
/// Never a crash.
@Suite("analyze and report: bad input", .serialized)
struct AnalyzeBadInputTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// A trace of `runs` (id, steps, diverged step) with one 4-wide layer each, evaluations every 10 steps.
    private func writeTrace(_ path: String, runs: [(id: String, steps: Int, divergeAt: Int?)]) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        for run in runs {
            let preset = String(run.id.split(separator: "-").first ?? "")
            let handle = try writer.beginRun(
                RunDescription(
                    id: run.id, attributes: ["preset": .string(preset), "seed": .int64(0)],
                    normLayers: [NormLayerDescription(name: "n1", width: 4)]))
            for step in 0..<run.steps {
                let diverged = run.divergeAt.map { step >= $0 } ?? false
                var norm = NormStepRow(step: Int64(step))
                norm.rescaleRatio = diverged ? .nan : 0.9
                norm.recenterRatio = 0
                try writer.append(
                    step: StepRow(
                        step: Int64(step), loss: diverged ? .nan : 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                    norms: [norm], to: handle)
                if step % 10 == 0 || step == run.steps - 1 {
                    try writer.append(
                        evaluation: EvaluationRow(
                            step: Int64(step), trainLoss: diverged ? .nan : 0.5, trainAccuracy: 1,
                            validLoss: diverged ? .nan : 0.6 - Double(step) / 10_000, validAccuracy: 0.9),
                        to: handle)
                }
            }
            if let at = run.divergeAt {
                try writer.finishRun(handle, status: .diverged, divergedAtStep: Int64(at), completedSteps: Int64(at))
            } else {
                try writer.finishRun(
                    handle, status: run.steps == 0 ? .interrupted : .completed, completedSteps: Int64(run.steps))
            }
        }
        try writer.close()
    }

    private func analyze(_ arguments: [String]) throws -> ChildProcess.Output {
        try ChildProcess.run(try #require(executable), arguments: ["analyze"] + arguments)
    }

    @Test("a missing file, a text file, a truncated trace, another format version: one line, non-zero exit")
    func unreadableFiles() throws {
        let directory = TemporaryDirectory()
        expectOneLineError(try analyze([directory.file("absent.h5")]), ["absent.h5", "no such file"])

        let text = directory.file("notes.h5")
        try "not hdf5".write(toFile: text, atomically: true, encoding: .utf8)
        expectOneLineError(try analyze([text]), ["notes.h5"])

        let whole = directory.file("whole.h5")
        try writeTrace(whole, runs: [("layernorm-s0", 300, nil)])
        let cut = directory.file("cut.h5")
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        expectOneLineError(try analyze([cut]), ["cut.h5", "truncated"])

        let future = directory.file("future.h5")
        try writeTrace(future, runs: [("layernorm-s0", 5, nil)])
        let file = try File.open(future, mode: .readWrite)
        try file.setAttribute(TraceFormat.Names.formatVersion, Int64(99))
        try file.close()
        expectOneLineError(try analyze([future]), ["future.h5", "version 99"])
    }

    @Test("a trace missing a dataset: the rest is analyzed and the missing object is named; exit 0")
    func missingDataset() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let trace = directory.file("holes.h5")
        try writeTrace(trace, runs: [("layernorm-s0", 50, nil), ("layernorm-s1", 50, nil), ("adanorm-s0", 50, nil)])
        let delete = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r+") as f:
                del f["runs/layernorm-s1/norms/n1/grad"]
                del f["runs/adanorm-s0/evals"]
            """, arguments: [trace])
        try #require(delete.status == 0, "\(delete.standardError)")
        let output = try analyze([trace])
        #expect(output.status == 0, "\(output.standardError)")
        let text = output.standardOutput
        #expect(text.contains("missing: ") && text.contains("/runs/layernorm-s1/norms/n1/grad"), "\(text)")
        #expect(text.contains("/runs/adanorm-s0/evals") && text.contains("run adanorm-s0 has no evaluations"))
        #expect(text.contains("layernorm  2"), "both layernorm runs are still summarized: \(text)")
        // The run without evaluations still has its gradient statistics.
        #expect(text.contains("adanorm    n1"), "\(text)")
    }

    @Test("runs of different lengths, an empty run, a diverged run: summarized with notes; exit 0")
    func awkwardRuns() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("awkward.h5")
        try writeTrace(
            trace,
            runs: [
                ("layernorm-s0", 200, nil), ("layernorm-s1", 60, nil), ("adanorm-s0", 0, nil),
                ("detachnorm-s0", 100, 40),
            ])
        let output = try analyze([trace])
        #expect(output.status == 0, "\(output.standardError)")
        let text = output.standardOutput
        #expect(text.contains("runs of different lengths (60, 200 steps)"), "\(text)")
        #expect(text.contains("run adanorm-s0 is empty") && text.contains("run adanorm-s0 has no evaluations"))
        #expect(text.contains("run detachnorm-s0 diverged at step 40"), "\(text)")
        // The diverged run's best validation loss comes from its finite evaluations (steps 0…30).
        let json = try analyze([trace, "--format", "json"])
        let document = try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any]
        let runs = try #require(document?["runs"] as? [[String: Any]])
        let diverged = try #require(runs.first { $0["id"] as? String == "detachnorm-s0" })
        #expect(diverged["best_valid_step"] as? Int == 30 && diverged["diverged_at_step"] as? Int == 40)
        let empty = try #require(runs.first { $0["id"] as? String == "adanorm-s0" })
        #expect(empty["best_valid_loss"] is NSNull)
    }

    @Test("a file still being written: a locked trace is one clear line; a live (--live) trace is analyzed")
    func beingWritten() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"hidden": [16], "batch": 16, "eval_every": 10}"#.write(toFile: config, atomically: true, encoding: .utf8)
        for live in [false, true] {
            let trace = directory.file(live ? "live.h5" : "locked.h5")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments =
                [
                    "record", "--config", config, "--presets", "layernorm", "--steps", "100000", "--out", trace,
                    "--flush-every", "20", "--quiet",
                ] + (live ? ["--live"] : [])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            defer {
                process.interrupt()
                process.waitUntilExit()
            }
            // Until the recorder has created the file and, for --live, switched it to SWMR and flushed a first
            // evaluation (a loaded machine can take seconds): retry analyze for up to 30 s.
            var output = try analyze([trace])
            var attempts = 1
            while attempts < 60, live ? output.status != 0 : !output.standardError.contains("being written") {
                Thread.sleep(forTimeInterval: 0.5)
                output = try analyze([trace])
                attempts += 1
            }
            if live {
                #expect(output.status == 0, "\(output.standardError)")
                #expect(output.standardOutput.contains("live (SWMR)"), "\(output.standardOutput)")
                #expect(output.standardOutput.contains("unfinished"), "\(output.standardOutput)")
            } else {
                expectOneLineError(output, ["locked.h5", "being written by another process"])
            }
        }
    }
}
