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

    /// Reads one run group.
    ///
    /// - Throws: `HDF5Error` naming the file and object when a required table or attribute is missing or unreadable.
    public init(group: Group, id: String, file: String) throws(HDF5Error) {
        self.id = id
        self.file = file
        preset = (try? group.attribute("preset", as: String.self)) ?? id
        seed = (try? group.attribute("seed", as: Int64.self)) ?? -1
        status = (try? group.attribute("status", as: String.self)) ?? "unknown"
        completedSteps = (try? group.attribute("completed_steps", as: Int64.self)) ?? 0
        let diverged = (try? group.attribute("diverged_step", as: Int64.self)) ?? -1
        divergedAtStep = diverged >= 0 ? diverged : nil
        let evals = try group.openDataset("evals").read(as: EvaluationRow.self)
        evaluationCount = evals.count
        let finite = evals.filter { $0.validLoss.isFinite && $0.trainLoss.isFinite }
        let last = finite.last
        let best = finite.min { $0.validLoss < $1.validLoss }
        finalTrainLoss = last?.trainLoss ?? .nan
        finalValidLoss = last?.validLoss ?? .nan
        finalValidAccuracy = last?.validAccuracy ?? .nan
        bestValidLoss = best?.validLoss ?? .nan
        bestValidStep = best?.step ?? -1
        bestValidAccuracy = best?.validAccuracy ?? .nan
        gapAtEnd = last?.gap ?? .nan
        gapAtBest = best?.gap ?? .nan
        let tail = finite.suffix(max(1, finite.count / 10))
        gapLastTenth = tail.isEmpty ? .nan : tail.map(\.gap).reduce(0, +) / Double(tail.count)
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
        bestValidLoss = Aggregate(runs.map(\.bestValidLoss))
        bestValidAccuracy = Aggregate(runs.map(\.bestValidAccuracy))
        gapAtEnd = Aggregate(runs.map(\.gapAtEnd))
        gapAtBest = Aggregate(runs.map(\.gapAtBest))
        gapLastTenth = Aggregate(runs.map(\.gapLastTenth))
    }
}
