import HDF5

/// Checks that a file has the layout of its trace format version, 1 or 2 (`analysis/TRACE_FORMAT.md`), for
/// `normscope inspect`, the analysis' reader and tests.
///
/// ```swift
/// let problems = TraceSchema.validate(file: try File.open("runs/digits.h5"))
/// if problems.isEmpty { print("valid trace") } else { problems.forEach { print($0) } }
/// ```
///
/// Each problem is one line naming the object: `/runs/adanorm-seed0/evals: missing dataset`. An empty list means
/// every required attribute, group and dataset is there with the right type, and the tables that share a step
/// coordinate have as many rows as it; in format 2, every known setting has its documented type and every axis
/// of `raw_parts` its scale. A file of another format or version yields a single problem, as nothing else in it
/// can be judged.
public enum TraceSchema {
    typealias Names = TraceFormat.Names

    /// Opens `path` read-only and validates it, without the damage probe (`DamagedFiles` sits above this module):
    /// for the package's own tests of files it wrote. A program reading traces it did not write opens them through
    /// `Analysis` (`TraceInspector`), which probes first.
    /// - Throws: `HDF5Error` when the file cannot be opened at all (missing, not HDF5).
    package static func validate(path: String) throws(HDF5Error) -> [String] {
        let file = try File.open(path)
        let problems = validate(file: file)
        try file.close()
        return problems
    }

    /// The layout problems of an open trace; empty when it is a valid trace of a version this NormScope reads.
    /// Read errors inside the file are reported as problems of the object they concern.
    public static func validate(file: File) -> [String] {
        var report = Report()
        guard let version = checkIdentity(file, &report) else { return report.problems }
        for name in [Names.toolVersion, Names.created, Names.commandLine] {
            report.requireAttribute(file, name, as: String.self)
        }
        report.requireJSONAttribute(file, Names.config)
        guard let runs = report.group(file, Names.runs) else { return report.problems }
        for name in report.children(of: runs) {
            guard let run = report.group(runs, name) else { continue }
            checkRun(run, version: version, &report)
        }
        return report.problems
    }

    /// `format` and `format_version`: the version, or nil when the rest cannot be judged.
    private static func checkIdentity(_ file: File, _ report: inout Report) -> Int64? {
        guard let format = report.requireAttribute(file, Names.format, as: String.self) else { return nil }
        guard format == TraceFormat.name else {
            report.add(file, "format is '\(format)', expected '\(TraceFormat.name)': not a NormScope trace")
            return nil
        }
        guard let version = report.requireAttribute(file, Names.formatVersion, as: Int64.self) else { return nil }
        let readable = TraceFormat.readableVersions
        guard readable.contains(version) else {
            report.add(
                file,
                "format_version is \(version); this NormScope reads versions \(readable.lowerBound) to "
                    + "\(readable.upperBound) (record the trace again, or use a NormScope of that version)")
            return nil
        }
        return version
    }

    /// A run group: its attributes, its tables and their coordinates, and each layer listed in `norm_layers`.
    private static func checkRun(_ run: Group, version: Int64, _ report: inout Report) {
        report.requireJSONAttribute(run, Names.config)
        if version >= 2 { report.checkSettingKinds(run) }
        if let status = report.requireAttribute(run, Names.status, as: String.self), RunStatus(rawValue: status) == nil
        {
            let known = RunStatus.allCases.map(\.rawValue).joined(separator: ", ")
            report.add(run, "status is '\(status)', expected one of \(known)")
        }
        report.requireAttribute(run, Names.completedSteps, as: Int64.self)
        report.requireAttribute(run, Names.divergedStep, as: Int64.self)
        let layerNames = report.requireJSONAttribute(run, Names.normLayers, as: [String].self)

        let stepRows = report.table(run, Names.steps, of: StepRow.self)
        report.coordinate(run, Names.step, rows: stepRows)
        let evalRows = report.table(run, Names.evals, of: EvaluationRow.self)
        report.coordinate(run, Names.evalStep, rows: evalRows)

        guard let norms = report.group(run, Names.norms) else { return }
        let present = report.children(of: norms)
        for name in layerNames ?? [] where !present.contains(name) {
            report.add(norms, "layer '\(name)' of norm_layers has no group")
        }
        for name in present {
            guard let layer = report.group(norms, name) else { continue }
            checkLayer(layer, stepRows: stepRows, version: version, &report)
        }
    }

    /// A layer group: its attributes, `grad` aligned with the run's steps, and the Φ datasets if any of them exist.
    private static func checkLayer(_ layer: Group, stepRows: Int?, version: Int64, _ report: inout Report) {
        report.requireAttribute(layer, Names.layerIndex, as: Int64.self)
        let width = report.requireAttribute(layer, Names.width, as: Int64.self)
        checkRaw(layer, width: width, version: version, &report)
        let gradRows = report.table(layer, Names.grad, of: NormStepRow.self)
        if let gradRows, let stepRows, gradRows != stepRows {
            report.add(layer, "grad has \(gradRows) rows but the run's steps has \(stepRows)")
        }
        // Φ is optional, but all of its datasets come together.
        let phiNames = [Names.phi, Names.phiHistogram, Names.phiEdges, Names.phiStep]
        guard phiNames.contains(where: { report.exists(layer, $0) }) else { return }
        let phiRows = report.table(layer, Names.phi, of: PhiStepRow.self)
        report.coordinate(layer, Names.phiStep, rows: phiRows)
        let edges = report.dataset(layer, Names.phiEdges, kind: "float64", rank: 1)
        let histogram = report.dataset(layer, Names.phiHistogram, kind: "int64", rank: 2)
        if let edges, edges[0] < 2 {
            report.add(layer, "phi_edges has \(edges[0]) edges; a histogram needs at least 2")
        }
        if let histogram {
            if let phiRows, histogram[0] != phiRows {
                report.add(layer, "phi_hist has \(histogram[0]) rows but phi has \(phiRows)")
            }
            if let edges, histogram[1] != edges[0] + 1 {
                report.add(
                    layer,
                    "phi_hist has \(histogram[1]) columns; \(edges[0]) edges need \(edges[0] + 1) "
                        + "(below, each bin, above)")
            }
        }
    }
}

extension TraceSchema {
    /// Field names from `Dataset.typeDescription()`'s "compound{a,b,c}"; empty for any other type.
    public static func fieldNames(_ description: String) -> Set<String> {
        guard description.hasPrefix("compound{"), description.hasSuffix("}") else { return [] }
        return Set(description.dropFirst("compound{".count).dropLast().split(separator: ",").map(String.init))
    }

    /// The fields of `Row` a table stored as `description` ("compound{a,b,c}") lacks, less those that tables
    /// written before them may lack.
    public static func missingFields<Row: CompoundRow>(of row: Row.Type, storedAs description: String) -> [String] {
        let stored = fieldNames(description)
        return Row.fields.filter { !$0.mayBeAbsent && !stored.contains($0.name) }.map(\.name)
    }

    /// `raw_parts` and its coordinates, when the layer has raw samples: `raw_step` along axis 0, and in format 2
    /// `part`, `row` and `feature` along axes 1–3.
    fileprivate static func checkRaw(_ layer: Group, width: Int64?, version: Int64, _ report: inout Report) {
        guard report.exists(layer, Names.rawParts) || report.exists(layer, Names.rawStep) else { return }
        guard let shape = report.dataset(layer, Names.rawParts, kind: "float32", rank: 4) else { return }
        if shape[1] != Names.rawPartNames.count {
            report.add(layer, "raw_parts has \(shape[1]) parts along axis 1, expected \(Names.rawPartNames.count)")
        }
        if let width, shape[3] != width {
            report.add(layer, "raw_parts has \(shape[3]) features along axis 3 but the layer's width is \(width)")
        }
        report.coordinate(layer, Names.rawStep, rows: shape[0])
        guard version >= 2, let parts = report.open(layer, Names.rawParts) else { return }
        let axes = [
            (Names.rawPart, "string", shape[1]), (Names.rawRow, "int64", shape[2]), (Names.feature, "int64", shape[3]),
        ]
        for (offset, (name, kind, length)) in axes.enumerated() {
            guard let (scale, extent) = report.numeric(layer, name, kind: kind, rank: 1) else { continue }
            if extent[0] != length {
                report.add(scale, "has \(extent[0]) entries but axis \(offset + 1) of raw_parts has \(length)")
            }
            do throws(HDF5Error) {
                let isScale = try scale.isDimensionScale()
                let isAttached = try parts.isDimensionScale(scale, attachedTo: offset + 1)
                if !isScale || !isAttached {
                    report.add(scale, "is not the dimension scale of axis \(offset + 1) of raw_parts")
                }
            } catch {
                report.add(scale, error)
            }
        }
    }
}

/// Accumulates problems while walking a file; each helper reports what it finds missing or wrong and returns what
/// the next check needs (nil when it could not be read).
private struct Report {
    var problems: [String] = []

    /// Records a problem of `node`.
    mutating func add(_ node: some Node, _ problem: String) {
        problems.append("\(node.objectPath): \(problem)")
    }

    /// Records that `node` could not be read, with HDF5's reason.
    mutating func add(_ node: some Node, _ error: HDF5Error) {
        problems.append("\(node.objectPath): cannot be read: \(error.message) [\(error.operation)]")
    }

    /// The absolute path of `name` inside `parent`, for problems about objects that could not be opened.
    func path(_ parent: some Node, _ name: String) -> String {
        parent.objectPath == "/" ? "/" + name : parent.objectPath + "/" + name
    }

    /// Whether `name` exists in `parent`; an unreadable link counts as missing (and is reported where it is needed).
    func exists(_ parent: some Container, _ name: String) -> Bool {
        do { return try parent.exists(name) } catch { return false }
    }

    /// An attribute that must exist and read as `Value`.
    @discardableResult
    mutating func requireAttribute<Value: AttributeConvertible>(
        _ node: some Node, _ name: String, as type: Value.Type
    ) -> Value? {
        do {
            guard try node.hasAttribute(name) else {
                add(node, "missing attribute '\(name)'")
                return nil
            }
            return try node.attribute(name, as: Value.self)
        } catch {
            add(node, "attribute '\(name)': \(error.message)")
            return nil
        }
    }

    /// Format 2: every declared setting (`TraceFormat.settings`) that the run has must be stored with its kind,
    /// and one with a vocabulary must hold one of its words.
    mutating func checkSettingKinds(_ run: Group) {
        let names: [String]
        do { names = try run.attributeNames() } catch {
            add(run, error)
            return
        }
        for name in names {
            guard let setting = TraceFormat.setting(name) else { continue }
            do {
                let value = try run.attributeValue(name)
                if !setting.kind.matches(value) {
                    add(
                        run, "attribute '\(name)' holds \(value.kindName) \(value), expected \(setting.kind.rawValue)")
                } else if case .string(let text) = value, let refusal = setting.refusal(of: text) {
                    add(run, "attribute '\(name)' \(refusal)")
                }
            } catch {
                add(run, "attribute '\(name)': \(error.message)")
            }
        }
    }

    /// A string attribute that must hold valid JSON.
    mutating func requireJSONAttribute(_ node: some Node, _ name: String) {
        guard let text = requireAttribute(node, name, as: String.self) else { return }
        if !RunDescription.isJSON(text) {
            add(node, "attribute '\(name)' is not valid JSON")
        }
    }

    /// A string attribute that must hold JSON decoding as `Value`.
    mutating func requireJSONAttribute<Value: Decodable>(
        _ node: some Node, _ name: String, as type: Value.Type
    ) -> Value? {
        guard requireAttribute(node, name, as: String.self) != nil else { return nil }
        do { return try node.jsonAttribute(name, as: Value.self) } catch {
            add(node, "attribute '\(name)' is not JSON of the expected shape")
            return nil
        }
    }

    /// A group that must exist.
    mutating func group(_ parent: some Container, _ name: String) -> Group? {
        do {
            switch try parent.kind(of: name) {
            case nil:
                problems.append("\(path(parent, name)): missing group")
                return nil
            case .group?:
                return try parent.openGroup(name)
            case .some(let other):
                problems.append("\(path(parent, name)): is a \(other), expected a group")
                return nil
            }
        } catch {
            add(parent, error)
            return nil
        }
    }

    /// The names in a group, or none if they cannot be listed.
    mutating func children(of group: some Container) -> [String] {
        do { return try group.children() } catch {
            add(group, error)
            return []
        }
    }

    /// Opens a dataset that must exist; reports it missing or not a dataset.
    mutating func open(_ parent: some Container, _ name: String) -> Dataset? {
        do {
            switch try parent.kind(of: name) {
            case nil:
                problems.append("\(path(parent, name)): missing dataset")
                return nil
            case .dataset?:
                return try parent.openDataset(name)
            case .some(let other):
                problems.append("\(path(parent, name)): is a \(other), expected a dataset")
                return nil
            }
        } catch {
            add(parent, error)
            return nil
        }
    }

    /// A compound table: every field of `Row` present with a type that reads into it. Returns its row count.
    mutating func table<Row: CompoundRow>(_ parent: some Container, _ name: String, of type: Row.Type) -> Int? {
        guard let dataset = open(parent, name) else { return nil }
        do {
            let shape = try dataset.shape()
            guard shape.count == 1 else {
                add(dataset, "has shape \(shape), expected one dimension (rows)")
                return nil
            }
            let missing = TraceSchema.missingFields(of: Row.self, storedAs: try dataset.typeDescription())
            guard missing.isEmpty else {
                add(dataset, "missing field\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
                return nil
            }
            // Reading no rows checks every field's type without reading data.
            _ = try dataset.readRows(0..<0, as: Row.self)
            return shape[0]
        } catch {
            add(dataset, error)
            return nil
        }
    }

    /// A one-dimensional Int64 dimension scale with `rows` entries.
    mutating func coordinate(_ parent: some Container, _ name: String, rows: Int?) {
        guard let (dataset, shape) = numeric(parent, name, kind: "int64", rank: 1) else { return }
        do {
            if !(try dataset.isDimensionScale()) { add(dataset, "is not a dimension scale") }
        } catch {
            add(dataset, error)
        }
        if let rows, shape[0] != rows {
            add(dataset, "has \(shape[0]) entries but the table it labels has \(rows) rows")
        }
    }

    /// A numeric dataset of `kind` and `rank`; returns its shape.
    mutating func dataset(_ parent: some Container, _ name: String, kind: String, rank: Int) -> [Int]? {
        numeric(parent, name, kind: kind, rank: rank)?.shape
    }

    /// A numeric dataset of `kind` and `rank`, with its shape.
    mutating func numeric(
        _ parent: some Container, _ name: String, kind: String, rank: Int
    ) -> (dataset: Dataset, shape: [Int])? {
        guard let dataset = open(parent, name) else { return nil }
        do {
            let stored = try dataset.typeDescription()
            let shape = try dataset.shape()
            guard stored == kind, shape.count == rank else {
                add(dataset, "holds \(stored) of shape \(shape), expected \(kind) with \(rank) dimension(s)")
                return nil
            }
            return (dataset, shape)
        } catch {
            add(dataset, error)
            return nil
        }
    }

}
