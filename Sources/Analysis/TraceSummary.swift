import DamagedFiles
import Foundation
import HDF5
import Recording

/// Several traces (shards of one sweep, or sweeps from different machines) merged by run and summarized per run,
/// per layer and per preset — what `normscope analyze` prints and `normscope report` draws.
///
/// Every table is read block by block (`BlockReader`), so memory is bounded whatever the traces' length: one block
/// of rows (4096, about 1 MB of gradient rows) at a time and the two being decoded ahead of it, plus per run and
/// layer a fixed-size summary and `bins` chart points per quantity.
public struct TraceSummary: Sendable {
    /// The files read, with the labels their runs are shown under, in the order given.
    public var inputs: [TraceInput]
    /// Every run, in file then name order. Runs of different settings are different runs whatever their ids; a run
    /// an earlier file already holds (same preset, seed and settings) is left out and listed in `duplicates`.
    public var runs: [RunSummary]
    /// The runs left out as repeats of a run of an earlier file; `text` names them first.
    public var duplicates: [DuplicateRun]
    /// How runs are grouped: by preset and the settings that differ between them (or those asked for).
    public var grouping: RunGrouping
    /// Groups (preset + grouping settings) in order of first appearance, aggregated over their runs (seeds).
    public var groups: [GroupSummary]
    /// Over a learning-rate grid (`lr` a grouping key), which runs diverged or stalled per group and each cell's
    /// largest stable learning rate; nil otherwise.
    public var stability: Stability?
    /// Messages about the input: runs without evaluations, unfinished runs, missing tables, live files.
    public var notes: [String]
    /// What could not be read, one entry per object: `file: /runs/<id>/norms/<layer>/grad: why`. The rest of the
    /// summary is still valid; reports mark these places.
    public var missing: [MissingObject]
    /// Objects whose values cannot all be right: their failing rows (or the whole object) are left out of every
    /// statistic.
    public var damaged: [DamagedObject]
    /// Per run name (``RunSummary/name``), each norm layer's gradient statistics early and late in training, in
    /// model order.
    public var layers: [String: [LayerGradientSummary]]
    /// Per group, the late-training gradient statistics averaged over layers, mean ± sd over runs.
    public var gradients: [GroupGradientSummary]
    /// Per group, the identities of Theorem 1 (and ⟨Φ⟩ = C) checked on the recorded steps.
    public var theoremChecks: [TheoremCheck]
    /// Per run name, chart points: evaluations, each layer's gradient quantities, each adaptive layer's Φ heat map.
    public var series: [String: RunSeries]

    /// Reads and summarizes the traces named by command-line arguments, each a file or `FILE:LABEL`
    /// (``TraceInput/init(argument:)``).
    public init(
        paths: [String], groupBy: [String]? = nil, bins: Int = 240, blockRows: Int = 4096,
        probe: DamageProbe = DamageProbe()
    ) throws(HDF5Error) {
        try self.init(
            inputs: paths.map(TraceInput.init(argument:)), groupBy: groupBy, bins: bins, blockRows: blockRows,
            probe: probe)
    }

    /// Reads and summarizes the traces.
    ///
    /// - Parameters:
    ///   - inputs: the files, with the labels their runs are shown under.
    ///   - groupBy: the settings that tell groups apart besides the preset; nil for every setting that differs
    ///     between the runs given.
    ///   - bins: chart points kept per series (the report's resolution; `analyze` needs none but costs little).
    ///   - blockRows: rows read at once; the memory bound.
    ///   - probe: vets each file before it is read (`DamageProbe`: a child process walks it, and what crashes or
    ///     hangs HDF5 there is listed under `damaged` and never read here); pass one probe to several readers to
    ///     walk each unchanged file once.
    /// - Throws: `HDF5Error` (one line naming the file and object) when a file cannot be opened or is not a trace,
    ///   or when `groupBy` names a setting no run has. A run or layer that cannot be read is skipped and listed in
    ///   `missing` instead.
    public init(
        inputs: [TraceInput], groupBy: [String]? = nil, bins: Int = 240, blockRows: Int = 4096,
        probe: DamageProbe = DamageProbe()
    ) throws(HDF5Error) {
        var read: [(run: RunSummary, input: TraceInput, layers: [LayerGradientSummary], series: RunSeries)] = []
        var duplicates: [DuplicateRun] = []
        var notes: [String] = []
        var missing: [MissingObject] = []
        var damaged: [DamagedObject] = []
        // The first run of each identity, and the input (by position) it came from.
        var seen: [RunIdentity: (run: String, input: Int)] = [:]
        for (position, input) in inputs.enumerated() {
            let path = input.path
            let (file, live, probed) = try TraceFile.open(path, probe: probe)
            let readable = TraceFormat.readableVersions
            // A trace without a readable version is judged as the current format (and its problems listed so).
            let version = (try? file.attribute(TraceFormat.Names.formatVersion, as: Int64.self)) ?? TraceFormat.version
            if !readable.contains(version) {
                throw HDF5Error(
                    code: .badValue, operation: "analyze", filePath: path, objectPath: "/",
                    message: "trace format version \(version); this NormScope reads versions \(readable.lowerBound) "
                        + "to \(readable.upperBound)")
            }
            guard try file.exists(TraceFormat.Names.runs) else {
                let problems = TraceSchema.validate(file: file)
                throw HDF5Error(
                    code: .objectNotFound, operation: "analyze", filePath: path, objectPath: "/runs",
                    message: "not a NormScope trace (no /runs group)" + (problems.first.map { "; \($0)" } ?? ""))
            }
            if live { notes.append("\(input): opened as a live (SWMR) trace; its runs may still be growing") }
            let group = try file.openGroup(TraceFormat.Names.runs)
            for id in try group.children().sorted() {
                let runGroup: Group
                let runRead: RunSummary.Read
                do {
                    runGroup = try group.openGroup(id)
                    runRead = try RunSummary.read(
                        group: runGroup, id: id, file: path, bins: bins, blockRows: blockRows, formatVersion: version)
                } catch {
                    missing.append(MissingObject(error, file: path, quarantine: probed.quarantine))
                    notes.append("\(input): run \(id) skipped: \(error.message)")
                    continue
                }
                var run = runRead.summary
                run.label = input.label
                // The same run given twice (a file named twice, or copied into another) is counted once; runs
                // within one file are never each other's repeats.
                let identity = RunIdentity(run)
                if let first = seen[identity], first.input != position {
                    duplicates.append(
                        DuplicateRun(
                            file: path, label: input.label, run: id, keptFile: inputs[first.input].path,
                            keptLabel: inputs[first.input].label, keptRun: first.run))
                    continue
                }
                if seen[identity] == nil { seen[identity] = (id, position) }
                var runSeries = RunSeries(evaluations: runRead.series)
                missing += runRead.problems.map { MissingObject($0, file: path, quarantine: probed.quarantine) }
                damaged += runRead.damage
                let layerRead = Self.readLayers(
                    // A run still being written (or killed) flushes its tables one by one: their lengths may differ
                    // by what the last flush left out, so only finished runs are held to equal lengths.
                    run: runGroup, file: path, quarantine: probed.quarantine, scale: run.normalization?.scale,
                    stepRows: run.isFinished || run.status == .interrupted ? runRead.stepRows : nil,
                    divergedStep: run.divergedAtStep, bins: bins, blockRows: blockRows, into: &runSeries)
                missing += layerRead.missing
                damaged += layerRead.damaged
                notes += Self.notes(run: run, input: input)
                read.append((run, input, layerRead.summaries, runSeries))
            }
            // Objects a probe process saw crash HDF5 were never handed to it here: they are damage, listed once from
            // the quarantine, and not again as missing wherever a read of one met the quarantine's error.
            damaged += probed.quarantine.entries.map {
                DamagedObject(
                    file: path, object: $0.target.description,
                    problem: String($0.message.trimmingPrefix("damaged: ")))
            }
            missing.removeAll { $0.reason == .quarantined }
        }
        var runs = read.map(\.run)
        let names = RunNaming.names(read.map { ($0.run.id, $0.input) })
        var layers: [String: [LayerGradientSummary]] = [:]
        var series: [String: RunSeries] = [:]
        for (index, name) in names.enumerated() {
            runs[index].name = name
            layers[name] = read[index].layers
            series[name] = read[index].series
        }
        self.inputs = inputs
        self.duplicates = duplicates
        let grouping: RunGrouping
        if let groupBy {
            let known = Set(runs.flatMap(\.settings.keys)).union(["preset"])
            if let unknown = groupBy.first(where: { !known.contains($0) }) {
                throw HDF5Error(
                    code: .badValue, operation: "analyze", filePath: inputs.first?.path,
                    message: "--group-by \(unknown): no run has this setting; settings found: "
                        + known.sorted().joined(separator: ", "))
            }
            grouping = RunGrouping(keys: groupBy)
        } else {
            grouping = RunGrouping(automaticFor: runs.map(\.settings))
        }
        for index in runs.indices {
            runs[index].group = grouping.label(preset: runs[index].preset, settings: runs[index].settings)
        }
        self.runs = runs
        self.grouping = grouping
        var order: [String] = []
        for run in runs where !order.contains(run.group) { order.append(run.group) }
        groups = order.map { label in
            let members = runs.filter { $0.group == label }
            return GroupSummary(
                group: label, preset: members[0].preset, settings: grouping.values(members[0].settings),
                runs: members)
        }
        stability = Stability(groups: groups, runs: runs, grouping: grouping)
        for group in groups {
            let lengths = Set(runs.filter { $0.group == group.group }.map(\.completedSteps))
            if lengths.count > 1 {
                notes.append(
                    "\(group.group): runs of different lengths (\(lengths.sorted().map(String.init).joined(separator: ", ")) "
                        + "steps); windows are each run's own first and last 10%")
            }
            if group.runs < 2 {
                notes.append("\(group.group): n = \(group.runs) run; no spread or test without a second seed")
            }
        }
        self.notes = notes
        self.missing = missing
        self.damaged = damaged
        self.layers = layers
        self.series = series
        gradients = order.map { label in
            GroupGradientSummary(group: label, runs: runs.filter { $0.group == label }.compactMap { layers[$0.name] })
        }
        theoremChecks = groups.flatMap { group in
            TheoremCheck.checks(group: group.group, runs: runs.filter { $0.group == group.group }, layers: layers)
        }
    }

    /// What the terminal tables and the report's header say about one run besides its numbers.
    private static func notes(run: RunSummary, input: TraceInput) -> [String] {
        var notes: [String] = []
        let (id, path) = (run.id, input)
        if run.evaluationCount == 0 { notes.append("\(path): run \(id) has no evaluations") }
        if run.completedSteps == 0, run.evaluationCount == 0 { notes.append("\(path): run \(id) is empty") }
        if let step = run.divergedAtStep {
            let reason = run.divergenceReason.map { ": \($0)" } ?? ""
            notes.append("\(path): run \(id) diverged at step \(step)\(reason)")
        }
        switch run.status {
        case .known(.running):
            notes.append("\(path): run \(id) is unfinished (still being written, or its recorder was killed)")
        case .known(.interrupted):
            notes.append("\(path): run \(id) was interrupted after \(run.completedSteps) steps")
        case .unknown:
            notes.append("\(path): run \(id) has no readable status; it is summarized as far as it was recorded")
        default: break
        }
        return notes
    }

    /// Reads every layer of a run in model order (`norm_layers`, else the `index` attribute, else by name); a layer
    /// that cannot be read becomes a `missing` entry, one whose values cannot be right a `damaged` one, and the
    /// others are kept.
    private static func readLayers(
        run: Group, file: String, quarantine: Quarantine, scale: Double?, stepRows: Int?, divergedStep: Int64?,
        bins: Int, blockRows: Int, into series: inout RunSeries
    ) -> (summaries: [LayerGradientSummary], missing: [MissingObject], damaged: [DamagedObject]) {
        guard (try? run.exists(TraceFormat.Names.norms)) == true,
            let norms = try? run.openGroup(TraceFormat.Names.norms)
        else { return ([], [], []) }
        var summaries: [LayerGradientSummary] = []
        var missing: [MissingObject] = []
        var damaged: [DamagedObject] = []
        let names = (try? norms.children()) ?? []
        for name in names {
            do {
                let read = try LayerGradientSummary.read(
                    group: try norms.openGroup(name), layer: name, file: file, scale: scale, stepRows: stepRows,
                    divergedStep: divergedStep, bins: bins, blockRows: blockRows)
                missing += read.problems.map { MissingObject($0, file: file, quarantine: quarantine) }
                damaged += read.damage
                guard let summary = read.summary else { continue }
                summaries.append(summary)
                series.layers[name] = read.series
                if let map = read.phiMap { series.phiMaps[name] = map }
                if let phi = read.phiSeries { series.phi[name] = phi }
            } catch {
                missing.append(MissingObject(error, file: file, quarantine: quarantine))
            }
        }
        let order =
            (try? run.attribute(TraceFormat.Names.normLayers, as: String.self))
            .flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
        summaries.sort { a, b in
            let (i, j) = (order.firstIndex(of: a.layer) ?? a.index, order.firstIndex(of: b.layer) ?? b.index)
            return i != j ? i < j : a.layer < b.layer
        }
        return (summaries, missing, damaged)
    }

    /// The version of the JSON document's shape (`schema` in it); bumped by any change a reader of this version
    /// would misread. analysis/ANALYZE_JSON.md documents it.
    public static let jsonSchema = "normscope-analyze/2"

    /// The summary as JSON (analysis/ANALYZE_JSON.md): snake_case keys, sorted; `null` for a number that is not
    /// available (NaN) or not finite, so pandas keeps numeric columns numeric.
    public func json(baseline: String? = nil) throws -> Data {
        struct Document: Encodable {
            var schema: String
            var grouping: RunGrouping
            var baseline: String?
            var groups: [GroupSummary]
            var stability: Stability?
            var runs: [RunSummary]
            var duplicates: [DuplicateRun]
            var layers: [String: [LayerGradientSummary]]
            var gradients: [GroupGradientSummary]
            var theoremChecks: [TheoremCheck]
            var comparisons: [GroupComparison]
            var uncomparedGroups: [String]
            var notes: [String]
            var missing: [String]
            var damaged: [DamagedObject]
        }
        return try SummaryJSON.encode(
            Document(
                schema: Self.jsonSchema, grouping: grouping, baseline: baseline, groups: groups, stability: stability,
                runs: runs,
                duplicates: duplicates, layers: layers, gradients: gradients, theoremChecks: theoremChecks,
                comparisons: baseline.map(comparisons(baseline:)) ?? [],
                uncomparedGroups: baseline.map(uncomparedGroups(baseline:)) ?? [], notes: notes,
                missing: missing.map(\.description),
                damaged: damaged))
    }
}
