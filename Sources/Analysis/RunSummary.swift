import HDF5
import Recording

/// One run of a trace, reduced to what the overfitting comparison needs (PAPER.md, "The overfitting gap").
public struct RunSummary: Sendable, Codable, Equatable {
    /// The run's group name, such as `adanorm-s0`.
    public var id: String
    /// The trace file it came from.
    public var file: String
    public var preset: String
    public var seed: Int64
    /// `completed`, `diverged`, `interrupted` or `running` (a trace still being written, or a killed recorder's).
    public var status: String
    public var completedSteps: Int64
    /// The step whose loss or gradient was not finite, for diverged runs.
    public var divergedAtStep: Int64?
    /// Evaluations recorded.
    public var evaluationCount: Int
    public var finalTrainLoss: Double
    public var finalValidLoss: Double
    public var finalValidAccuracy: Double
    public var bestValidLoss: Double
    public var bestValidStep: Int64
    public var bestValidAccuracy: Double
    /// valid − train loss at the last evaluation.
    public var gapAtEnd: Double
    /// valid − train loss at the evaluation with the best validation loss.
    public var gapAtBest: Double
    /// The mean gap over the last 10% of evaluations (at least one).
    public var gapLastTenth: Double

    /// What the run's normalization detaches and adds (from its `norm_*` settings), nil when not recorded: which
    /// identities of Theorem 1 its gradients must satisfy.
    public var normalization: NormalizationSettings?

    /// Reads one run group, with its evaluations binned into at most `bins` chart points. `evals` is read block by
    /// block, twice: it is small, and its finite rows must be counted before the last 10% of them is known.
    ///
    /// - Returns: also the error that made `evals` unreadable, if it was (its fields are then NaN), so that the
    ///   caller can report it and still use the run's gradient statistics.
    static func read(
        group: Group, id: String, file: String, bins: Int, blockRows: Int = BlockReader.defaultBlockRows
    ) throws(HDF5Error) -> (summary: RunSummary, series: BinnedSeries, problem: HDF5Error?) {
        let preset = (try? group.attribute("preset", as: String.self)) ?? id
        let seed = (try? group.attribute("seed", as: Int64.self)) ?? -1
        let status = (try? group.attribute(TraceFormat.Names.status, as: String.self)) ?? "unknown"
        let completed = (try? group.attribute(TraceFormat.Names.completedSteps, as: Int64.self)) ?? 0
        let diverged = (try? group.attribute(TraceFormat.Names.divergedStep, as: Int64.self)) ?? -1
        // A missing or unreadable `evals` leaves the loss fields NaN (and is reported by the caller) so that the
        // run's gradient statistics are still summarized.
        var problem: HDF5Error?
        let dataset: Dataset?
        do throws(HDF5Error) {
            dataset = try group.openDataset(TraceFormat.Names.evals)
        } catch {
            dataset = nil
            problem = error
        }
        let count = (try? dataset?.rowCount()) ?? 0
        var finiteCount = 0
        var last: EvaluationRow?
        var best: EvaluationRow?
        var series = BinnedSeries(
            names: ["train_loss", "valid_loss", "gap", "valid_accuracy"], rowCount: count, bins: bins)
        let reader = dataset.map { BlockReader($0, blockRows: blockRows) }
        do throws(HDF5Error) {
            try reader?.forEachRow(as: EvaluationRow.self) { row, index in
                if let bin = series.beginRow(index: index, step: row.step) {
                    series.add(0, row.trainLoss, bin: bin)
                    series.add(1, row.validLoss, bin: bin)
                    series.add(2, row.gap, bin: bin)
                    series.add(3, row.validAccuracy, bin: bin)
                }
                guard row.validLoss.isFinite, row.trainLoss.isFinite else { return }
                finiteCount += 1
                last = row
                if best.map({ row.validLoss < $0.validLoss }) ?? true { best = row }
            }
        } catch {
            problem = error
            finiteCount = 0
            last = nil
            best = nil
            series = BinnedSeries(names: series.names, rowCount: 0, bins: 0)
        }
        series.finish()
        // The last 10% of the finite evaluations (at least one), by position among them.
        let tailStart = finiteCount - max(1, finiteCount / 10)
        var seen = 0
        var tail = FiniteMean()
        if finiteCount > 0, let reader {
            try reader.forEachRow(as: EvaluationRow.self) { row, _ in
                guard row.validLoss.isFinite, row.trainLoss.isFinite else { return }
                if seen >= tailStart { tail.add(row.gap) }
                seen += 1
            }
        }
        let summary = RunSummary(
            id: id, file: file, preset: preset, seed: seed, status: status, completedSteps: completed,
            divergedAtStep: diverged >= 0 ? diverged : nil, evaluationCount: count,
            finalTrainLoss: last?.trainLoss ?? .nan, finalValidLoss: last?.validLoss ?? .nan,
            finalValidAccuracy: last?.validAccuracy ?? .nan, bestValidLoss: best?.validLoss ?? .nan,
            bestValidStep: best?.step ?? -1, bestValidAccuracy: best?.validAccuracy ?? .nan,
            gapAtEnd: last?.gap ?? .nan, gapAtBest: best?.gap ?? .nan, gapLastTenth: tail.mean,
            normalization: NormalizationSettings(group: group))
        return (summary, series, problem)
    }
}

/// The normalization settings of a run that decide which identities of Theorem 1 its gradients satisfy.
public struct NormalizationSettings: Sendable, Codable, Equatable {
    /// Whether the layers normalize at all (false for the `none` preset).
    public var normalizes: Bool
    /// `mean` (LayerNorm family) or `none` (RMSNorm).
    public var centering: String
    public var detachMean: Bool
    public var detachStandardDeviation: Bool
    /// `adanorm` or `none`.
    public var adaptive: String
    /// AdaNorm's C; nil for other variants.
    public var scale: Double?

    /// From the run attributes `norm_normalizes`, `norm_centering`, `norm_detach_mean`, `norm_detach_std`,
    /// `norm_adaptive`, `norm_adanorm_scale` (strings, as `normscope record` writes them); nil if any of the first
    /// four is missing.
    init?(group: Group) {
        func text(_ name: String) -> String? { try? group.attribute(name, as: String.self) }
        guard let normalizes = text("norm_normalizes"), let centering = text("norm_centering"),
            let detachMean = text("norm_detach_mean"), let detachStd = text("norm_detach_std")
        else { return nil }
        self.normalizes = normalizes == "true"
        self.centering = centering
        self.detachMean = detachMean == "true"
        detachStandardDeviation = detachStd == "true"
        adaptive = text("norm_adaptive") ?? "none"
        scale = text("norm_adanorm_scale").flatMap(Double.init)
    }
}

/// A quantity over a preset's runs: mean, sample standard deviation and n — never a number without its n.
public struct Aggregate: Sendable, Codable, Equatable {
    public var mean: Double
    /// Sample standard deviation (n − 1); NaN for n < 2.
    public var standardDeviation: Double
    public var count: Int

    public init(_ values: [Double]) {
        let finite = values.filter(\.isFinite)
        let average = finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        count = finite.count
        mean = average
        standardDeviation =
            finite.count < 2
            ? .nan
            : (finite.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(finite.count - 1)).squareRoot()
    }

    /// `mean ± sd (n)`.
    public func formatted(_ digits: Int = 4) -> String {
        guard count > 0 else { return "—" }
        let m = String(format: "%.\(digits)f", mean)
        return standardDeviation.isFinite
            ? "\(m) ± \(String(format: "%.\(digits)f", standardDeviation)) (\(count))" : "\(m) (\(count))"
    }
}

/// A preset's runs aggregated over seeds.
public struct PresetSummary: Sendable, Codable, Equatable {
    public var preset: String
    public var runs: Int
    public var diverged: Int
    public var finalValidLoss: Aggregate
    public var finalValidAccuracy: Aggregate
    public var bestValidLoss: Aggregate
    public var bestValidAccuracy: Aggregate
    public var gapAtEnd: Aggregate
    public var gapAtBest: Aggregate
    public var gapLastTenth: Aggregate

    /// Aggregates the runs of one preset.
    public init(preset: String, runs: [RunSummary]) {
        self.preset = preset
        self.runs = runs.count
        diverged = runs.filter { $0.divergedAtStep != nil }.count
        finalValidLoss = Aggregate(runs.map(\.finalValidLoss))
        finalValidAccuracy = Aggregate(runs.map(\.finalValidAccuracy))
        bestValidLoss = Aggregate(runs.map(\.bestValidLoss))
        bestValidAccuracy = Aggregate(runs.map(\.bestValidAccuracy))
        gapAtEnd = Aggregate(runs.map(\.gapAtEnd))
        gapAtBest = Aggregate(runs.map(\.gapAtBest))
        gapLastTenth = Aggregate(runs.map(\.gapLastTenth))
    }
}
