import Foundation
import HDF5
import TestSupport
import Testing

@testable import Recording

/// What a reader finds if the recorder dies. Copying the file's bytes while the writer holds it open captures what
/// a SIGKILL at that moment would leave (the kernel keeps every completed write; what the process still buffers is
/// lost), as in HDF5Tests' CrashSafetyTests. Rows recorded after the last flush may or may not be there; every row
/// up to it must be.
@Suite("Trace writer crash safety")
struct TraceWriterCrashSafetyTests {
    typealias Names = TraceFormat.Names

    private func snapshot(_ path: String, to copy: String) throws {
        if FileManager.default.fileExists(atPath: copy) { try FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: path, toPath: copy)
    }

    @Test("killed after 250 steps with flushEvery 100: the file opens in ours and h5py with the first 200 steps")
    func killedAfterStepFlushes() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(
            path: path, commandLine: "test", sweepConfigurationJSON: "{}", flushEvery: 100,
            flushInterval: .seconds(3600))
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<250, run: 0, handle: handle, to: writer)
        // Every message handled: the flushes after steps 100 and 200 are done, steps 200…249 are pending.
        try writer.waitUntilIdle()
        let killed = directory.file("killed.h5")
        try snapshot(path, to: killed)

        let file = try File.open(killed)
        let run = try file.openGroup("runs/\(TraceFixture.runID(0))")
        #expect(try run.attribute(Names.status, as: String.self) == "running")
        let steps = try run.openDataset(Names.steps).read(as: StepRow.self)
        #expect(steps.count >= 200)
        #expect(Array(steps.prefix(200)) == (0..<200).map { TraceFixture.stepRow(run: 0, step: $0) })
        // The tables that share the step coordinate were flushed together.
        #expect(try run.openDataset(Names.step).rowCount() == steps.count)
        for layer in TraceFixture.layers {
            #expect(try run.openDataset("norms/\(layer.name)/grad").rowCount() == steps.count)
        }
        #expect(try run.openDataset(Names.evals).rowCount() >= 2)
        #expect(try run.openDataset("norms/block1.ffn_norm/phi_hist").shape()[0] >= 4)
        #expect(TraceSchema.validate(file: file) == [])

        let output = try PythonScript.run(
            """
            import sys, h5py
            f = h5py.File(sys.argv[1], "r")
            r = f["runs/adanorm-seed0"]
            print(r["steps"].shape[0], r["steps"]["step"][199], r.attrs["status"])
            """, arguments: [killed])
        #expect(output.status == 0, "h5py could not open the killed recorder's file: \(output.standardError)")
        let fields = output.standardOutput.split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(fields.count == 3 && (Int(fields[0]) ?? 0) >= 200 && fields[1] == "199" && fields[2] == "running")
        try writer.close()
    }

    @Test("with a short flushInterval, steps are durable after the interval even when flushEvery is never reached")
    func intervalFlush() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(
            path: path, commandLine: "test", sweepConfigurationJSON: "{}", flushEvery: 1_000_000,
            flushInterval: .milliseconds(200))
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<50, run: 0, handle: handle, to: writer)
        let killed = directory.file("killed.h5")
        var rows = 0
        let deadline = Date(timeIntervalSinceNow: 5)
        // The copy may catch a flush half-way; only a completed interval flush makes the 50 rows appear.
        while rows < 50 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            try snapshot(path, to: killed)
            do {
                rows = try File.open(killed).openDataset("runs/\(TraceFixture.runID(0))/steps").rowCount()
            } catch {
                rows = 0
            }
        }
        #expect(rows == 50, "the interval flush did not make 50 steps durable within 5 s")
        try writer.close()
    }

    @Test("the file exists and validates before the first step, so a recorder killed at once leaves a valid trace")
    func killedBeforeFirstStep() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        _ = try writer.beginRun(TraceFixture.description(1))
        let killed = directory.file("killed.h5")
        try snapshot(path, to: killed)
        let file = try File.open(killed)
        #expect(TraceSchema.validate(file: file) == [])
        #expect(try file.openDataset("runs/\(TraceFixture.runID(1))/steps").rowCount() == 0)
        try writer.close()
    }
}
