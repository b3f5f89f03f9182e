import Foundation
import HDF5
import TestSupport
import Testing

@testable import Recording

/// The trace writer end to end: what it writes is read back, value by value, by our HDF5 layer and by h5py.
@Suite("Trace writer")
struct TraceWriterTests {
    typealias Names = TraceFormat.Names

    @Test("2 runs × 2,500 steps with 3 layers read back exactly: every value, shape, attribute and scale")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let started = Date()
        try TraceFixture.record(to: path)

        let file = try File.open(path)
        #expect(try file.attribute(Names.format, as: String.self) == "normscope-trace")
        #expect(try file.attribute(Names.formatVersion, as: Int64.self) == 2)
        #expect(try file.attribute(Names.toolVersion, as: String.self) == TraceFormat.toolVersion)
        #expect(try file.attribute(Names.hdf5Version, as: String.self) == HDF5Version.string)
        #expect(try file.attribute(Names.commandLine, as: String.self) == TraceFixture.commandLine)
        #expect(try file.attribute(Names.config, as: String.self) == TraceFixture.sweepJSON)
        #expect(try file.attribute("machine", as: String.self) == "test")
        let created = try file.attribute(Names.created, as: String.self)
        #expect(created.hasSuffix("Z"), "created should be UTC: \(created)")
        let createdDate = try #require(ISO8601DateFormatter().date(from: created))
        #expect(abs(createdDate.timeIntervalSince(started)) < 60)

        let runs = try file.openGroup(Names.runs)
        #expect(try runs.children() == [TraceFixture.runID(0), TraceFixture.runID(1)])
        for run in 0..<2 {
            try checkRun(run, in: runs.openGroup(TraceFixture.runID(run)))
        }
        #expect(TraceSchema.validate(file: file) == [])
    }

    private func checkRun(_ run: Int, in group: Group) throws {
        let steps = TraceFixture.steps
        let description = TraceFixture.description(run)
        for (key, value) in description.attributes {
            #expect(try group.attributeValue(key) == value, "attribute \(key) of run \(run)")
        }
        #expect(try group.attribute(Names.config, as: String.self) == description.configurationJSON)
        #expect(try group.jsonAttribute(Names.normLayers, as: [String].self) == TraceFixture.layers.map(\.name))
        #expect(try group.attribute(Names.status, as: String.self) == (run == 0 ? "completed" : "diverged"))
        #expect(try group.attribute(Names.completedSteps, as: Int64.self) == Int64(run == 0 ? steps : steps - 1))
        #expect(try group.attribute(Names.divergedStep, as: Int64.self) == (run == 0 ? -1 : Int64(steps - 1)))

        let stepTable = try group.openDataset(Names.steps)
        let stepScale = try group.openDataset(Names.step)
        #expect(try stepTable.shape() == [steps])
        #expect(try stepTable.maxShape() == [nil])
        #expect(try stepTable.chunkShape() == [1024])
        #expect(try stepTable.read(as: StepRow.self) == (0..<steps).map { TraceFixture.stepRow(run: run, step: $0) })
        #expect(try stepScale.read(as: Int64.self) == (0..<steps).map(Int64.init))
        #expect(try stepScale.isDimensionScale())
        #expect(try stepTable.isDimensionScale(stepScale, attachedTo: 0))

        let evaluationSteps = Array(stride(from: 0, to: steps, by: TraceFixture.evaluationEvery))
        let evals = try group.openDataset(Names.evals)
        let evalScale = try group.openDataset(Names.evalStep)
        #expect(
            try evals.read(as: EvaluationRow.self)
                == evaluationSteps.map { TraceFixture.evaluationRow(run: run, step: $0) })
        #expect(try evalScale.read(as: Int64.self) == evaluationSteps.map(Int64.init))
        #expect(try evals.isDimensionScale(evalScale, attachedTo: 0))

        let norms = try group.openGroup(Names.norms)
        #expect(try norms.children() == TraceFixture.layers.map(\.name).sorted())
        for (index, layer) in TraceFixture.layers.enumerated() {
            let layerGroup = try norms.openGroup(layer.name)
            #expect(try layerGroup.attribute(Names.layerIndex, as: Int64.self) == Int64(index))
            #expect(try layerGroup.attribute(Names.width, as: Int64.self) == Int64(layer.width))
            let grad = try layerGroup.openDataset(Names.grad)
            let expected = (0..<steps).map { TraceFixture.normRow(run: run, layer: index, step: $0) }
            #expect(TraceFixture.sameBytes(try grad.read(as: NormStepRow.self), expected), "grad of \(layer.name)")
            #expect(try grad.isDimensionScale(stepScale, attachedTo: 0))
            #expect(try layerGroup.exists(Names.phi) == layer.hasPhi)
            #expect(try layerGroup.exists(Names.phiHistogram) == layer.hasPhi)
        }

        let adaptive = try norms.openGroup(TraceFixture.layers[1].name)
        let phiSteps = Array(stride(from: 0, to: steps, by: TraceFixture.phiEvery))
        let phi = try adaptive.openDataset(Names.phi)
        #expect(try phi.read(as: PhiStepRow.self) == phiSteps.map { TraceFixture.phiRecord(run: run, step: $0).row })
        let histogram = try adaptive.openDataset(Names.phiHistogram)
        let columns = TraceFixture.phiEdges.count + 1
        #expect(try histogram.shape() == [phiSteps.count, columns])
        #expect(try histogram.read(as: Int64.self) == phiSteps.flatMap { TraceFixture.phiCounts(run: run, step: $0) })
        #expect(try histogram.attribute(Names.phiEdges, as: [Double].self) == TraceFixture.phiEdges)
        #expect(try adaptive.openDataset(Names.phiEdges).read(as: Double.self) == TraceFixture.phiEdges)
        let phiScale = try adaptive.openDataset(Names.phiStep)
        #expect(try phiScale.read(as: Int64.self) == phiSteps.map(Int64.init))
        #expect(try phi.isDimensionScale(phiScale, attachedTo: 0))
        #expect(try histogram.isDimensionScale(phiScale, attachedTo: 0))
    }

    @Test("h5py reads the trace: structured arrays with the documented fields, scales, compression, attributes")
    func h5pyReadsTrace() throws {
        #expect(PythonScript.canImport("h5py"), "h5py is missing: run the README's test command, which installs it")
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try TraceFixture.record(to: path, steps: 300)
        let script = """
            import sys, json, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            assert f.attrs["format"] == "normscope-trace" and f.attrs["format_version"] == 2
            assert json.loads(f.attrs["config"])["presets"] == ["adanorm", "layernorm"]
            r = f["runs/adanorm-seed0"]
            assert r.attrs["preset"] == "adanorm" and r.attrs["seed"] == 0 and r.attrs["lr"] == 1e-3
            assert r.attrs["status"] == "completed" and r.attrs["completed_steps"] == 300
            assert r.attrs["diverged_step"] == -1
            assert json.loads(r.attrs["norm_layers"]) == ["block1.attn_norm", "block1.ffn_norm", "final_norm"]
            s = r["steps"][()]
            assert s.dtype.names == ("step", "loss", "learning_rate", "grad_norm", "seconds"), s.dtype.names
            assert s.shape == (300,) and list(s["step"][:3]) == [0, 1, 2]
            assert abs(s["loss"][123] - 2.3 / 1.123) < 1e-12 and s["grad_norm"][123] == 1 + 123 % 7
            st = r["steps"]
            assert st.compression == "gzip" and st.shuffle and st.chunks == (1024,) and st.maxshape == (None,)
            assert r["step"].is_scale and st.dims[0].label == "step"
            assert st.dims[0][0].name == "/runs/adanorm-seed0/step"
            e = r["evals"][()]
            assert e.dtype.names == ("step", "train_loss", "train_accuracy", "valid_loss", "valid_accuracy", "gap",
                                     "test_loss", "test_accuracy"), e.dtype.names
            assert list(e["step"]) == [0, 100, 200] and abs(e["gap"][1] - 0.1) < 1e-12
            assert r["evals"].dims[0][0].name == "/runs/adanorm-seed0/eval_step"
            g = r["norms/block1.ffn_norm/grad"]
            assert g.dims[0][0].name == "/runs/adanorm-seed0/step" and g.shape == (300,)
            names = g.dtype.names
            assert names[:3] == ("step", "rows", "width") and "recenter_ratio" in names and "rescale_share" in names
            assert list(names) == \(NormStepRow.fields.map(\.name)), names
            row = g[7]
            assert row["step"] == 7 and row["width"] == 64 and row["total_norm"] == 10007.0
            assert np.isnan(r["norms/block1.attn_norm/grad"][7]["bias_norm"])
            p = r["norms/block1.ffn_norm/phi"][()]
            assert p.dtype.names == ("step", "mean", "sd", "min", "max", "fraction_nonpositive",
                                     "q01", "q05", "q25", "q50", "q75", "q95", "q99"), p.dtype.names
            assert list(p["step"]) == [0, 50, 100, 150, 200, 250]
            h = r["norms/block1.ffn_norm/phi_hist"]
            assert h.dtype == np.int64 and h.shape == (6, 10) and h[2, 3] == 1003, (h.shape, h[2, 3])
            assert h.dims[0][0].name.endswith("/phi_step") and h.dims[1].label == "phi_bin"
            assert list(h.attrs["phi_edges"]) == [0.5 * i for i in range(9)]
            assert list(r["norms/block1.ffn_norm/phi_edges"][()]) == [0.5 * i for i in range(9)]
            assert "phi" not in r["norms/final_norm"]
            d = f["runs/layernorm-seed1"]
            assert d.attrs["status"] == "diverged" and d.attrs["diverged_step"] == 299
            print("ok")
            """
        let output = try PythonScript.run(script, arguments: [path])
        #expect(output.status == 0, "h5py check failed: \(output.standardError)")
        #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }

    @Test("a run begun and never finished is marked interrupted with its recorded steps when the writer closes")
    func unfinishedRunIsInterrupted() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<30, run: 0, handle: handle, to: writer)
        try writer.close()
        let run = try File.open(path).openGroup("runs/\(TraceFixture.runID(0))")
        #expect(try run.attribute(Names.status, as: String.self) == "interrupted")
        #expect(try run.attribute(Names.completedSteps, as: Int64.self) == 30)
        #expect(try run.openDataset(Names.steps).rowCount() == 30)
    }

    @Test("a tiny queue applies back-pressure and still writes every row in order")
    func backPressure() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let writer = try TraceWriter(
            path: path, commandLine: "test", sweepConfigurationJSON: "{}", flushEvery: 37, queueCapacity: 2,
            chunkRows: 64)
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<3000, run: 0, handle: handle, to: writer)
        try writer.finishRun(handle, status: .completed, completedSteps: 3000)
        #expect(writer.maximumQueueLength <= 2)
        try writer.close()

        let run = try File.open(path).openGroup("runs/\(TraceFixture.runID(0))")
        #expect(
            try run.openDataset(Names.steps).read(as: StepRow.self)
                == (0..<3000).map {
                    TraceFixture.stepRow(run: 0, step: $0)
                })
        #expect(try run.openDataset(Names.step).read(as: Int64.self) == (0..<3000).map(Int64.init))
        let grad = try run.openDataset("norms/final_norm/grad").read(as: NormStepRow.self)
        #expect(TraceFixture.sameBytes(grad, (0..<3000).map { TraceFixture.normRow(run: 0, layer: 2, step: $0) }))
        #expect(try run.openDataset(Names.evals).rowCount() == 30)
        #expect(try run.openDataset("norms/block1.ffn_norm/phi").rowCount() == 60)
    }

    @Test("live (SWMR) mode: an h5py SWMR reader follows the flushed steps; statuses are written on close")
    func liveMode() throws {
        #expect(PythonScript.canImport("h5py"), "h5py is missing: run the README's test command, which installs it")
        let directory = TemporaryDirectory()
        let path = directory.file("live.h5")
        let writer = try TraceWriter(
            path: path, commandLine: "test", sweepConfigurationJSON: "{}", live: true,
            declaredRuns: [TraceFixture.description(0), TraceFixture.description(1)])
        #expect(throws: TraceWriterError.self) { try writer.beginRun(RunDescription(id: "undeclared")) }
        var changed = TraceFixture.description(0)
        changed.normLayers.removeLast()
        #expect(throws: TraceWriterError.self) { try writer.beginRun(changed) }
        let handle = try writer.beginRun(TraceFixture.description(0))
        #expect(throws: TraceWriterError.self) { try writer.beginRun(TraceFixture.description(0)) }
        try TraceFixture.appendSteps(0..<300, run: 0, handle: handle, to: writer)
        try writer.flush()

        let reader = """
            import sys, h5py
            with h5py.File(sys.argv[1], "r", libver="latest", swmr=True) as f:
                r = f["runs/adanorm-seed0"]
                for name in ("steps", "step", "norms/block1.ffn_norm/grad", "norms/block1.ffn_norm/phi"):
                    r[name].refresh()
                print(r["steps"].shape[0], r["step"][-1], r["norms/block1.ffn_norm/grad"].shape[0],
                      r["norms/block1.ffn_norm/phi"].shape[0], r.attrs["status"])
            """
        let output = try PythonScript.run(reader, arguments: [path])
        #expect(output.status == 0, "h5py SWMR reader failed: \(output.standardError)")
        #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "300 299 300 6 running")

        // A recorder killed now: its file is refused by a plain open, read in SWMR mode, and repaired by h5clear -s.
        let killed = directory.file("killed.h5")
        try FileManager.default.copyItem(atPath: path, toPath: killed)
        #expect(throws: HDF5Error.self) { try File.open(killed) }
        let steps = "runs/\(TraceFixture.runID(0))/steps"
        #expect(try File.open(killed, mode: .swmrRead).openDataset(steps).rowCount() == 300)
        let repair = try ChildProcess.run("/usr/bin/env", arguments: ["h5clear", "-s", killed])
        #expect(repair.status == 0, "h5clear failed: \(repair.standardError)")
        #expect(try File.open(killed).openDataset(steps).rowCount() == 300)

        try writer.finishRun(handle, status: .completed, completedSteps: 300)
        try writer.close()
        let file = try File.open(path)
        let run = try file.openGroup("runs/\(TraceFixture.runID(0))")
        #expect(try run.attribute(Names.status, as: String.self) == "completed")
        #expect(try run.attribute(Names.completedSteps, as: Int64.self) == 300)
        // Declared and never begun: the sweep stopped before it.
        let never = try file.openGroup("runs/\(TraceFixture.runID(1))")
        #expect(try never.attribute(Names.status, as: String.self) == "interrupted")
        #expect(try never.attribute(Names.completedSteps, as: Int64.self) == 0)
        #expect(TraceSchema.validate(file: file) == [])
    }
}
