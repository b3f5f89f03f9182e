import Foundation
import HDF5
import Recording

/// Several traces (shards of one sweep, or sweeps from different machines) merged by run, summarized per run and
/// per preset — the first part of `normscope analyze`.
public struct TraceSummary: Sendable, Codable {
    /// Every run, in file then name order; a run ID seen in two files is kept once (the first) and reported.
    public var runs: [RunSummary]
    /// Presets in order of first appearance, aggregated over their runs.
    public var presets: [PresetSummary]
    /// Messages about the input: duplicate runs, runs without evaluations, unfinished runs.
    public var notes: [String]
    /// Per run ID, each norm layer's gradient statistics early and late in training.
    public var layers: [String: [LayerGradientSummary]]
    /// Per preset, the late-training gradient statistics averaged over layers, mean ± sd over runs.
    public var gradients: [PresetGradientSummary]

    /// Reads and summarizes the traces.
    ///
    /// - Throws: `HDF5Error` (one line naming the file and object) when a file cannot be opened or is not a trace.
    public init(paths: [String]) throws(HDF5Error) {
        var runs: [RunSummary] = []
        var notes: [String] = []
        var layers: [String: [LayerGradientSummary]] = [:]
        var seen: [String: String] = [:]
        for path in paths {
            let file = try File.open(path)
            let problems = TraceSchema.validate(file: file)
            if let version = try? file.attribute("format_version", as: Int64.self), version != TraceFormat.version {
                throw HDF5Error(
                    code: .badValue, operation: "analyze", filePath: path, objectPath: "/",
                    message: "trace format version \(version); this NormScope reads version \(TraceFormat.version)")
            }
            guard try file.exists("runs") else {
                throw HDF5Error(
                    code: .objectNotFound, operation: "analyze", filePath: path, objectPath: "/runs",
                    message: "not a NormScope trace (no /runs group)" + (problems.first.map { "; \($0)" } ?? ""))
            }
            let group = try file.openGroup("runs")
            for id in try group.children().sorted() {
                if let other = seen[id] {
                    notes.append("run \(id) appears in \(other) and \(path); kept the first")
                    continue
                }
                seen[id] = path
                do {
                    let runGroup = try group.openGroup(id)
                    let run = try RunSummary(group: runGroup, id: id, file: path)
                    if try runGroup.exists("norms") {
                        let norms = try runGroup.openGroup("norms")
                        layers[id] = try norms.children().sorted().map { (name) throws(HDF5Error) in
                            try LayerGradientSummary(group: try norms.openGroup(name), layer: name)
                        }
                    }
                    if run.evaluationCount == 0 { notes.append("\(path): run \(id) has no evaluations") }
                    if run.status == "running" {
                        notes.append(
                            "\(path): run \(id) is unfinished (still being written, or its recorder was killed)")
                    }
                    runs.append(run)
                } catch {
                    notes.append("\(path): run \(id) skipped: \(error)")
                }
            }
        }
        self.runs = runs
        var order: [String] = []
        for run in runs where !order.contains(run.preset) { order.append(run.preset) }
        presets = order.map { preset in PresetSummary(preset: preset, runs: runs.filter { $0.preset == preset }) }
        self.notes = notes
        self.layers = layers
        gradients = order.map { preset in
            PresetGradientSummary(
                preset: preset, runs: runs.filter { $0.preset == preset }.compactMap { layers[$0.id] })
        }
    }

    /// An aligned table: one line per preset, then the notes.
    public var table: String {
        var lines = [
            pad("preset", 18) + pad("runs", 6) + pad("best valid loss", 26) + pad("gap at best", 26)
                + pad("gap, last 10%", 26) + "best valid acc",
            String(repeating: "-", count: 126),
        ]
        for p in presets {
            lines.append(
                pad(p.preset, 18) + pad("\(p.runs)" + (p.diverged > 0 ? " (\(p.diverged) div.)" : ""), 6)
                    + pad(p.bestValidLoss.formatted(), 26) + pad(p.gapAtBest.formatted(), 26)
                    + pad(p.gapLastTenth.formatted(), 26) + p.bestValidAccuracy.formatted())
        }
        lines.append("")
        lines.append("mean ± sample sd (n runs); gap = validation − training loss, both in evaluation mode.")
        lines.append("")
        lines.append(
            "Gradient parts, last 10% of steps, averaged over each run's norm layers (PAPER.md \"What to record\"):")
        lines.append(
            pad("preset", 18) + pad("recenter_ratio", 24) + pad("rescale_ratio", 24) + pad("‖c‖/‖d‖", 24)
                + pad("‖s‖/‖d‖", 24) + "cos(t, d)")
        for g in gradients {
            lines.append(
                pad(g.preset, 18) + pad(g.recenterRatio.formatted(3), 24) + pad(g.rescaleRatio.formatted(3), 24)
                    + pad(g.recenteringShare.formatted(3), 24) + pad(g.rescalingShare.formatted(3), 24)
                    + g.cosineTotalDirect.formatted(3))
        }
        lines += notes.map { "note: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// The summary as JSON — `{"runs": [...], "presets": [...], "comparisons": [...], "notes": [...]}`, keys sorted,
    /// non-finite numbers as the strings "nan", "inf", "-inf".
    public func json(baseline: String? = nil) throws -> Data {
        struct Document: Encodable {
            var runs: [RunSummary]
            var presets: [PresetSummary]
            var layers: [String: [LayerGradientSummary]]
            var gradients: [PresetGradientSummary]
            var baseline: String?
            var comparisons: [PresetComparison]
            var notes: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(
            Document(
                runs: runs, presets: presets, layers: layers, gradients: gradients, baseline: baseline,
                comparisons: baseline.map(comparisons(baseline:)) ?? [], notes: notes))
    }
}
