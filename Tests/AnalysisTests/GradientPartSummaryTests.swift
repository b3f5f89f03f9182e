import Analysis
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("Gradient-part summary")
struct GradientPartSummaryTests {
    @Test("early and late windows are the first and last 10% of steps, read block by block; presets average layers")
    func windows() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "layernorm-simple-s0", attributes: ["preset": .string("layernorm-simple")],
                normLayers: [NormLayerDescription(name: "a", width: 4), NormLayerDescription(name: "b", width: 4)]))
        // 100 steps: rescale_ratio = 1 for the first half and 0.5 (layer a) / 0.7 (layer b) after; one NaN late.
        for step in 0..<100 {
            var a = NormStepRow(step: Int64(step))
            var b = NormStepRow(step: Int64(step))
            a.rescaleRatio = step < 50 ? 1 : 0.5
            b.rescaleRatio = step < 50 ? 1 : (step == 99 ? .nan : 0.7)
            a.recenterRatio = 0
            b.recenterRatio = 0
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [a, b], to: run)
        }
        try writer.append(
            evaluation: EvaluationRow(step: 99, trainLoss: 0.5, trainAccuracy: 1, validLoss: 0.6, validAccuracy: 1),
            to: run)
        try writer.finishRun(run, status: .completed, completedSteps: 100)
        try writer.close()
        let summary = try TraceSummary(paths: [path])
        let layers = try #require(summary.layers["layernorm-simple-s0"])
        #expect(layers.map(\.layer) == ["a", "b"])
        #expect(layers[0].early.steps == 10 && layers[0].early.rescaleRatio == 1 && layers[0].late.rescaleRatio == 0.5)
        #expect(abs(layers[1].late.rescaleRatio - 0.7) < 1e-12)  // the NaN row is skipped
        let preset = try #require(summary.gradients.first)
        #expect(abs(preset.rescaleRatio.mean - 0.6) < 1e-12 && preset.rescaleRatio.count == 1)
        #expect(preset.recenterRatio.mean == 0)
        #expect(
            summary.text(baseline: nil).contains("rescale_ratio") && summary.text(baseline: nil).contains("0.600 (1)"))
    }
}

@Suite("Forward re-centering in the summary")
struct ForwardRecenteringSummaryTests {
    /// One run, 20 steps, two layers: `a` recorded abs_mean_over_std (0.2 then 0.8), `b` did not (NaN, as in a trace
    /// recorded before the field existed); with `aRecords` false neither did.
    func trace(_ directory: TemporaryDirectory, aRecords: Bool = true) throws -> String {
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "rmsnorm-s0", attributes: ["preset": .string("rmsnorm")],
                normLayers: [NormLayerDescription(name: "a", width: 4), NormLayerDescription(name: "b", width: 4)]))
        for step in 0..<20 {
            var a = NormStepRow(step: Int64(step))
            if aRecords { a.absMeanOverStd = step < 10 ? 0.2 : 0.8 }
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [a, NormStepRow(step: Int64(step))], to: run)
        }
        try writer.append(
            evaluation: EvaluationRow(step: 19, trainLoss: 0.5, trainAccuracy: 1, validLoss: 0.6, validAccuracy: 1),
            to: run)
        try writer.finishRun(run, status: .completed, completedSteps: 20)
        try writer.close()
        return path
    }

    @Test("windows, the group's late mean over recorded layers, the per-layer table, the JSON key and the report chart")
    func everywhere() throws {
        let directory = TemporaryDirectory()
        let path = try trace(directory)
        let summary = try TraceSummary(paths: [path])
        let layers = try #require(summary.layers["rmsnorm-s0"])
        #expect(layers[0].early.absMeanOverStd == 0.2 && layers[0].late.absMeanOverStd == 0.8)
        #expect(layers[1].late.absMeanOverStd.isNaN)
        let group = try #require(summary.gradients.first)
        #expect(group.absMeanOverStd.mean == 0.8 && group.absMeanOverStd.count == 1)
        let table = try #require(summary.tables(baseline: nil).first { $0.kind == .forwardRecentering })
        #expect(table.rows.contains(["rmsnorm", "a", "1", "0.200 → 0.800"]), "\(table.rows)")
        #expect(table.rows.contains(["rmsnorm", "b", "1", "— → —"]), "\(table.rows)")
        let json = String(decoding: try summary.json(), as: UTF8.self)
        #expect(json.contains("\"abs_mean_over_std\" : 0.8"), "\(json.prefix(300))")
        let html = TraceReport(summary: summary, files: [path], baseline: nil, toolVersion: "test").html()
        #expect(html.contains("Forward re-centering — a") && !html.contains("Forward re-centering — b"))
        #expect(html.contains("mean |μ| / σ (ratio)"))
    }

    @Test("a trace without the field gets neither table nor chart, and says why")
    func olderTrace() throws {
        let directory = TemporaryDirectory()
        let summary = try TraceSummary(paths: [try trace(directory, aRecords: false)])
        #expect(!summary.tables(baseline: nil).contains { $0.kind == .forwardRecentering })
        let html = TraceReport(summary: summary, files: ["t.h5"], baseline: nil, toolVersion: "test").html()
        #expect(html.contains("No layer recorded abs_mean_over_std"))
    }
}
