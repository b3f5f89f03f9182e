import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A recorded trace, once its recorder closed it, is little more than its data (the dead copies of partial chunks
/// its flushes left are given back by a compaction), and nothing a reader sees or the crash guarantees change:
/// xarray still attaches the dimension scales, a full disk during the compaction leaves the trace as it was and
/// says so, a kill during it leaves the trace whole.
@Suite("record: compaction after a clean close", .serialized)
struct RecordCompactionTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// File size over the stored bytes of every dataset, as h5py sees them; and xarray's view of the scales.
    static let measure = """
        import sys, os, h5py, xarray as xr
        path = sys.argv[1]
        stored = []
        with h5py.File(path, "r") as f:
            f.visititems(lambda name, obj: stored.append(obj.id.get_storage_size()) if isinstance(obj, h5py.Dataset) else None)
            runs = list(f["runs"])
            for run in runs:
                assert f["runs"][run].attrs["status"] == "completed", run
        for engine in ["h5netcdf", "netcdf4"]:
            for run in runs:
                ds = xr.open_dataset(path, engine=engine, group="runs/" + run)
                assert ds.steps.dims == ("step",) and int(ds.step[1]) == 1, (engine, run)
                layer = xr.open_dataset(path, engine=engine, group="runs/%s/norms/hidden1.norm" % run)
                assert layer.grad.dims == ("step",), (engine, layer.grad.dims)
                if "phi_hist" in layer:
                    assert layer.phi_hist.dims == ("phi_step", "phi_bin"), layer.phi_hist.dims
                if "raw_parts" in layer:
                    assert layer.raw_parts.dims == ("raw_step", "part", "row", "feature"), layer.raw_parts.dims
                    assert list(layer.part.values) == ["total", "direct", "recenter", "rescale"]
        print(os.path.getsize(path) / sum(stored))
        """

    func ratio(_ trace: String) throws -> Double {
        let output = try PythonScript.run(Self.measure, arguments: [trace])
        try #require(output.status == 0, "\(output.standardError)")
        return try #require(Double(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    func record(_ arguments: [String], out trace: String) throws -> ChildProcess.Output {
        let path = try #require(executable)
        return try ChildProcess.run(path, arguments: ["record", "--quiet"] + arguments + ["--out", trace])
    }

    @Test("runs of the demo's size (2000 steps, flushed every 200) end ≤ 1.1× their data, scales attached in xarray")
    func demoSized() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("demo-sized.h5")
        let output = try record(["--presets", "layernorm,adanorm", "--steps", "2000"], out: trace)
        #expect(output.status == 0, "\(output.standardError)")
        let ratio = try ratio(trace)
        #expect(ratio <= 1.1, "the trace is \(ratio)× its datasets' stored bytes")
        #expect(!FileManager.default.fileExists(atPath: directory.file(".demo-sized.h5.compacting")))
    }

    @Test("with Φ every 5 steps and raw samples, flushed every 50 steps: ≤ 1.1× its data, every axis scaled")
    func phiAndRawSamples() throws {
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"hidden": [128], "phi_every": 5, "raw_every": 20, "raw_rows": 4, "presets": ["adanorm"]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("phi-raw.h5")
        let output = try record(["--config", config, "--steps", "1500", "--flush-every", "50"], out: trace)
        #expect(output.status == 0, "\(output.standardError)")
        let ratio = try ratio(trace)
        #expect(ratio <= 1.1, "the trace is \(ratio)× its datasets' stored bytes")
    }

    /// Without the right to mount, the full-disk path of the compaction itself is still tested, under a file-size
    /// limit (`CompactionTests`), and the writer's handling of its failure by an injected one (`failCompaction`).
    @Test(
        "a full disk during the compaction: exit 0, a line saying the trace is not compacted, the trace whole",
        .enabled(if: SmallFileSystem.canMount, Comment(rawValue: SmallFileSystem.unavailable)))
    func noRoomToCompact() throws {
        let directory = TemporaryDirectory()
        let arguments = ["--presets", "layernorm", "--steps", "600", "--flush-every", "10"]
        // The trace as its flushes leave it, before any compaction: what the small disk must hold once, not twice.
        let measured = directory.file("measured.h5")
        #expect(try record(arguments + ["--no-compact"], out: measured).status == 0)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: measured)[.size] as? NSNumber)
        let small = try SmallFileSystem(at: directory.file("small"), kilobytes: size.intValue * 3 / 2 / 1024 + 64)
        defer { small.unmount() }
        let mountPoint = small.path
        let trace = mountPoint + "/full.h5"
        let output = try record(arguments, out: trace)
        #expect(output.status == 0, "\(output.standardError)")
        #expect(output.standardError.contains("\(trace): not compacted"), "\(output.standardError)")
        #expect(output.standardError.contains("No space left on device"), "\(output.standardError)")
        // As its last flush left it: the dead copies still there.
        #expect(try ratio(trace) > 1.3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: mountPoint).sorted() == ["full.h5"])
        let check = try PythonScript.run(
            """
            import sys, h5py
            f = h5py.File(sys.argv[1], "r")
            g = f["runs/layernorm-s0"]
            assert g.attrs["status"] == "completed" and len(g["steps"]) == 600 and len(g["norms/hidden1.norm/grad"]) == 600
            print("ok")
            """, arguments: [trace])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }

    @Test("Ctrl-C twice during the compaction abandons it: exit 130, a line saying so, the trace whole, no scratch")
    func interruptedWhileCompacting() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        // Four runs of raw samples (as in the kill test below): a copy of many datasets, caught between two.
        try #"{"hidden": [128], "batch": 32, "raw_every": 1, "raw_rows": 32, "presets": ["layernorm"], "seeds": 4}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("stop.h5")
        let scratch = directory.file(".stop.h5.compacting")
        var caught = false
        var status: Int32 = 0
        var errors = ""
        for _ in 0..<3 where !caught {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = [
                "record", "--quiet", "--force", "--config", config, "--steps", "400", "--flush-every", "5",
                "--out", trace,
            ]
            let standardError = Pipe()
            process.standardError = standardError
            try process.run()
            while process.isRunning {
                if FileManager.default.fileExists(atPath: scratch) {
                    kill(process.processIdentifier, SIGINT)
                    usleep(20_000)
                    kill(process.processIdentifier, SIGINT)
                    caught = true
                    break
                }
                usleep(1000)
            }
            errors = String(decoding: standardError.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            status = process.terminationStatus
        }
        try #require(caught, "the compaction was never caught in the act")
        #expect(status == 130, "\(errors)")
        #expect(errors.contains("\(trace): not compacted (stopped by SIGINT); the trace is complete"), "\(errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["stop.h5", "sweep.json"])
        // As its last flush left it: every run whole, the dead copies still there (1.23× here; compacted, 1.003×).
        #expect(try ratio(trace) > 1.1)
    }

    @Test("kill -9 during the compaction: the trace is whole, the scratch copy hidden, and the next run removes it")
    func killedWhileCompacting() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        // 65 kB of uncompressed raw samples per step make a copy long enough to be caught; flushes every 5 steps
        // leave the dead space that makes the compaction worth doing.
        try #"{"hidden": [128], "batch": 32, "raw_every": 1, "raw_rows": 32, "presets": ["layernorm"]}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("kill.h5")
        let scratch = directory.file(".kill.h5.compacting")
        var caught = false
        for _ in 0..<3 where !caught {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = [
                "record", "--quiet", "--force", "--config", config, "--steps", "1100", "--flush-every", "5",
                "--out", trace,
            ]
            try process.run()
            while process.isRunning {
                if FileManager.default.fileExists(atPath: scratch) {
                    kill(process.processIdentifier, SIGKILL)
                    caught = true
                    break
                }
                usleep(1000)
            }
            process.waitUntilExit()
        }
        try #require(caught, "the compaction was never caught in the act")
        #expect(FileManager.default.fileExists(atPath: scratch))
        // No trace pattern matches the scratch copy.
        let traces = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".h5") }
        #expect(traces == ["kill.h5"], "\(traces)")
        let check = try PythonScript.run(
            """
            import sys, h5py
            f = h5py.File(sys.argv[1], "r")
            g = f["runs/layernorm-s0"]
            assert g.attrs["status"] == "completed", g.attrs["status"]
            assert len(g["steps"]) == 1100 and len(g["norms/hidden1.norm/grad"]) == 1100
            assert g["norms/hidden1.norm/raw_parts"].shape == (1100, 4, 32, 128)
            g["norms/hidden1.norm/grad"][()]
            print("ok")
            """, arguments: [trace])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
        // The next recorder of the path (here resuming it: every run is finished) clears the leftover.
        let resumed = try ChildProcess.run(
            path, arguments: ["record", "--quiet", "--resume", "--config", config, "--steps", "1100", "--out", trace])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: scratch))
    }
}
