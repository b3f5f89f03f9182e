import HDF5

/// The open groups and datasets of one run, with their pending rows: the writer thread's view of
/// `runs/<id>/`. Not `Sendable`; created, used and closed on the writer thread only.
final class RunTables {
    typealias Names = TraceFormat.Names

    /// What the run was begun with.
    let run: RunDescription
    /// `runs/<id>`.
    let group: Group
    /// `steps` and `step`, and every layer's `grad`: always the same number of rows, written together.
    let steps: AppendBuffer<StepRow>
    /// The `step` coordinate.
    let stepScale: AppendBuffer<Int64>
    /// `evals` and `eval_step`.
    let evaluations: AppendBuffer<EvaluationRow>
    /// The `eval_step` coordinate.
    let evaluationScale: AppendBuffer<Int64>
    /// One per normalization layer, in model order.
    let layers: [LayerTables]
    /// Set by `finishRun`; nil while the run is running.
    var outcome: RunStatusAttributes?
    /// Whether `beginRun` was called (live mode creates declared runs before they begin).
    var isBegun = false
    /// Filters the tables' chunks on every core; nil: HDF5's filters do, inside each append.
    let encoder: ChunkEncoder?

    /// Creates the run's group, attributes and (empty) datasets, with status "running".
    /// - Parameters:
    ///   - file: the trace.
    ///   - run: the run's description (validated by the caller).
    ///   - layout: the layout of every appendable dataset.
    ///   - encoder: what filters the chunks when HDF5 does not.
    init(in file: File, run: RunDescription, layout: DatasetLayout, encoder: ChunkEncoder?) throws(HDF5Error) {
        self.run = run
        self.encoder = encoder
        let here = encoder != nil
        group = try file.createGroup("\(Names.runs)/\(run.id)")
        for key in run.attributes.keys.sorted() {
            try group.setAttributeValue(key, run.attributes[key]!)
        }
        try group.setAttribute(Names.config, run.configurationJSON)
        try group.setJSONAttribute(Names.normLayers, run.normLayers.map(\.name))
        if let priorLoss = run.priorLoss { try group.setAttribute(Names.priorLoss, priorLoss) }
        try Self.writeOutcome(RunStatusAttributes(status: .running, divergedAtStep: nil, completedSteps: 0), on: group)

        let stepsDataset = try group.createDataset(Names.steps, of: StepRow.self, shape: [0], layout: layout)
        let stepDataset = try group.createDataset(Names.step, of: Int64.self, shape: [0], layout: layout)
        try stepDataset.makeDimensionScale(name: Names.step)
        try Self.attach(stepDataset, to: stepsDataset, label: Names.step)
        steps = try AppendBuffer(stepsDataset, filtersChunks: here)
        stepScale = try AppendBuffer(stepDataset, filtersChunks: here)

        let evalsDataset = try group.createDataset(Names.evals, of: EvaluationRow.self, shape: [0], layout: layout)
        let evalStepDataset = try group.createDataset(Names.evalStep, of: Int64.self, shape: [0], layout: layout)
        try evalStepDataset.makeDimensionScale(name: Names.evalStep)
        try Self.attach(evalStepDataset, to: evalsDataset, label: Names.evalStep)
        evaluations = try AppendBuffer(evalsDataset, filtersChunks: here)
        evaluationScale = try AppendBuffer(evalStepDataset, filtersChunks: here)

        let normsGroup = try group.createGroup(Names.norms)
        var layers: [LayerTables] = []
        for (index, layer) in run.normLayers.enumerated() {
            layers.append(
                try LayerTables(
                    in: normsGroup, layer: layer, index: index, stepScale: stepDataset, layout: layout,
                    filtersChunks: here))
        }
        self.layers = layers
        try normsGroup.close()
    }

    /// Makes `scale` the coordinate of axis 0 of `dataset`, and labels that axis, so h5py shows `dims[0]` as
    /// `step` and netCDF-aware readers see a labelled coordinate.
    static func attach(_ scale: Dataset, to dataset: Dataset, label: String) throws(HDF5Error) {
        try dataset.attachDimensionScale(scale, axis: 0)
        try dataset.setDimensionLabel(label, axis: 0)
    }

    // MARK: - Rows

    /// Buffers one step: its `steps` row, its coordinate, and each layer's rows.
    func add(step row: StepRow, norms: [NormStepRow], phi: [PhiRecord]) {
        steps.add(row)
        stepScale.add(row.step)
        for (layer, normRow) in zip(layers, norms) {
            layer.grad.add(normRow)
        }
        for record in phi {
            layers[record.layerIndex].phi?.add(record)
        }
    }

    /// Buffers one evaluation.
    func add(evaluation row: EvaluationRow) {
        evaluations.add(row)
        evaluationScale.add(row.step)
    }

    /// Appends (or, with `encoder`, hands over for filtering) every group of datasets whose pending rows fill a
    /// chunk. Datasets that share a coordinate are always written together, so their row counts agree in the file
    /// at every moment the file can be read: at each flush, after `writeAll`.
    func writeFullChunks(chunkRows: Int) throws(HDF5Error) {
        var groups: [[any ChunkStore]] = []
        if steps.fillsChunk(chunkRows) { groups.append(stepTables) }
        if evaluations.fillsChunk(chunkRows) { groups.append([evaluations, evaluationScale]) }
        for layer in layers {
            if let phi = layer.phi, phi.rows.fillsChunk(chunkRows) { groups.append(phi.stores) }
        }
        for stores in groups {
            if let encoder { try encoder.submitWholeChunks(stores) } else { for store in stores { try store.write() } }
        }
        try encoder?.storeFinished()
    }

    /// Appends every pending row.
    func writeAll() throws(HDF5Error) {
        let stores = stepTables + [evaluations, evaluationScale] + layers.flatMap { $0.phi?.stores ?? [] }
        if let encoder { try encoder.writeAll(stores) } else { for store in stores { try store.write() } }
    }

    /// `steps`, `step` and every `grad`, always written together.
    private var stepTables: [any ChunkStore] { [steps, stepScale] + layers.map(\.grad) }

    /// Steps recorded so far, written or pending.
    var recordedSteps: Int64 { Int64(steps.writtenRows + steps.pendingRows) }

    // MARK: - Status

    /// Writes `status`, `completed_steps` and `diverged_step` on a run group.
    static func writeOutcome(_ outcome: RunStatusAttributes, on group: Group) throws(HDF5Error) {
        try group.setAttribute(Names.status, outcome.status.rawValue)
        try group.setAttribute(Names.completedSteps, outcome.completedSteps)
        try group.setAttribute(Names.divergedStep, outcome.divergedAtStep ?? -1)
        if let reason = outcome.divergenceReason { try group.setAttribute(Names.divergedReason, reason) }
    }

    /// Closes every dataset and group of the run, so that closing the file really closes it (HDF5 keeps a file
    /// open while any object in it is open) and reports its errors.
    func close() throws(HDF5Error) {
        for layer in layers { try layer.close() }
        try steps.dataset.close()
        try stepScale.dataset.close()
        try evaluations.dataset.close()
        try evaluationScale.dataset.close()
        try group.close()
    }
}

/// How a run ended as its group's attributes record it (`status`, `completed_steps`, `diverged_step`,
/// `diverged_reason`): what `finishRun` writes. (The trainer's `RunOutcome` adds the wall-clock time.)
struct RunStatusAttributes: Sendable {
    var status: RunStatus
    var divergedAtStep: Int64?
    var completedSteps: Int64
    var divergenceReason: String? = nil
}

/// One normalization layer's datasets: `norms/<layer>/`.
final class LayerTables {
    typealias Names = TraceFormat.Names

    /// `norms/<layer>`.
    let group: Group
    /// The per-step gradient statistics, aligned with the run's `steps`.
    let grad: AppendBuffer<NormStepRow>
    /// The Φ(y) datasets of an adaptive layer.
    let phi: PhiTables?
    /// Raw gradient samples (`raw_parts`, `raw_step`) when the layer has `rawRows` > 0.
    let raw: (parts: AppendBuffer<Float>, scale: AppendBuffer<Int64>)?

    /// Creates the layer's group, attributes and datasets; `grad` gets the run's `step` as its scale.
    init(
        in norms: Group, layer: NormLayerDescription, index: Int, stepScale: Dataset, layout: DatasetLayout,
        filtersChunks: Bool
    ) throws(HDF5Error) {
        group = try norms.createGroup(layer.name)
        try group.setAttribute(Names.layerIndex, Int64(index))
        try group.setAttribute(Names.width, Int64(layer.width))
        let gradDataset = try group.createDataset(Names.grad, of: NormStepRow.self, shape: [0], layout: layout)
        try RunTables.attach(stepScale, to: gradDataset, label: Names.step)
        grad = try AppendBuffer(gradDataset, filtersChunks: filtersChunks)
        if let edges = layer.phiEdges {
            phi = try PhiTables(in: group, edges: edges, layout: layout, filtersChunks: filtersChunks)
        } else {
            phi = nil
        }
        if layer.rawRows > 0 {
            // One sample per chunk, uncompressed: samples are written as they come and never rewritten, which is
            // what keeps a killed recorder's file consistent.
            let single = DatasetLayout.appendable(chunkRows: 1, compression: .none)
            let parts = try group.createDataset(
                Names.rawParts, of: Float.self, shape: [0, 4, layer.rawRows, layer.width], layout: single)
            try parts.setAttribute("parts", "total, direct, recentering, rescaling")
            let steps = try group.createDataset(Names.rawStep, of: Int64.self, shape: [0], layout: single)
            try steps.makeDimensionScale(name: Names.rawStep)
            try RunTables.attach(steps, to: parts, label: Names.rawStep)
            try Self.labelRawAxes(of: parts, in: group, rows: layer.rawRows, width: layer.width)
            raw = (try AppendBuffer(parts, rowWidth: 4 * layer.rawRows * layer.width), try AppendBuffer(steps))
        } else {
            raw = nil
        }
    }

    /// Gives axes 1–3 of `raw_parts` their scales `part`, `row` and `feature`, written once: netCDF readers
    /// (h5netcdf, netCDF-C, so xarray with either engine) refuse a variable with one axis labelled and others not.
    private static func labelRawAxes(of parts: Dataset, in group: Group, rows: Int, width: Int) throws(HDF5Error) {
        let scales = [
            try group.createDataset(Names.rawPart, strings: Names.rawPartNames),
            try group.createDataset(Names.rawRow, values: (0..<rows).map(Int64.init)),
            try group.createDataset(Names.feature, values: (0..<width).map(Int64.init)),
        ]
        for (axis, (scale, name)) in zip(scales, [Names.rawPart, Names.rawRow, Names.feature]).enumerated() {
            try scale.makeDimensionScale(name: name)
            try parts.attachDimensionScale(scale, axis: axis + 1)
            try parts.setDimensionLabel(name, axis: axis + 1)
            try scale.close()
        }
    }

    /// Writes one raw sample at once.
    func addRaw(step: Int64, values: [Float]) throws(HDF5Error) {
        guard let raw else { return }
        raw.parts.add(row: values)
        raw.scale.add(step)
        try raw.parts.write()
        try raw.scale.write()
    }

    /// Closes the layer's datasets and group.
    func close() throws(HDF5Error) {
        try grad.dataset.close()
        try phi?.close()
        try raw?.parts.dataset.close()
        try raw?.scale.dataset.close()
        try group.close()
    }
}

/// An adaptive layer's Φ(y) datasets: `phi`, `phi_hist`, their coordinate `phi_step`, and the fixed `phi_edges` and
/// `phi_bin`.
final class PhiTables {
    typealias Names = TraceFormat.Names

    /// `phi`.
    let rows: AppendBuffer<PhiStepRow>
    /// `phi_hist`, `bins + 2` columns per row.
    let histogram: AppendBuffer<Int64>
    /// `phi_step`, the coordinate of both.
    let scale: AppendBuffer<Int64>
    private let edges: Dataset
    private let bins: Dataset

    /// Creates the Φ datasets of a layer with histogram bin edges `edges`.
    init(in group: Group, edges: [Double], layout: DatasetLayout, filtersChunks: Bool) throws(HDF5Error) {
        let columns = edges.count + 1
        let rowsDataset = try group.createDataset(Names.phi, of: PhiStepRow.self, shape: [0], layout: layout)
        let histogramDataset = try group.createDataset(
            Names.phiHistogram, of: Int64.self, shape: [0, columns], layout: layout)
        let scaleDataset = try group.createDataset(Names.phiStep, of: Int64.self, shape: [0], layout: layout)
        self.edges = try group.createDataset(Names.phiEdges, values: edges)
        // A scale of its own, so netCDF readers see a coordinate variable instead of an anonymous dimension.
        try self.edges.makeDimensionScale(name: Names.phiEdges)
        try histogramDataset.setAttribute(Names.phiEdges, edges)
        try scaleDataset.makeDimensionScale(name: Names.phiStep)
        try RunTables.attach(scaleDataset, to: rowsDataset, label: Names.phiStep)
        try RunTables.attach(scaleDataset, to: histogramDataset, label: Names.phiStep)
        // Axis 1 has bins + 2 columns against bins + 1 edges, so the edges cannot be its scale. Its own scale holds
        // each column's lower edge (−∞ for "below"): netCDF readers (h5netcdf, xarray) refuse a dataset with one
        // axis scaled and another not.
        let binDataset = try group.createDataset(Names.phiBin, values: [-Double.infinity] + edges)
        try binDataset.makeDimensionScale(name: Names.phiBin)
        try histogramDataset.attachDimensionScale(binDataset, axis: 1)
        try histogramDataset.setDimensionLabel(Names.phiBin, axis: 1)
        self.bins = binDataset
        rows = try AppendBuffer(rowsDataset, filtersChunks: filtersChunks)
        histogram = try AppendBuffer(histogramDataset, rowWidth: columns, filtersChunks: filtersChunks)
        scale = try AppendBuffer(scaleDataset, filtersChunks: filtersChunks)
    }

    /// Buffers one step's Φ summary and histogram.
    func add(_ record: PhiRecord) {
        rows.add(record.row)
        histogram.add(row: record.counts)
        scale.add(record.row.step)
    }

    /// `phi`, `phi_hist` and `phi_step`, appended together.
    var stores: [any ChunkStore] { [rows, histogram, scale] }

    /// Closes the Φ datasets.
    func close() throws(HDF5Error) {
        try rows.dataset.close()
        try histogram.dataset.close()
        try scale.dataset.close()
        try edges.close()
        try bins.close()
    }
}
