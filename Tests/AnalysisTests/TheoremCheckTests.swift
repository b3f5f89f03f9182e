import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@testable import Analysis

/// Theorem 1 checks, Φ(y) summaries and chart points, on traces whose values are known.
@Suite("Theorem 1 checks and Φ(y)")
struct TheoremCheckTests {
    /// The run attributes `normscope record` writes for a preset's normalization (format 2: typed).
    private func settings(
        detachMean: Bool, detachStd: Bool, adaptive: Bool = false, centering: String = "mean", normalizes: Bool = true
    ) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [
            "norm_normalizes": .bool(normalizes), "norm_centering": .string(centering),
            "norm_detach_mean": .bool(detachMean), "norm_detach_std": .bool(detachStd),
            "norm_adaptive": .string(adaptive ? "adanorm" : "none"),
        ]
        if adaptive { attributes["norm_adanorm_scale"] = .double(2) }
        return attributes
    }

    /// One run of `steps` steps and one layer whose rows come from `row`; Φ every 2 steps when `phi` is given.
    private func addRun(
        _ writer: TraceWriter, id: String, preset: String, attributes: [String: AttributeValue], steps: Int,
        row: (Int) -> NormStepRow, phi: ((Int) -> (mean: Double, counts: [Int64]))? = nil
    ) throws {
        var all = attributes
        all["preset"] = .string(preset)
        let run = try writer.beginRun(
            RunDescription(
                id: id, attributes: all,
                normLayers: [NormLayerDescription(name: "n1", width: 8, phiEdges: phi == nil ? nil : [0, 2, 4])]))
        for step in 0..<steps {
            var records: [PhiRecord] = []
            if let phi, step % 2 == 0 {
                let (mean, counts) = phi(step)
                records.append(
                    PhiRecord(
                        layerIndex: 0,
                        row: PhiStepRow(
                            step: Int64(step), mean: mean, standardDeviation: 0.5, minimum: -1, maximum: 5,
                            fractionNonPositive: step < steps / 2 ? 0 : 0.25, quantiles: [0, 1, 1.5, 2, 2.5, 3, 4]),
                        counts: counts))
            }
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [row(step)], phi: records, to: run)
        }
        try writer.append(
            evaluation: EvaluationRow(step: 0, trainLoss: 1, trainAccuracy: 0.5, validLoss: 1.5, validAccuracy: 0.4),
            to: run)
        try writer.finishRun(run, status: .completed, completedSteps: Int64(steps))
    }

    private func ratios(_ step: Int, recenter: Double, rescale: Double) -> NormStepRow {
        var row = NormStepRow(step: Int64(step))
        row.recenterRatio = recenter
        row.rescaleRatio = rescale
        row.totalNorm = 1 + Double(step)
        return row
    }

    @Test("each variant is held to its own identities; a step that breaks one is counted and the check fails")
    func identities() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        // LayerNorm-simple: t̄ = 0, rescale ≤ 1 — except step 7, where rescale_ratio is 1.2.
        try addRun(
            writer, id: "simple-s0", preset: "layernorm-simple",
            attributes: settings(detachMean: false, detachStd: false), steps: 50
        ) { ratios($0, recenter: 0, rescale: $0 == 7 ? 1.2 : 0.8) }
        // DetachNorm: recenter and rescale ratios exactly 1.
        try addRun(
            writer, id: "detach-s0", preset: "detachnorm", attributes: settings(detachMean: true, detachStd: true),
            steps: 50
        ) { ratios($0, recenter: 1, rescale: 1) }
        // A preset without recorded settings gets no checks rather than guessed ones.
        try addRun(writer, id: "other-s0", preset: "other", attributes: [:], steps: 5) {
            ratios($0, recenter: 0.5, rescale: 0.5)
        }
        try writer.close()

        let summary = try TraceSummary(paths: [path], blockRows: 7)
        let simple = summary.theoremChecks.filter { $0.group == "layernorm-simple" }
        #expect(simple.map(\.measure) == ["recenter_ratio = 0", "rescale_ratio ≤ 1"])
        #expect(simple[0].holds && simple[0].stepsHolding == 50 && simple[0].steps == 50 && simple[0].runs == 1)
        #expect(!simple[1].holds && simple[1].stepsHolding == 49 && simple[1].observedMax == 1.2)
        let detach = summary.theoremChecks.filter { $0.group == "detachnorm" }
        #expect(detach.map(\.measure) == ["recenter_ratio = 1", "rescale_ratio = 1"] && detach.allSatisfy(\.holds))
        #expect(!summary.theoremChecks.contains { $0.group == "other" })
        let text = summary.text(baseline: nil)
        #expect(text.contains("FAILS at 1 steps") && text.contains("50/50 steps"))
    }

    @Test("without centering ‖t‖ ≤ ‖d‖ is checked (t = d with σ detached); DyT and none are held to nothing")
    func withoutCentering() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        func norms(_ step: Int, total: Double, direct: Double) -> NormStepRow {
            var row = ratios(step, recenter: 0.7, rescale: 1.3)  // neither 0 nor 1 nor ≤ 1: not what is checked
            (row.totalNorm, row.directNorm) = (total, direct)
            return row
        }
        // ScaleNorm: ‖t‖ ≤ ‖d‖ — except step 3, where t is longer.
        try addRun(
            writer, id: "scalenorm-s0", preset: "scalenorm",
            attributes: settings(detachMean: false, detachStd: false, centering: "none"), steps: 20
        ) { norms($0, total: $0 == 3 ? 2.5 : 1.5, direct: 2) }
        // RMSNorm with σ detached: t = d.
        try addRun(
            writer, id: "rms-detached-s0", preset: "rmsnorm-detached",
            attributes: settings(detachMean: false, detachStd: true, centering: "none"), steps: 20
        ) { norms($0, total: 2, direct: 2) }
        // DyT records t = d too, but its Jacobian is diagonal: no identity of Theorem 1 is its to hold.
        try addRun(
            writer, id: "dyt-s0", preset: "dyt",
            attributes: settings(detachMean: false, detachStd: false, normalizes: false), steps: 5
        ) { norms($0, total: 2, direct: 2) }
        try writer.close()

        let summary = try TraceSummary(paths: [path])
        let scale = summary.theoremChecks.filter { $0.group == "scalenorm" }
        try #require(scale.map(\.measure) == ["total_norm / direct_norm ≤ 1"])
        #expect(!scale[0].holds && scale[0].stepsHolding == 19 && scale[0].steps == 20 && scale[0].observedMax == 1.25)
        let detached = summary.theoremChecks.filter { $0.group == "rmsnorm-detached" }
        try #require(detached.map(\.measure) == ["total_norm / direct_norm = 1"])
        #expect(detached[0].holds)
        #expect(!summary.theoremChecks.contains { $0.group == "dyt" })
    }

    @Test("Φ(y): windows, ⟨Φ⟩ = C counted per recorded step, the heat map's columns sum to 1")
    func phi() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        try addRun(
            writer, id: "ada-s0", preset: "adanorm",
            attributes: settings(detachMean: false, detachStd: false, adaptive: true), steps: 40,
            row: { ratios($0, recenter: 0, rescale: 0.9) },
            // ⟨Φ⟩ = C = 2 except at step 30; counts: below, [0, 2), [2, 4), at or above 4.
            phi: { step in (step == 30 ? 2.5 : 2, [1, Int64(step), 3, 0]) })
        try writer.close()

        let summary = try TraceSummary(paths: [path], bins: 4, blockRows: 3)
        let phi = try #require(summary.layers["ada-s0"]?.first?.phi)
        #expect(phi.recordedSteps == 20 && phi.scale == 2)
        #expect(phi.stepsMeanAtScale == 19 && phi.maxMeanDeviation == 0.5 && phi.minMeanDeviation == 0)
        #expect(phi.early.steps == 2 && phi.early.fractionNonPositive == 0 && phi.late.fractionNonPositive == 0.25)
        #expect(phi.maxFractionNonPositive == 0.25)
        let check = try #require(summary.theoremChecks.first { $0.measure == "|mean(Φ) − C|" })
        #expect(!check.holds && check.stepsHolding == 19 && check.steps == 20)

        let map = try #require(summary.series["ada-s0"]?.phiMaps["n1"])
        #expect(map.fractions.count == 4 && map.stepEdges == [0, 10, 20, 30, 40])
        #expect(map.valueEdges == [-2, 0, 2, 4, 6])
        for column in map.fractions { #expect(abs(column.reduce(0, +) - 1) < 1e-12) }
        // Column 0 holds steps 0…8: counts 5 below, 0+2+4+6+8 = 20 in [0, 2), 15 in [2, 4).
        #expect(abs(map.fractions[0][1] - 20.0 / 40) < 1e-12 && abs(map.fractions[0][0] - 5.0 / 40) < 1e-12)
    }

    @Test("chart points: rows binned by index, mean step and mean of the finite values per bin")
    func binning() {
        var series = BinnedSeries(names: ["a"], rowCount: 10, bins: 4)
        for index in 0..<10 {
            let bin = series.beginRow(index: index, step: Int64(index * 10))
            series.add(0, index == 1 ? .nan : Double(index), bin: bin!)
        }
        series.finish()
        // Bins by index * 4 / 10: {0, 1, 2}, {3, 4}, {5, 6, 7}, {8, 9}.
        #expect(series.steps == [10, 35, 60, 85])
        #expect(series.values(of: "a") == [1, 3.5, 6, 8.5])  // the NaN at index 1 is skipped, not averaged
        var short = BinnedSeries(names: ["a"], rowCount: 2, bins: 240)
        _ = short.beginRow(index: 0, step: 0)
        _ = short.beginRow(index: 1, step: 1)
        short.finish()
        #expect(short.steps == [0, 1] && short.values(of: "a").allSatisfy(\.isNaN))
    }

    @Test("block size does not change any result: windows, counts and chart points are the same at 1, 7 and 8192")
    func blockBoundaries() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        try addRun(
            writer, id: "simple-s0", preset: "layernorm-simple",
            attributes: settings(detachMean: false, detachStd: false), steps: 123
        ) { ratios($0, recenter: 0, rescale: 1 - Double($0) / 200) }
        try writer.close()
        let reference = try TraceSummary(paths: [path], bins: 16)
        for block in [1, 7] {
            let other = try TraceSummary(paths: [path], bins: 16, blockRows: block)
            // Through JSON, where NaN equals NaN (it is "nan"), unlike ==.
            #expect(try other.json() == reference.json())
            let (a, b) = (other.series["simple-s0"]?.layers["n1"], reference.series["simple-s0"]?.layers["n1"])
            #expect(a?.steps == b?.steps && a?.values(of: "rescale_ratio") == b?.values(of: "rescale_ratio"))
        }
        let layer = try #require(reference.layers["simple-s0"]?.first)
        // Early: steps 0…11 (12 = 123/10), late: steps 111…122.
        #expect(abs(layer.early.rescaleRatio - (1 - 5.5 / 200)) < 1e-12)
        #expect(abs(layer.late.rescaleRatio - (1 - 116.5 / 200)) < 1e-12)
    }
}
