import HDF5
import Recording

/// Means of AdaNorm's Φ(y) statistics over a window of recorded steps.
public struct PhiWindow: Sendable, Codable, Equatable {
    /// Recorded steps in the window.
    public var steps: Int
    /// Mean of Φ: C when the layer's rows are centred (⟨y⟩ = 0 ⇒ ⟨Φ⟩ = C(1 − k⟨y⟩) = C).
    public var mean: Double
    public var standardDeviation: Double
    public var q05: Double, q50: Double, q95: Double
    /// Share of elements with Φ ≤ 0 (y ≥ 1/k), where AdaNorm's factor flips or zeroes the gradient.
    public var fractionNonPositive: Double
    /// The smallest and largest Φ seen in the window.
    public var minimum: Double
    public var maximum: Double
}

/// One adaptive layer's Φ(y) over training: early and late windows (first and last 10% of recorded steps) and the
/// check that its mean stays C.
public struct PhiSummary: Sendable, Codable, Equatable {
    /// How close ⟨Φ⟩ must be to C, relative to C: the mean is a closed-form Double reduction of Float32 values.
    public static let relativeTolerance = 1e-6

    /// AdaNorm's C from the run's settings (`norm_adanorm_scale`), nil when not recorded.
    public var scale: Double?
    /// Rows of `phi` (steps at which Φ was recorded) whose values passed the checks.
    public var recordedSteps: Int
    /// Rows left out because they failed the checks (listed under `damaged`).
    public var excludedSteps: Int
    public var early: PhiWindow
    public var late: PhiWindow
    /// The smallest and largest |⟨Φ⟩ − C| over the recorded steps; NaN without C.
    public var minMeanDeviation: Double
    public var maxMeanDeviation: Double
    /// Recorded steps with |⟨Φ⟩ − C| ≤ relativeTolerance · C.
    public var stepsMeanAtScale: Int
    /// The largest share of Φ ≤ 0 at any recorded step.
    public var maxFractionNonPositive: Double

    static let seriesNames = ["mean", "sd", "q05", "q50", "q95", "fraction_nonpositive"]

    /// Reads `phi` of one layer group block by block: its summary, and `seriesNames` binned into `bins` points.
    /// Rows that fail the checks, or whose step is not after the previous one or beyond `lastStep`, are left out and
    /// returned as damage.
    static func read(
        group: Group, file: String, scale: Double?, lastStep: Int64, divergedStep: Int64?, bins: Int, blockRows: Int
    ) throws(HDF5Error) -> (PhiSummary, BinnedSeries, [DamagedObject]) {
        let dataset = try group.openDataset(TraceFormat.Names.phi)
        let count = try dataset.rowCount()
        let window = max(1, count / 10)
        var early = PhiWindowAccumulator()
        var late = PhiWindowAccumulator()
        var deviation = FiniteMean()
        var atScale = 0
        var nonPositive = FiniteMean()
        var series = BinnedSeries(names: seriesNames, rowCount: count, bins: bins)
        var screen = RowScreen(stepLimit: lastStep, divergedStep: divergedStep)
        try BlockReader(dataset, blockRows: blockRows).forEachScreenedRow(as: PhiStepRow.self) {
            row, index, plausible in
            guard screen.admit(row, index: index, stepIsIndex: false, plausible: plausible) else { return }
            if index < window { early.add(row) }
            if index >= count - window { late.add(row) }
            nonPositive.add(row.fractionNonPositive)
            if let bin = series.beginRow(index: index, step: row.step) {
                series.add(0, row.mean, bin: bin)
                series.add(1, row.standardDeviation, bin: bin)
                series.add(2, row.q05, bin: bin)
                series.add(3, row.q50, bin: bin)
                series.add(4, row.q95, bin: bin)
                series.add(5, row.fractionNonPositive, bin: bin)
            }
            if let scale, row.mean.isFinite {
                let gap = abs(row.mean - scale)
                deviation.add(gap)
                if gap <= relativeTolerance * abs(scale) { atScale += 1 }
            }
        }
        series.finish()
        let summary = PhiSummary(
            scale: scale, recordedSteps: count - screen.rejected, excludedSteps: screen.rejected, early: early.window, late: late.window,
            minMeanDeviation: deviation.min, maxMeanDeviation: deviation.max, stepsMeanAtScale: atScale,
            maxFractionNonPositive: nonPositive.max)
        return (summary, series, [screen.damage(file: file, object: dataset.objectPath)].compactMap { $0 })
    }
}

struct PhiWindowAccumulator {
    private var steps = 0
    private var mean = FiniteMean(), sd = FiniteMean(), q05 = FiniteMean(), q50 = FiniteMean(), q95 = FiniteMean()
    private var nonPositive = FiniteMean(), minimum = FiniteMean(), maximum = FiniteMean()

    mutating func add(_ row: PhiStepRow) {
        steps += 1
        mean.add(row.mean)
        sd.add(row.standardDeviation)
        q05.add(row.q05)
        q50.add(row.q50)
        q95.add(row.q95)
        nonPositive.add(row.fractionNonPositive)
        minimum.add(row.minimum)
        maximum.add(row.maximum)
    }

    var window: PhiWindow {
        PhiWindow(
            steps: steps, mean: mean.mean, standardDeviation: sd.mean, q05: q05.mean, q50: q50.mean, q95: q95.mean,
            fractionNonPositive: nonPositive.mean, minimum: minimum.min, maximum: maximum.max)
    }
}

/// Φ(y) histograms over training, reduced to at most `columns` time columns for a heat map: each column sums the
/// counts of consecutive recorded steps and holds, per Φ bin, the share of elements that fell in it.
public struct PhiHeatMap: Sendable, Equatable {
    /// Column boundaries in steps: the first step of each column, then one past the last step.
    public var stepEdges: [Double]
    /// Row boundaries in Φ: the recorded `phi_edges` extended by one bin width on each side, so the first and last
    /// rows show the histogram's under- and overflow (Φ below the first edge, e.g. Φ < 0; Φ at or above the last).
    public var valueEdges: [Double]
    /// `fractions[column][row]`, each column summing to 1; NaN for a column without counts.
    public var fractions: [[Double]]

    /// Histogram rows left out because their counts cannot be right, when there were any.
    public var damage: DamagedObject?

    /// The bound on one step's count of elements: far above any layer's rows × width here.
    static let maximumCount: Int64 = 1 << 40

    /// Reads `phi_hist` into the columns, leaving out rows whose counts cannot be right.
    init(group: Group, file: String, columns: Int, blockRows: Int) throws(HDF5Error) {
        let histogram = try group.openDataset(TraceFormat.Names.phiHistogram)
        let shape = try histogram.shape()
        let edges = try BlockReader(group.openDataset(TraceFormat.Names.phiEdges)).all(as: Double.self)
        guard shape.count == 2, shape[1] == edges.count + 1, edges.count >= 2 else {
            throw HDF5Error(
                code: .badShape, operation: "analyze", filePath: histogram.filePath, objectPath: histogram.objectPath,
                message: "shape \(shape) does not match \(edges.count) phi_edges (expected [steps, \(edges.count + 1)])"
            )
        }
        let stepData = try group.openDataset(TraceFormat.Names.phiStep)
        let rows = shape[0]
        // A damaged layer could have more steps than histogram rows; every step must land in a column.
        guard try stepData.rowCount() == rows else {
            throw HDF5Error(
                code: .badShape, operation: "analyze", filePath: stepData.filePath, objectPath: stepData.objectPath,
                message: "\(try stepData.rowCount()) steps for \(rows) rows of phi_hist (expected equal lengths)")
        }
        let width = shape[1]
        let columnCount = min(columns, rows)
        var counts = Array(repeating: Array(repeating: 0.0, count: width), count: columnCount)
        var firstSteps = Array(repeating: Double.nan, count: columnCount)
        var lastStep = Double.nan
        var spacing = 1.0
        // phi_hist is read in blocks of whole rows like every table; its row is bins + 2 counts wide. At least a
        // chunk of them: a block inside a chunk would have the chunk inflated again for the next block.
        let histogramBlock = max(blockRows * 8 / max(8, width), try histogram.chunkShape()?.first ?? 1, 1)
        var rejected = 0
        var firstRejected: Int?
        var blocks = try BlockReader(histogram, blockRows: histogramBlock).blocks(as: Int64.self)
        while let (block, first) = try blocks.next() {
            for r in 0..<(block.count / width) {
                let row = block[(r * width)..<((r + 1) * width)]
                // A count is never negative, and no step of these models has 2⁴⁰ elements in one layer: a row
                // beyond either holds a damaged number. (Totals may differ between steps: the last batch of an
                // epoch can be smaller.)
                guard row.allSatisfy({ $0 >= 0 && $0 < Self.maximumCount }),
                    row.reduce(0, +) < Self.maximumCount
                else {
                    rejected += 1
                    if firstRejected == nil { firstRejected = first + r }
                    continue
                }
                let column = (first + r) * columnCount / rows
                for c in 0..<width { counts[column][c] += Double(row[row.startIndex + c]) }
            }
        }
        damage = firstRejected.map { row in
            DamagedObject(
                file: file, object: histogram.objectPath,
                problem: "counts that cannot be right: row \(row) has a negative count or more than 2⁴⁰ elements",
                rows: rejected)
        }
        try BlockReader(stepData, blockRows: blockRows).forEachRow(as: Int64.self) { step, index in
            let column = index * columnCount / max(1, rows)
            if firstSteps[column].isNaN { firstSteps[column] = Double(step) }
            if index > 0, !lastStep.isNaN { spacing = max(1, Double(step) - lastStep) }
            lastStep = Double(step)
        }
        stepEdges = columnCount == 0 ? [] : firstSteps + [lastStep + spacing]
        let low = edges[0] - (edges[1] - edges[0])
        let high = edges[edges.count - 1] + (edges[edges.count - 1] - edges[edges.count - 2])
        valueEdges = [low] + edges + [high]
        fractions = counts.map { column in
            let total = column.reduce(0, +)
            return total > 0 ? column.map { $0 / total } : column.map { _ in .nan }
        }
    }
}
