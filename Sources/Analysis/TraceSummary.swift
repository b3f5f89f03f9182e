import Foundation
import HDF5
import Recording

/// Several traces (shards of one sweep, or sweeps from different machines) merged by run and summarized per run,
/// per layer and per preset — what `normscope analyze` prints and `normscope report` draws.
///
/// Every table is read block by block (`BlockReader`), so memory is bounded whatever the traces' length: one block
/// of rows (8192, about 3 MB of gradient rows) at a time, plus per run and layer a fixed-size summary and `bins`
/// chart points per quantity.
public struct TraceSummary: Sendable {
    /// Every run, in file then name order; a run ID seen in two files is kept once (the first) and reported.
    public var runs: [RunSummary]
    /// Presets in order of first appearance, aggregated over their runs.
    public var presets: [PresetSummary]
    /// Messages about the input: duplicate runs, runs without evaluations, unfinished runs, missing tables.
    public var notes: [String]
    /// What could not be read, one entry per object: `file: /runs/<id>/norms/<layer>/grad: why`. The rest of the
    /// summary is still valid; reports mark these places.
    public var missing: [String]
    /// Per run ID, each norm layer's gradient statistics early and late in training, in model order.
    public var layers: [String: [LayerGradientSummary]]
    /// Per preset, the late-training gradient statistics averaged over layers, mean ± sd over runs.
    public var gradients: [PresetGradientSummary]
    /// Per preset, the identities of Theorem 1 (and ⟨Φ⟩ = C) checked on the recorded steps.
    public var theoremChecks: [TheoremCheck]
    /// Per run ID, chart points: evaluations, each layer's gradient quantities, each adaptive layer's Φ heat map.
    public var series: [String: RunSeries]

    /// Reads and summarizes the traces.
    ///
    /// - Parameters:
    ///   - bins: chart points kept per series (the report's resolution; `analyze` needs none but costs little).
    ///   - blockRows: rows read at once; the memory bound.
    /// - Throws: `HDF5Error` (one line naming the file and object) when a file cannot be opened or is not a trace.
    ///   A run or layer that cannot be read is skipped and listed in `missing` instead.
    public init(paths: [String], bins: Int = 240, blockRows: Int = 8192) throws(HDF5Error) {
        var runs: [RunSummary] = []
        var notes: [String] = []
        var missing: [String] = []
        var layers: [String: [LayerGradientSummary]] = [:]
        var series: [String: RunSeries] = [:]
        var seen: [String: String] = [:]
        for path in paths {
            let (file, live) = try TraceFile.open(path)
            if let version = try? file.attribute(TraceFormat.Names.formatVersion, as: Int64.self),
                version != TraceFormat.version
            {
                throw HDF5Error(
                    code: .badValue, operation: "analyze", filePath: path, objectPath: "/",
                    message: "trace format version \(version); this NormScope reads version \(TraceFormat.version)")
            }
            guard try file.exists(TraceFormat.Names.runs) else {
                let problems = TraceSchema.validate(file: file)
                throw HDF5Error(
                    code: .objectNotFound, operation: "analyze", filePath: path, objectPath: "/runs",
                    message: "not a NormScope trace (no /runs group)" + (problems.first.map { "; \($0)" } ?? ""))
            }
            if live { notes.append("\(path): opened as a live (SWMR) trace; its runs may still be growing") }
            let group = try file.openGroup(TraceFormat.Names.runs)
            for id in try group.children().sorted() {
                if let other = seen[id] {
                    notes.append("run \(id) appears in \(other) and \(path); kept the first")
                    continue
                }
                seen[id] = path
                let runGroup: Group
                let run: RunSummary
                var runSeries: RunSeries
                do {
                    runGroup = try group.openGroup(id)
                    let read = try RunSummary.read(
                        group: runGroup, id: id, file: path, bins: bins, blockRows: blockRows)
                    run = read.summary
                    runSeries = RunSeries(evaluations: read.series)
                    if let problem = read.problem { missing.append("\(problem)") }
                } catch {
                    missing.append("\(error)")
                    notes.append("\(path): run \(id) skipped: \(error.message)")
                    continue
                }
                let (runLayers, layerMissing) = Self.readLayers(
                    run: runGroup, scale: run.normalization?.scale, bins: bins, blockRows: blockRows,
                    into: &runSeries)
                layers[id] = runLayers
                missing += layerMissing
                series[id] = runSeries
                if run.evaluationCount == 0 { notes.append("\(path): run \(id) has no evaluations") }
                if run.completedSteps == 0, run.evaluationCount == 0 { notes.append("\(path): run \(id) is empty") }
                if let step = run.divergedAtStep { notes.append("\(path): run \(id) diverged at step \(step)") }
                if run.status == "running" {
                    notes.append(
                        "\(path): run \(id) is unfinished (still being written, or its recorder was killed)")
                }
                runs.append(run)
            }
        }
        self.runs = runs
        var order: [String] = []
        for run in runs where !order.contains(run.preset) { order.append(run.preset) }
        presets = order.map { preset in PresetSummary(preset: preset, runs: runs.filter { $0.preset == preset }) }
        for preset in order {
            let lengths = Set(runs.filter { $0.preset == preset }.map(\.completedSteps))
            if lengths.count > 1 {
                notes.append(
                    "preset \(preset): runs of different lengths (\(lengths.sorted().map(String.init).joined(separator: ", ")) "
                        + "steps); windows are each run's own first and last 10%")
            }
        }
        self.notes = notes
        self.missing = missing
        self.layers = layers
        self.series = series
        gradients = order.map { preset in
            PresetGradientSummary(
                preset: preset, runs: runs.filter { $0.preset == preset }.compactMap { layers[$0.id] })
        }
        theoremChecks = order.flatMap { TheoremCheck.checks(preset: $0, runs: runs, layers: layers) }
    }

    /// Reads every layer of a run in model order (`norm_layers`, else the `index` attribute, else by name); a layer
    /// that cannot be read becomes a `missing` entry and the others are kept.
    private static func readLayers(
        run: Group, scale: Double?, bins: Int, blockRows: Int, into series: inout RunSeries
    ) -> ([LayerGradientSummary], [String]) {
        guard (try? run.exists(TraceFormat.Names.norms)) == true,
            let norms = try? run.openGroup(TraceFormat.Names.norms)
        else { return ([], []) }
        var summaries: [LayerGradientSummary] = []
        var missing: [String] = []
        let names = (try? norms.children()) ?? []
        for name in names {
            do {
                let read = try LayerGradientSummary.read(
                    group: try norms.openGroup(name), layer: name, scale: scale, bins: bins, blockRows: blockRows)
                summaries.append(read.summary)
                missing += read.problems.map { "\($0)" }
                series.layers[name] = read.series
                if let map = read.phiMap { series.phiMaps[name] = map }
                if let phi = read.phiSeries { series.phi[name] = phi }
            } catch {
                missing.append("\(error)")
            }
        }
        let order =
            (try? run.attribute(TraceFormat.Names.normLayers, as: String.self))
            .flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        summaries.sort { a, b in
            let (i, j) = (order.firstIndex(of: a.layer) ?? a.index, order.firstIndex(of: b.layer) ?? b.index)
            return i != j ? i < j : a.layer < b.layer
        }
        return (summaries, missing)
    }

    /// The version of the JSON document's shape (`schema` in it); bumped by any change a reader of this version
    /// would misread. analysis/ANALYZE_JSON.md documents it.
    public static let jsonSchema = "normscope-analyze/1"

    /// The summary as JSON (analysis/ANALYZE_JSON.md): keys sorted, non-finite numbers as the strings "nan", "inf",
    /// "-inf".
    public func json(baseline: String? = nil) throws -> Data {
        struct Document: Encodable {
            var schema: String
            var runs: [RunSummary]
            var presets: [PresetSummary]
            var layers: [String: [LayerGradientSummary]]
            var gradients: [PresetGradientSummary]
            var theoremChecks: [TheoremCheck]
            var baseline: String?
            var comparisons: [PresetComparison]
            var notes: [String]
            var missing: [String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(
            Document(
                schema: Self.jsonSchema, runs: runs, presets: presets, layers: layers, gradients: gradients,
                theoremChecks: theoremChecks, baseline: baseline,
                comparisons: baseline.map(comparisons(baseline:)) ?? [], notes: notes, missing: missing))
    }
}
