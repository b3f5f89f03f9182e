import HDF5
import Recording

/// Means of a norm layer's gradient-part statistics over a window of steps (PAPER.md "What to record").
public struct GradientWindow: Sendable, Codable, Equatable {
    /// Steps averaged (rows with a finite value).
    public var steps: Int
    /// rowmean_abs of the total gradient and of its direct part: re-centering drives the first towards 0.
    public var totalRowMeanAbs: Double
    public var directRowMeanAbs: Double
    /// rowmean_abs(t) / rowmean_abs(d).
    public var recenterRatio: Double
    /// rowvar(d + c + s) / rowvar(d + c): below 1 where the σ-derivative re-scales.
    public var rescaleRatio: Double
    /// ‖c‖/‖d‖ and ‖s‖/‖d‖.
    public var recenteringShare: Double
    public var rescalingShare: Double
    /// cos(t, d).
    public var cosineTotalDirect: Double

    /// Averages `rows` (non-finite values are skipped per field).
    init(_ rows: ArraySlice<NormStepRow>) {
        func mean(_ value: (NormStepRow) -> Double) -> Double {
            let values = rows.map(value).filter(\.isFinite)
            return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        }
        steps = rows.count
        totalRowMeanAbs = mean(\.totalRowMeanAbs)
        directRowMeanAbs = mean(\.directRowMeanAbs)
        recenterRatio = mean(\.recenterRatio)
        rescaleRatio = mean(\.rescaleRatio)
        recenteringShare = mean(\.recenteringShare)
        rescalingShare = mean(\.rescalingShare)
        cosineTotalDirect = mean(\.cosineTotalDirect)
    }
}

/// One layer of one run: its statistics early (first 10% of steps) and late (last 10%) in training.
public struct LayerGradientSummary: Sendable, Codable, Equatable {
    public var layer: String
    public var early: GradientWindow
    public var late: GradientWindow

    /// Reads `norms/<layer>/grad` in blocks of `blockRows` rows, keeping only the two windows, so memory stays
    /// at most one block plus the windows whatever the trace's length.
    init(group: Group, layer: String, blockRows: Int = 8192) throws(HDF5Error) {
        let dataset = try group.openDataset("grad")
        let count = try dataset.rowCount()
        let window = max(1, count / 10)
        var early: [NormStepRow] = []
        var late: [NormStepRow] = []
        var start = 0
        while start < count {
            let end = min(count, start + blockRows)
            let block = try dataset.readRows(start..<end, as: NormStepRow.self)
            for (offset, row) in block.enumerated() {
                let index = start + offset
                if index < window { early.append(row) }
                if index >= count - window { late.append(row) }
            }
            start = end
        }
        self.layer = layer
        self.early = GradientWindow(early[...])
        self.late = GradientWindow(late[...])
    }
}

/// A preset's late-training gradient statistics, averaged over its layers per run, then over runs.
public struct PresetGradientSummary: Sendable, Codable, Equatable {
    public var preset: String
    public var recenterRatio: Aggregate
    public var rescaleRatio: Aggregate
    public var recenteringShare: Aggregate
    public var rescalingShare: Aggregate
    public var cosineTotalDirect: Aggregate

    init(preset: String, runs: [[LayerGradientSummary]]) {
        func perRun(_ value: (GradientWindow) -> Double) -> [Double] {
            runs.map { layers in
                let values = layers.map { value($0.late) }.filter(\.isFinite)
                return values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
            }
        }
        self.preset = preset
        recenterRatio = Aggregate(perRun(\.recenterRatio))
        rescaleRatio = Aggregate(perRun(\.rescaleRatio))
        recenteringShare = Aggregate(perRun(\.recenteringShare))
        rescalingShare = Aggregate(perRun(\.rescalingShare))
        cosineTotalDirect = Aggregate(perRun(\.cosineTotalDirect))
    }
}
