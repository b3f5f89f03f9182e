import HDF5
import Recording

/// Means of a norm layer's gradient-part statistics over a window of steps (analysis/METHODS.md, "Recorded statistics").
public struct GradientWindow: Sendable, Codable, Equatable {
    /// Steps in the window.
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
    /// rowvar of t, d, c and s: the re-scaling measure of each part (Theorem 1's D).
    public var totalRowVariance: Double
    public var directRowVariance: Double
    public var recenteringRowVariance: Double
    public var rescalingRowVariance: Double
    /// The forward pass's mean |μ|/σ over the layer input's rows (`abs_mean_over_std`): how much re-centering moves
    /// a row in units of its spread; NaN for a trace recorded before the field existed.
    public var absMeanOverStd: Double
}

/// Running means for a `GradientWindow`; non-finite values (a diverged step) are skipped per field.
struct GradientWindowAccumulator {
    private var steps = 0
    private var total = FiniteMean(), direct = FiniteMean(), recenter = FiniteMean(), rescale = FiniteMean()
    private var recenterShare = FiniteMean(), rescaleShare = FiniteMean(), cosine = FiniteMean()
    private var totalVariance = FiniteMean(), directVariance = FiniteMean()
    private var recenterVariance = FiniteMean(), rescaleVariance = FiniteMean()
    private var absMeanOverStd = FiniteMean()

    mutating func add(_ row: NormStepRow) {
        steps += 1
        total.add(row.totalRowMeanAbs)
        direct.add(row.directRowMeanAbs)
        recenter.add(row.recenterRatio)
        rescale.add(row.rescaleRatio)
        recenterShare.add(row.recenteringShare)
        rescaleShare.add(row.rescalingShare)
        cosine.add(row.cosineTotalDirect)
        totalVariance.add(row.totalRowVariance)
        directVariance.add(row.directRowVariance)
        recenterVariance.add(row.recenteringRowVariance)
        rescaleVariance.add(row.rescalingRowVariance)
        absMeanOverStd.add(row.absMeanOverStd)
    }

    var window: GradientWindow {
        GradientWindow(
            steps: steps, totalRowMeanAbs: total.mean, directRowMeanAbs: direct.mean, recenterRatio: recenter.mean,
            rescaleRatio: rescale.mean, recenteringShare: recenterShare.mean, rescalingShare: rescaleShare.mean,
            cosineTotalDirect: cosine.mean, totalRowVariance: totalVariance.mean,
            directRowVariance: directVariance.mean, recenteringRowVariance: recenterVariance.mean,
            rescalingRowVariance: rescaleVariance.mean, absMeanOverStd: absMeanOverStd.mean)
    }
}

/// One layer of one run: its statistics early (first 10% of steps) and late (last 10%) in training, the evidence
/// for Theorem 1 over every step, and (AdaNorm) its Φ(y) summary.
public struct LayerGradientSummary: Sendable, Codable, Equatable {
    public var layer: String
    /// Position in the model (the layer attribute `index`), −1 if not recorded.
    public var index: Int
    /// Feature width H, −1 if not recorded.
    public var width: Int
    public var early: GradientWindow
    public var late: GradientWindow
    public var theorem: TheoremEvidence
    /// Present for layers with an adaptive factor that recorded `phi`.
    public var phi: PhiSummary?
    /// Present for layers that recorded DyT's α (`alpha`, `saturated_share`), which have no mean or variance
    /// derivative to split off.
    public var dynamicTanh: DynamicTanhSummary?
}

/// DyT's learned scale α and the share of elements in tanh's saturated region (|α x| > 2), as means over the first
/// and the last 10% of steps (the same windows as `GradientWindow`'s), finite values only.
public struct DynamicTanhSummary: Sendable, Codable, Equatable {
    public var earlyAlpha: Double
    public var lateAlpha: Double
    public var earlySaturatedShare: Double
    public var lateSaturatedShare: Double
}

/// Running means for a `DynamicTanhSummary`; nil when no row recorded α.
struct DynamicTanhAccumulator {
    private var earlyAlpha = FiniteMean(), lateAlpha = FiniteMean()
    private var earlyShare = FiniteMean(), lateShare = FiniteMean()
    private var recorded = false

    mutating func add(_ row: NormStepRow, early: Bool, late: Bool) {
        guard row.alpha.isFinite else { return }
        recorded = true
        if early {
            earlyAlpha.add(row.alpha)
            earlyShare.add(row.saturatedShare)
        }
        if late {
            lateAlpha.add(row.alpha)
            lateShare.add(row.saturatedShare)
        }
    }

    var summary: DynamicTanhSummary? {
        guard recorded else { return nil }
        return DynamicTanhSummary(
            earlyAlpha: earlyAlpha.mean, lateAlpha: lateAlpha.mean, earlySaturatedShare: earlyShare.mean,
            lateSaturatedShare: lateShare.mean)
    }
}

/// Per step of one layer, the identities of Theorem 1 that hold for some variant, counted over every finite step.
///
/// Each is an exact per-row identity stated through the recorded ratios (analysis/METHODS.md, "Theorem 1"): t̄ = 0 for every
/// row ⇔ recenter_ratio = 0; t̄ = ḡ/σ (= d̄, as d = g/σ) ⇔ recenter_ratio = 1; D_t = D_(d+c) (= D_g/σ²) ⇔
/// rescale_ratio = 1; D_t ≤ D_g/σ² ⇔ rescale_ratio ≤ 1. Without centering (RMSNorm, ScaleNorm) the re-scaling part
/// takes away the gradient's component along y instead, so ‖t‖ ≤ ‖d‖ ⇔ total_norm/direct_norm ≤ 1 (= 1 with σ
/// detached). Which one a run must satisfy depends on what it centres and detaches.
public struct TheoremEvidence: Sendable, Codable, Equatable {
    /// How close a ratio must be to its exact value: the statistics are closed-form Double reductions of Float32
    /// gradients, exact up to rounding.
    public static let tolerance = 1e-6

    /// Steps with a finite recenter_ratio / rescale_ratio.
    public var recenterSteps = 0
    public var rescaleSteps = 0
    /// Steps where recenter_ratio ≤ tolerance, and where |recenter_ratio − 1| ≤ tolerance.
    public var recenterZeroSteps = 0
    public var recenterOneSteps = 0
    /// Steps where rescale_ratio ≤ 1 + tolerance, and where |rescale_ratio − 1| ≤ tolerance.
    public var rescaleAtMostOneSteps = 0
    public var rescaleOneSteps = 0
    /// Extremes over the finite steps (NaN when there are none).
    public var recenterRatioMin = Double.nan, recenterRatioMax = Double.nan
    public var rescaleRatioMin = Double.nan, rescaleRatioMax = Double.nan
    /// Steps with a finite total_norm / direct_norm; where it is ≤ 1 + tolerance, and where within tolerance of 1;
    /// its extremes.
    public var normSteps = 0
    public var normAtMostOneSteps = 0
    public var normOneSteps = 0
    public var normRatioMin = Double.nan, normRatioMax = Double.nan
    /// Steps left out because their row failed the checks (listed under `damaged`).
    public var excludedSteps = 0

    mutating func add(_ row: NormStepRow) {
        let tolerance = Self.tolerance
        if row.recenterRatio.isFinite {
            let r = row.recenterRatio
            recenterSteps += 1
            if abs(r) <= tolerance { recenterZeroSteps += 1 }
            if abs(r - 1) <= tolerance { recenterOneSteps += 1 }
            recenterRatioMin = recenterRatioMin.isNaN ? r : min(recenterRatioMin, r)
            recenterRatioMax = recenterRatioMax.isNaN ? r : max(recenterRatioMax, r)
        }
        if row.rescaleRatio.isFinite {
            let r = row.rescaleRatio
            rescaleSteps += 1
            if r <= 1 + tolerance { rescaleAtMostOneSteps += 1 }
            if abs(r - 1) <= tolerance { rescaleOneSteps += 1 }
            rescaleRatioMin = rescaleRatioMin.isNaN ? r : min(rescaleRatioMin, r)
            rescaleRatioMax = rescaleRatioMax.isNaN ? r : max(rescaleRatioMax, r)
        }
        let normRatio = row.totalNorm / row.directNorm
        if normRatio.isFinite {
            normSteps += 1
            if normRatio <= 1 + tolerance { normAtMostOneSteps += 1 }
            if abs(normRatio - 1) <= tolerance { normOneSteps += 1 }
            normRatioMin = normRatioMin.isNaN ? normRatio : min(normRatioMin, normRatio)
            normRatioMax = normRatioMax.isNaN ? normRatio : max(normRatioMax, normRatio)
        }
    }
}

/// The per-step quantities a layer's charts show, binned (`LayerGradientSummary.seriesNames`).
extension LayerGradientSummary {
    static let seriesNames = [
        "total_norm", "direct_norm", "recenter_norm", "rescale_norm", "recenter_ratio", "rescale_ratio",
        "cos_total_direct", "abs_mean_over_std",
    ]

    /// What reading one layer gave; `summary` is nil when its `grad` table was set aside as damaged.
    struct Read {
        var summary: LayerGradientSummary?
        var series: BinnedSeries?
        var phiSeries: BinnedSeries?
        var phiMap: PhiHeatMap?
        var problems: [HDF5Error] = []
        var damage: [DamagedObject] = []
    }

    /// Reads `norms/<layer>/grad` block by block (`BlockReader`), keeping running sums for the two windows, the
    /// Theorem 1 counts and `bins` chart points — memory does not grow with the trace's length — and the layer's Φ(y)
    /// tables when it has them. Rows whose values cannot be right (`ValidatedRow`) are left out of every statistic
    /// and counted as damage; a table whose length differs from the run's steps is set aside whole, since its
    /// windows would not be the run's first and last 10%.
    ///
    /// - Parameters:
    ///   - scale: AdaNorm's C, the expected mean of Φ, when the run recorded it.
    ///   - stepRows: the rows every per-step table of the run has (its `steps` table), when known.
    ///   - divergedStep: the step at which the run diverged, whose rows are not checked (see `RowScreen`).
    static func read(
        group: Group, layer: String, file: String, scale: Double?, stepRows: Int?, divergedStep: Int64? = nil,
        bins: Int, blockRows: Int = BlockReader.defaultBlockRows
    ) throws(HDF5Error) -> Read {
        let dataset = try group.openDataset(TraceFormat.Names.grad)
        let count = try dataset.rowCount()
        if let stepRows, count != stepRows {
            return Read(damage: [
                DamagedObject(
                    file: file, object: dataset.objectPath,
                    problem: "\(count) rows for the run's \(stepRows) steps (expected one row per step); the layer's "
                        + "gradient statistics are left out")
            ])
        }
        let window = max(1, count / 10)
        var early = GradientWindowAccumulator()
        var late = GradientWindowAccumulator()
        var dynamicTanh = DynamicTanhAccumulator()
        var theorem = TheoremEvidence()
        var screen = RowScreen(divergedStep: divergedStep)
        var series = BinnedSeries(names: seriesNames, rowCount: count, bins: bins)
        try BlockReader(dataset, blockRows: blockRows).forEachScreenedRow(as: NormStepRow.self) {
            row, index, plausible in
            guard screen.admit(row, index: index, stepIsIndex: true, plausible: plausible) else { return }
            if index < window { early.add(row) }
            if index >= count - window { late.add(row) }
            dynamicTanh.add(row, early: index < window, late: index >= count - window)
            theorem.add(row)
            guard let bin = series.beginRow(index: index, step: row.step) else { return }
            series.add(0, row.totalNorm, bin: bin)
            series.add(1, row.directNorm, bin: bin)
            series.add(2, row.recenteringNorm, bin: bin)
            series.add(3, row.rescalingNorm, bin: bin)
            series.add(4, row.recenterRatio, bin: bin)
            series.add(5, row.rescaleRatio, bin: bin)
            series.add(6, row.cosineTotalDirect, bin: bin)
            series.add(7, row.absMeanOverStd, bin: bin)
        }
        series.finish()
        theorem.excludedSteps = screen.rejected
        var read = Read(series: series)
        if let found = screen.damage(file: file, object: dataset.objectPath) { read.damage.append(found) }
        // Φ(y) is reported on its own: a damaged `phi` or `phi_hist` costs the layer its Φ summary or heat map,
        // not its gradient statistics.
        var phi: PhiSummary?
        if try group.exists(TraceFormat.Names.phi) {
            let lastStep = Int64(stepRows ?? count) - 1
            do throws(HDF5Error) {
                let (summary, phiSeries, damage) = try PhiSummary.read(
                    group: group, file: file, scale: scale, lastStep: lastStep, divergedStep: divergedStep, bins: bins,
                    blockRows: blockRows)
                (phi, read.phiSeries) = (summary, phiSeries)
                read.damage += damage
            } catch {
                read.problems.append(error)
            }
            do throws(HDF5Error) {
                let map = try PhiHeatMap(group: group, file: file, columns: min(bins, 160), blockRows: blockRows)
                read.phiMap = map
                if let damage = map.damage { read.damage.append(damage) }
            } catch {
                read.problems.append(error)
            }
        }
        // The layer's position and width are shown as they are, so they must be numbers they can be; either may be
        // absent (−1).
        var checked = CheckedAttributes(group: group, file: file)
        let index = checked.has("index") ? checked.integer("index", 0...1_000_000).map(Int.init) ?? -1 : -1
        let width = checked.has("width") ? checked.integer("width", 1...(1 << 31)).map(Int.init) ?? -1 : -1
        read.damage += checked.damage
        read.summary = LayerGradientSummary(
            layer: layer, index: index, width: width, early: early.window, late: late.window, theorem: theorem,
            phi: phi, dynamicTanh: dynamicTanh.summary)
        return read
    }
}

/// A group's late-training gradient statistics, averaged over its layers per run, then over runs.
public struct GroupGradientSummary: Sendable, Codable, Equatable {
    public var group: String
    public var recenterRatio: Aggregate
    public var rescaleRatio: Aggregate
    public var recenteringShare: Aggregate
    public var rescalingShare: Aggregate
    public var cosineTotalDirect: Aggregate
    /// The forward pass's `abs_mean_over_std`, late in training.
    public var absMeanOverStd: Aggregate

    init(group: String, runs: [[LayerGradientSummary]]) {
        func perRun(_ value: (GradientWindow) -> Double) -> [Double] {
            runs.map { layers in FiniteMean(layers.map { value($0.late) }).mean }
        }
        self.group = group
        recenterRatio = Aggregate(perRun(\.recenterRatio))
        rescaleRatio = Aggregate(perRun(\.rescaleRatio))
        recenteringShare = Aggregate(perRun(\.recenteringShare))
        rescalingShare = Aggregate(perRun(\.rescalingShare))
        cosineTotalDirect = Aggregate(perRun(\.cosineTotalDirect))
        absMeanOverStd = Aggregate(perRun(\.absMeanOverStd))
    }
}
