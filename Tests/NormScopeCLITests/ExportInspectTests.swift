import Foundation
import HDF5
import Recording
import TestSupport
import Testing

/// `normscope export` is all or nothing; `normscope inspect` opens what `analyze` opens and judges the data apart
/// from the structure.
@Suite("export and inspect: damaged data, live traces, failed writes", .serialized)
struct ExportInspectTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// notebooks-data/digits-reference.h5, found from this source file's location.
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path

    private func normscope(_ arguments: [String]) throws -> ChildProcess.Output {
        try ChildProcess.run(try #require(executable), arguments: arguments)
    }

    /// Zeroes 64 bytes in the middle of chunk `chunk` of each `dataset` of the trace at `path` (its offset from h5py's
    /// `get_chunk_info`), and checks that h5py can no longer read that chunk.
    private func corrupt(_ path: String, _ chunks: [(dataset: String, chunk: Int)]) throws {
        let list = chunks.map { "(\"\($0.dataset)\", \($0.chunk))" }.joined(separator: ", ")
        let script = try PythonScript.run(
            """
            import sys, h5py
            places = []
            with h5py.File(sys.argv[1], "r") as f:
                for name, index in [\(list)]:
                    d = f[name]
                    info = d.id.get_chunk_info(index)
                    places.append((name, index, info.chunk_offset[0], info.byte_offset, info.size))
            with open(sys.argv[1], "r+b") as raw:
                for _, _, _, offset, size in places:
                    raw.seek(offset + size // 2)
                    raw.write(bytes(64))
            with h5py.File(sys.argv[1], "r") as f:
                for name, index, first, _, _ in places:
                    try:
                        f[name][first:first + 1]
                    except OSError:
                        continue
                    sys.exit(f"{name} chunk {index} still reads")
            """, arguments: [path])
        try #require(script.status == 0, "\(script.standardError)")
    }

    /// A completed layernorm run of `steps` steps with one 4-wide layer and no evaluations.
    private static func writeSingleLayerTrace(_ trace: String, steps: Int) throws {
        let writer = try TraceWriter(path: trace, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "layernorm-s0", attributes: ["preset": .string("layernorm")],
                normLayers: [NormLayerDescription(name: "n1", width: 4)]))
        for step in 0..<steps {
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [NormStepRow(step: Int64(step))], to: run)
        }
        try writer.finishRun(run, status: .completed, completedSteps: Int64(steps))
        try writer.close()
    }

    /// Every entry below `path`, relative to it, sorted: what a failed command must leave unchanged.
    private func entries(_ path: String) -> [String] {
        ((FileManager.default.subpaths(atPath: path)) ?? []).sorted()
    }

    // MARK: - inspect

    @Test("a killed --live trace: inspect opens it as a SWMR reader, says so, and exits 0 (structure and data)")
    func killedLiveTrace() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"hidden": [16], "batch": 16, "eval_every": 10, "phi_every": 5}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("live.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "record", "--config", config, "--presets", "adanorm", "--steps", "100000", "--out", trace,
            "--flush-every", "5", "--quiet", "--live",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        /// The rows of the run's steps table, as the tree shows them (`steps  compound{…}[rows]`).
        func stepRows(_ output: ChildProcess.Output) -> Int {
            let marker = "steps  compound{step,loss,learning_rate,grad_norm,seconds}["
            guard let range = output.standardOutput.range(of: marker) else { return 0 }
            return Int(output.standardOutput[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        // Until the recorder has switched the file to SWMR and flushed a few dozen steps (seconds on a loaded
        // machine), inspect the running trace for up to 30 s; then kill it mid-run as a crash would.
        var running = try normscope(["inspect", trace])
        var attempts = 1
        while attempts < 60, running.status != 0 || stepRows(running) < 40 {
            Thread.sleep(forTimeInterval: 0.5)
            running = try normscope(["inspect", trace])
            attempts += 1
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(running.status == 0, "while recording: \(running.standardError)\(running.standardOutput.suffix(600))")
        #expect(stepRows(running) >= 40, "\(running.standardOutput.suffix(600))")

        let output = try normscope(["inspect", "--data", trace])
        #expect(output.status == 0, "\(output.standardError)\(output.standardOutput.suffix(800))")
        let text = output.standardOutput
        #expect(text.contains("opened as a SWMR reader") && text.contains("live (--live) recorder"), "\(text)")
        #expect(text.contains("structure valid: trace format v2"), "\(text)")
        #expect(text.contains("data: every chunk read, every value passed the checks"), "\(text)")
        #expect(text.contains("status = running"), "the killed run is still marked running: \(text)")
        #expect(stepRows(output) >= stepRows(running), "\(text)")
    }

    @Test("chunks that do not decompress: the quick check finds the last one, --data every one, with rows; exit 1")
    func corruptedChunks() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let trace = directory.file("chunks.h5")
        // 5000 steps: five 1024-row chunks per table, so chunk 2 is neither the first nor the last.
        let steps = 5000
        try Self.writeSingleLayerTrace(trace, steps: steps)
        let before = try normscope(["inspect", "--data", trace])
        try #require(before.status == 0, "\(before.standardOutput.suffix(600))")

        let grad = "/runs/layernorm-s0/norms/n1/grad"
        let stepsTable = "/runs/layernorm-s0/steps"
        try corrupt(trace, [(grad, 2), (stepsTable, 4)])
        let quick = try normscope(["inspect", trace])
        #expect(quick.status == 1)
        #expect(quick.standardOutput.contains("structure valid: trace format v2"), "\(quick.standardOutput)")
        #expect(quick.standardOutput.contains("data: 1 damaged object"), "\(quick.standardOutput)")
        #expect(
            quick.standardOutput.contains("\(stepsTable): chunk 4 (rows 4096..<5000 of 5000) cannot be read"),
            "\(quick.standardOutput)")

        let full = try normscope(["inspect", "--data", trace])
        #expect(full.status == 1)
        let lines = full.standardOutput.split(separator: "\n").map(String.init)
        let verdict = try #require(lines.firstIndex { $0.hasPrefix("data: ") }, "\(full.standardOutput)")
        #expect(lines[verdict].hasPrefix("data: 2 damaged objects"), "\(lines[verdict])")
        let damaged = lines[(verdict + 1)...]
        #expect(damaged.count == 2, "\(damaged)")
        #expect(
            damaged.contains {
                $0.contains("chunks.h5: \(grad): chunk 2 (rows 2048..<3072 of 5000) cannot be read")
                    && $0.contains("1024 rows")
            }, "\(damaged)")
        #expect(damaged.contains { $0.contains("\(stepsTable): chunk 4 (rows 4096..<5000 of 5000)") }, "\(damaged)")
    }

    @Test("values no recorder writes, set by h5py, are named with their row (exit 1); the reference trace is all good")
    func impossibleValuesAndReference() throws {
        try #require(PythonScript.canImport("h5py"))
        let good = try normscope(["inspect", "--data", Self.reference])
        #expect(good.status == 0, "\(good.standardError)")
        #expect(good.standardOutput.contains("structure valid: trace format v1"), "\(good.standardOutput)")
        #expect(
            good.standardOutput.contains("data: every chunk read, every value passed the checks"),
            "\(good.standardOutput.suffix(400))")
        #expect(!good.standardOutput.contains("SWMR"))

        let directory = TemporaryDirectory()
        let trace = directory.file("values.h5")
        try FileManager.default.copyItem(atPath: Self.reference, toPath: trace)
        let edit = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r+") as f:
                for name, field, row, value in [
                    ("runs/adanorm-s0/norms/hidden1.norm/grad", "recenter_ratio", 7, 7.7e299),
                    ("runs/layernorm-s0/evals", "valid_accuracy", 2, 3.0),
                ]:
                    rows = f[name][()]
                    rows[field][row] = value
                    f[name][...] = rows
            """, arguments: [trace])
        try #require(edit.status == 0, "\(edit.standardError)")
        let output = try normscope(["inspect", "--data", trace])
        #expect(output.status == 1)
        let text = output.standardOutput
        #expect(text.contains("structure valid") && text.contains("data: 2 damaged objects"), "\(text)")
        #expect(
            text.contains(
                "values.h5: /runs/adanorm-s0/norms/hidden1.norm/grad: values that cannot be right: recenter_ratio = 7.7e+299"
            ) && text.contains("at row 7"), "\(text)")
        #expect(
            text.contains(
                "values.h5: /runs/layernorm-s0/evals: values that cannot be right: valid_accuracy = 3 (expected 0 … 1) at row 2"
            ),
            "\(text)")
    }

    @Test("a freshly recorded diverged trace: inspect (quick and --data) exits 0 as analyze lists no damage")
    func freshDivergedTrace() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("lr.h5")
        // AdaNorm at this rate diverges at step 1 with rescale_share = inf in that step's grad rows.
        let recorded = try normscope([
            "record", "--quiet", "--presets", "layernorm,adanorm", "--lr", "1e30", "--steps", "40", "--eval-every",
            "10", "--out", trace,
        ])
        try #require(recorded.status == 0, "\(recorded.standardError)")
        for arguments in [["inspect", trace], ["inspect", "--data", trace]] {
            let inspected = try normscope(arguments)
            #expect(inspected.status == 0, "\(inspected.standardOutput.suffix(600))")
            #expect(!inspected.standardOutput.contains("damaged"), "\(inspected.standardOutput.suffix(600))")
            #expect(
                inspected.standardOutput.contains("rows at diverged runs' divergence steps are their record"),
                "\(inspected.standardOutput.suffix(600))")
        }
        let analyzed = try normscope(["analyze", trace])
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        #expect(!analyzed.standardOutput.contains("damaged"), "\(analyzed.standardOutput)")
        #expect(analyzed.standardOutput.contains("run adanorm-s0 diverged at step 1"))
    }

    // MARK: - export

    @Test("export with an unreadable chunk in the last run's table: one line, exit 1, no folder, no temporary")
    func exportUnreadableChunk() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let trace = directory.file("late.h5")
        try FileManager.default.copyItem(atPath: Self.reference, toPath: trace)
        // none-s0 sorts last: every other run's files are written before its steps table is read.
        try corrupt(trace, [("/runs/none-s0/steps", 0)])
        let before = entries(directory.path)
        let output = try normscope(["export", trace, "--csv", directory.file("out/csv")])
        expectOneLineError(output, ["late.h5", "/runs/none-s0/steps", "rows 0..<600"])
        #expect(entries(directory.path) == before, "left behind: \(Set(entries(directory.path)).subtracting(before))")

        // Into an existing folder: it stays exactly as it was.
        let mine = directory.file("mine")
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: false)
        try "my notes".write(toFile: mine + "/notes.txt", atomically: true, encoding: .utf8)
        try "an older export".write(toFile: mine + "/runs.csv", atomically: true, encoding: .utf8)
        let mineBefore = entries(directory.path)
        // --force: the older runs.csv may be replaced, so the export gets as far as the damaged table.
        expectOneLineError(
            try normscope(["export", trace, "--out", mine, "--force"]), ["late.h5", "/runs/none-s0/steps"])
        #expect(entries(directory.path) == mineBefore)
        #expect(try String(contentsOfFile: mine + "/runs.csv", encoding: .utf8) == "an older export")
    }

    @Test("export on a full disk (a file-size limit): nothing left; then a good export is h5py's tables, others kept")
    func exportWriteFailure() throws {
        try #require(PythonScript.canImport("h5py") && PythonScript.canImport("pandas"))
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let target = directory.file("csv")
        let mine = directory.file("mine")
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: false)
        try "my notes".write(toFile: mine + "/notes.txt", atomically: true, encoding: .utf8)
        try "an older export".write(toFile: mine + "/runs.csv", atomically: true, encoding: .utf8)
        let before = entries(directory.path)
        // 100 KiB per file: the first run's steps and evals fit, its first grad table does not. A write past the
        // limit fails with EFBIG, as on a full disk, once SIGXFSZ is ignored.
        for folder in [target, mine] {
            let output = try ChildProcess.run(
                "/bin/bash",
                arguments: [
                    "-c", "ulimit -f 100; trap '' XFSZ; exec \"$0\" export \"$1\" --out \"$2\" --force", path,
                    Self.reference,
                    folder,
                ])
            expectOneLineError(output, [folder, "grad.csv", "File too large", "nothing was exported"])
            #expect(entries(directory.path) == before, "left: \(Set(entries(directory.path)).subtracting(before))")
        }
        #expect(try String(contentsOfFile: mine + "/runs.csv", encoding: .utf8) == "an older export")

        let written = try normscope(["export", Self.reference, "--out", mine, "--force"])
        #expect(written.status == 0, "\(written.standardError)")
        #expect(try String(contentsOfFile: mine + "/notes.txt", encoding: .utf8) == "my notes")
        #expect(entries(directory.path).allSatisfy { !$0.contains(".export-") && !$0.hasSuffix(".tmp") })
        let check = try PythonScript.run(
            """
            import os, sys, h5py, numpy as np, pandas as pd
            folder = sys.argv[2]
            expected = {"runs.csv", "notes.txt"}
            with h5py.File(sys.argv[1], "r") as f:
                runs = pd.read_csv(os.path.join(folder, "runs.csv"))
                assert list(runs["run"]) == sorted(f["runs"]), list(runs["run"])
                for run in f["runs"]:
                    g = f["runs"][run]
                    assert runs.set_index("run").loc[run, "status"] == g.attrs["status"]
                    tables = {f"{run}.steps.csv": g["steps"], f"{run}.evals.csv": g["evals"]}
                    for layer in g["norms"]:
                        n = g["norms"][layer]
                        tables[f"{run}.{layer}.grad.csv"] = n["grad"]
                        if "phi" in n:
                            tables[f"{run}.{layer}.phi.csv"] = n["phi"]
                            hist = pd.read_csv(os.path.join(folder, f"{run}.{layer}.phi_hist.csv"))
                            assert (hist["step"].to_numpy() == n["phi_step"][()]).all()
                            assert (hist.drop(columns="step").to_numpy() == n["phi_hist"][()]).all()
                            expected.add(f"{run}.{layer}.phi_hist.csv")
                    for name, dataset in tables.items():
                        csv = pd.read_csv(os.path.join(folder, name))
                        stored = dataset[()]
                        assert list(csv.columns) == list(stored.dtype.names), name
                        for column in csv.columns:
                            assert np.array_equal(csv[column].to_numpy(), stored[column], equal_nan=True), (name, column)
                    expected.update(tables)
            present = set(os.listdir(folder))
            assert present == expected, present ^ expected
            print(len(present))
            """, arguments: [Self.reference, mine])
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test("Ctrl-C during an export: exit 130, one line, nothing left (no folder, no staging folder, no temporary)")
    func exportInterrupted() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("long.h5")
        // Long enough that a debug build spends seconds writing its grad table.
        let steps = 20_000
        try Self.writeSingleLayerTrace(trace, steps: steps)
        let before = entries(directory.path)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["export", trace, "--csv", directory.file("csv")]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        // Signal once the export is under way: a first file exists in a folder (its staging folder, or the target
        // itself for an export that writes in place).
        var started: String?
        for _ in 0..<400 where process.isRunning {
            started = entries(directory.path).first { $0.contains("/") }
            if started != nil { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(started != nil, "the export ended before it could be interrupted: \(message)")
        #expect(process.terminationReason == .exit && process.terminationStatus == 130, "\(message)")
        let line = message.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!line.contains("\n") && line.contains("stopped by SIGINT") && line.contains("nothing was exported"))
        #expect(entries(directory.path) == before, "left: \(Set(entries(directory.path)).subtracting(before))")
    }

    /// Needs a second user: as root, the command runs as nobody.
    @Test(
        "export into an existing folder whose parent the user cannot write (a home folder): all or nothing still",
        .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")))
    func exportUnwritableParent() throws {
        let path = try #require(executable)
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let home = directory.file("home")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false)
        try "my notes".write(toFile: home + "/notes.txt", atomically: true, encoding: .utf8)
        let bad = directory.file("bad.h5")
        try FileManager.default.copyItem(atPath: Self.reference, toPath: bad)
        try corrupt(bad, [("/runs/none-s0/steps", 0)])
        chmod(directory.path, 0o755)
        chmod(bad, 0o644)
        try #require(chown(home, 65534, 65534) == 0 && chown(home + "/notes.txt", 65534, 65534) == 0)
        func asNobody(_ trace: String) throws -> ChildProcess.Output {
            try ChildProcess.run(
                "/usr/sbin/runuser", arguments: ["-u", "nobody", "--", path, "export", trace, "--csv", home])
        }
        let before = entries(directory.path)
        expectOneLineError(try asNobody(bad), ["bad.h5", "/runs/none-s0/steps"])
        #expect(entries(directory.path) == before, "left: \(Set(entries(directory.path)).subtracting(before))")

        let good = try asNobody(Self.reference)
        #expect(good.status == 0, "\(good.standardError)")
        let files = entries(home)
        #expect(files.contains("runs.csv") && files.contains("notes.txt"), "\(files)")
        #expect(good.standardOutput.contains("Wrote \(files.count - 1) CSV files"), "\(good.standardOutput)")
        #expect(!files.contains { $0.hasPrefix(".") }, "\(files)")
        #expect(entries(directory.path).filter { !$0.hasPrefix("home") } == ["bad.h5"], "\(entries(directory.path))")
    }
}
