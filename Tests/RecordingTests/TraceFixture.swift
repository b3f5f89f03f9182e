import Foundation
import HDF5
import Recording

/// A deterministic trace for the writer's tests: runs of a three-layer model (the middle layer adaptive, with Φ),
/// every value a function of (run, layer, step), so a reader can check each one.
enum TraceFixture {
    static let steps = 2500
    static let evaluationEvery = 100
    static let phiEvery = 50
    /// 8 bins of Φ over [0, 4]: 9 edges, 10 histogram columns.
    static let phiEdges = (0...8).map { Double($0) * 0.5 }
    static let layers = [
        NormLayerDescription(name: "block1.attn_norm", width: 64),
        NormLayerDescription(name: "block1.ffn_norm", width: 64, phiEdges: phiEdges),
        NormLayerDescription(name: "final_norm", width: 32),
    ]
    static let commandLine = "normscope record --config sweep.json --out trace.h5"
    static let sweepJSON = #"{"presets":["adanorm","layernorm"],"seeds":[0]}"#

    static func runID(_ run: Int) -> String { run == 0 ? "adanorm-seed0" : "layernorm-seed\(run)" }

    static func description(_ run: Int) -> RunDescription {
        RunDescription(
            id: runID(run),
            attributes: [
                "preset": .string(run == 0 ? "adanorm" : "layernorm"), "seed": .int64(Int64(run)),
                "lr": .double(1e-3 * Double(run + 1)), "C": .double(2), "k": .double(0.1),
                "epsilon": .double(1e-5), "convention": .string("torch"), "model": .string("transformer"),
                "dataset": .string("devils-dictionary"),
            ],
            configurationJSON: #"{"run":\#(run),"preset":"\#(run == 0 ? "adanorm" : "layernorm")"}"#,
            normLayers: layers)
    }

    // MARK: - Rows

    static func stepRow(run: Int, step: Int) -> StepRow {
        StepRow(
            step: Int64(step), loss: 2.3 / (1 + Double(step) * 0.001) + Double(run),
            learningRate: 1e-3 * Double(run + 1), gradientNorm: 1 + Double(step % 7), seconds: Double(step) * 0.01)
    }

    /// Every Double field of a `NormStepRow` but the bias ones, which stay NaN for layer 0 (a layer without bias).
    static var normFields: [WritableKeyPath<NormStepRow, Double>] {
        [
            \.totalNorm, \.totalRowMeanAbs, \.totalRowVariance, \.directNorm, \.directRowMeanAbs, \.directRowVariance,
            \.recenteringNorm, \.recenteringRowMeanAbs, \.recenteringRowVariance, \.rescalingNorm,
            \.rescalingRowMeanAbs, \.rescalingRowVariance, \.upstreamNorm, \.upstreamRowMeanAbs, \.upstreamRowVariance,
            \.directPlusRecenteringRowVariance, \.recenterRatio, \.rescaleRatio, \.cosineTotalDirect,
            \.recenteringShare, \.rescalingShare, \.meanMu, \.meanSigma, \.gainNorm, \.gainMean, \.gainGradientNorm,
        ]
    }

    static func normRow(run: Int, layer: Int, step: Int) -> NormStepRow {
        var row = NormStepRow(step: Int64(step))
        row.rows = 32
        row.width = Int64(layers[layer].width)
        let base = Double(run * 1_000_000 + layer * 10_000 + step)
        for (index, field) in normFields.enumerated() {
            row[keyPath: field] = base + Double(index) / 64
        }
        if layer != 0 {
            row.biasNorm = base + 0.5
            row.biasGradientNorm = base + 0.25
        }
        return row
    }

    static func norms(run: Int, step: Int) -> [NormStepRow] {
        layers.indices.map { normRow(run: run, layer: $0, step: step) }
    }

    static func phiRecord(run: Int, step: Int) -> PhiRecord {
        let s = Double(step)
        let row = PhiStepRow(
            step: Int64(step), mean: 2, standardDeviation: 0.1 + s * 1e-4, minimum: -0.5 - s * 1e-4,
            maximum: 3 + s * 1e-4, fractionNonPositive: s * 1e-6,
            quantiles: [0.5, 1, 1.5, 2, 2.5, 3, 3.5].map { $0 + Double(run) })
        return PhiRecord(layerIndex: 1, row: row, counts: phiCounts(run: run, step: step))
    }

    static func phiCounts(run: Int, step: Int) -> [Int64] {
        (0..<(phiEdges.count + 1)).map { Int64(step * 10 + $0 + run * 100_000) }
    }

    static func phi(run: Int, step: Int) -> [PhiRecord] {
        step % phiEvery == 0 ? [phiRecord(run: run, step: step)] : []
    }

    static func evaluationRow(run: Int, step: Int) -> EvaluationRow {
        let train = 1 / (1 + Double(step) / 100)
        return EvaluationRow(
            step: Int64(step), trainLoss: train, trainAccuracy: min(1, Double(step) / 2500),
            validLoss: train + 0.1 * Double(run + 1), validAccuracy: min(1, Double(step) / 3000))
    }

    // MARK: - Recording

    /// Appends `steps` steps (and evaluations every 100 steps) of run `run`.
    static func appendSteps(_ steps: Range<Int>, run: Int, handle: RunHandle, to writer: TraceWriter) throws {
        for step in steps {
            try writer.append(
                step: stepRow(run: run, step: step), norms: norms(run: run, step: step), phi: phi(run: run, step: step),
                to: handle)
            if step % evaluationEvery == 0 {
                try writer.append(evaluation: evaluationRow(run: run, step: step), to: handle)
            }
        }
    }

    /// Records the full fixture: run 0 completes, run 1 diverges at its last step.
    static func record(to path: String, runs: Int = 2, steps: Int = steps, queueCapacity: Int = 256) throws {
        let writer = try TraceWriter(
            path: path, commandLine: commandLine, sweepConfigurationJSON: sweepJSON,
            rootAttributes: ["machine": .string("test")], queueCapacity: queueCapacity)
        for run in 0..<runs {
            let handle = try writer.beginRun(description(run))
            try appendSteps(0..<steps, run: run, handle: handle, to: writer)
            if run == 1 {
                try writer.finishRun(
                    handle, status: .diverged, divergedAtStep: Int64(steps - 1), completedSteps: Int64(steps - 1))
            } else {
                try writer.finishRun(handle, status: .completed, completedSteps: Int64(steps))
            }
        }
        try writer.close()
    }

    /// Whether two arrays of plain rows hold the same bytes (NaN fields included, which `==` would reject).
    static func sameBytes<Row: BitwiseCopyable>(_ a: [Row], _ b: [Row]) -> Bool {
        a.count == b.count
            && a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.elementsEqual(y) } }
    }
}
