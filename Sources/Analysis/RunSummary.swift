import Foundation
import HDF5
import Layers
import Recording

/// One run of a trace, reduced to what the overfitting comparison needs: losses, accuracies and the gap between
/// validation and training loss.
public struct RunSummary: Sendable, Codable, Equatable {
    /// The run's group name in its file, such as `adanorm-s0`.
    public var id: String
    /// The trace file it came from.
    public var file: String
    /// The label that file was given on the command line (`A.h5:lr-sweep`), or nil.
    public var label: String? = nil
    /// The run's name in this summary, distinct among its runs (``RunNaming``): the id, `label:id` for a labelled
    /// file's run, `file:id` where runs of several files share the id. Keys `layers` and `series`.
    public var name: String = ""
    public var preset: String
    public var seed: Int64
    /// The group it is aggregated in: its preset and the values of the grouping keys (`layernorm lr=0.0003`).
    public var group: String = ""
    /// Every setting of the run (its `config`), flat: `lr`, `hidden`, `heads`, …
    public var settings: [String: SettingValue]
    /// `completed`, `diverged`, `interrupted` or `running` (a trace still being written, or a killed recorder's);
    /// `unknown` when the attribute is missing or damaged.
    public var status: RecordedStatus
    /// −1 when the attribute is missing or damaged.
    public var completedSteps: Int64
    /// Rows of the run's `steps` table, −1 when it cannot be read.
    public var stepRows: Int
    /// The step whose loss or gradient was not finite (or whose loss passed the divergence threshold), for
    /// diverged runs.
    public var divergedAtStep: Int64?
    /// Why the run counts as diverged: its recorded `diverged_reason`, or, for a run recorded as finished whose
    /// loss later passed the threshold (traces from before the recorder checked it), what analysis found.
    public var divergenceReason: String? = nil
    /// Whether analysis, not the recorder, found the divergence (the run's status was `completed`, or
    /// `interrupted`/`running`, in the file).
    public var divergenceFoundByAnalysis: Bool? = nil
    /// Evaluations recorded (rows of `evals`), and those whose values passed the checks and were used.
    public var evaluationCount: Int
    public var usedEvaluations: Int
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
    /// The held-out test split's loss and accuracy at the evaluation with the best validation loss: the result a
    /// paper reports. NaN when the trace did not measure the test split (traces from before it did, or an empty
    /// test split).
    public var testLossAtBest: Double = .nan
    public var testAccuracyAtBest: Double = .nan
    /// Whether the run trained a character language model (`model` = `char-lm`), whose losses are natural-log
    /// cross-entropies per byte: the tables then also give them in bits per character.
    public var isLanguageModel: Bool = false
    /// The data's prior loss (`prior_loss`): what a run that learned nothing stays at; nil when not recorded.
    public var priorLoss: Double? = nil

    /// What the run's normalization detaches and adds (from its `norm_*` settings), nil when not recorded: which
    /// identities of Theorem 1 its gradients must satisfy.
    public var normalization: NormalizationSettings?

    /// Whether the run ran to its end.
    public var isFinished: Bool { status == .completed || status == .diverged }

    /// A loss in nats per byte as bits per character (÷ ln 2), for language models; NaN for other models.
    func bitsPerCharacter(_ loss: Double) -> Double { isLanguageModel ? loss / M_LN2 : .nan }

    /// What reading one run group gave: its summary, its evaluations binned into chart points, the tables that
    /// could not be read at all, and the objects whose values failed the checks.
    struct Read {
        var summary: RunSummary
        var series: BinnedSeries
        var problems: [HDF5Error]
        var damage: [DamagedObject]
        /// Rows every per-step table of the run must have, when that is known.
        var stepRows: Int?
    }

    /// Reads one run group: its attributes (each checked for its type and range), its `steps` table (checked row by
    /// row and against the run's status), and its `evals` table block by block, twice — it is small, and its usable
    /// rows must be counted before the last 10% of them is known. Rows that fail the checks are left out of every
    /// statistic and counted as damage.
    static func read(
        group: Group, id: String, file: String, bins: Int, blockRows: Int = BlockReader.defaultBlockRows,
        formatVersion: Int64 = TraceFormat.version
    ) throws(HDF5Error) -> Read {
        let (settings, settingsDamage) = RunSettings.read(group: group, file: file)
        let attributes = RunAttributes(
            group: group, id: id, file: file, settings: settings, formatVersion: formatVersion)
        var damage = attributes.damage + [settingsDamage].compactMap { $0 }
        var problems: [HDF5Error] = []
        let (stepRows, stepDamage, stepProblem, blowUp) = Self.readSteps(
            group: group, file: file, attributes: attributes, settings: settings, blockRows: blockRows)
        damage += stepDamage
        if let stepProblem { problems.append(stepProblem) }
        // Evaluations and Φ rows must fall within the run's recorded steps.
        let lastStep = stepRows.map { Int64($0) - 1 }

        var dataset: Dataset?
        do throws(HDF5Error) {
            dataset = try group.openDataset(TraceFormat.Names.evals)
        } catch {
            problems.append(error)
        }
        let count = (try? dataset?.rowCount()) ?? 0
        let divergedStep = attributes.divergedStep >= 0 ? attributes.divergedStep : nil
        var screen = RowScreen(stepLimit: lastStep, divergedStep: divergedStep)
        let divergenceCutoff = blowUp?.step ?? divergedStep
        var used = 0
        var last: EvaluationRow?
        var best: EvaluationRow?
        var series = BinnedSeries(
            names: ["train_loss", "valid_loss", "gap", "valid_accuracy"], rowCount: count, bins: bins)
        let reader = dataset.map { BlockReader($0, blockRows: blockRows) }
        // Rows usable for the statistics: passed the checks, and both losses known.
        var usable: [Bool] = []
        do throws(HDF5Error) {
            try reader?.forEachScreenedRow(as: EvaluationRow.self) { row, index, plausible in
                let admitted = screen.admit(row, index: index, stepIsIndex: false, plausible: plausible)
                // An evaluation at step e measures the parameters step e + 1 trains on: from the step before the
                // divergence on, it measures the wreck, not the variant.
                let beforeBlowUp = divergenceCutoff.map { row.step + 1 < $0 } ?? true
                usable.append(admitted && beforeBlowUp && row.validLoss.isFinite && row.trainLoss.isFinite)
                guard admitted else { return }
                if let bin = series.beginRow(index: index, step: row.step) {
                    series.add(0, row.trainLoss, bin: bin)
                    series.add(1, row.validLoss, bin: bin)
                    series.add(2, row.gap, bin: bin)
                    series.add(3, row.validAccuracy, bin: bin)
                }
                guard usable[index] else { return }
                used += 1
                last = row
                if best.map({ row.validLoss < $0.validLoss }) ?? true { best = row }
            }
        } catch {
            problems.append(error)
            used = 0
            last = nil
            best = nil
            usable = []
            series = BinnedSeries(names: series.names, rowCount: 0, bins: 0)
        }
        series.finish()
        if let dataset, let found = screen.damage(file: file, object: dataset.objectPath) { damage.append(found) }
        // The last 10% of the usable evaluations (at least one), by position among them.
        let tailStart = used - max(1, used / 10)
        var seen = 0
        var tail = FiniteMean()
        if used > 0, let reader {
            try reader.forEachRow(as: EvaluationRow.self) { row, index in
                guard index < usable.count, usable[index] else { return }
                if seen >= tailStart { tail.add(row.gap) }
                seen += 1
            }
        }
        let diverged = blowUp?.step ?? attributes.divergedStep
        var summary = RunSummary(
            id: id, file: file, preset: attributes.preset, seed: attributes.seed, settings: settings,
            status: blowUp == nil ? attributes.status : .known(.diverged), completedSteps: attributes.completedSteps,
            stepRows: stepRows ?? -1,
            divergedAtStep: diverged >= 0 ? diverged : nil, evaluationCount: count, usedEvaluations: used,
            finalTrainLoss: last?.trainLoss ?? .nan, finalValidLoss: last?.validLoss ?? .nan,
            finalValidAccuracy: last?.validAccuracy ?? .nan, bestValidLoss: best?.validLoss ?? .nan,
            bestValidStep: best?.step ?? -1, bestValidAccuracy: best?.validAccuracy ?? .nan,
            gapAtEnd: last?.gap ?? .nan, gapAtBest: best?.gap ?? .nan, gapLastTenth: tail.mean,
            normalization: attributes.normalization)
        summary.testLossAtBest = best?.testLoss ?? .nan
        summary.testAccuracyAtBest = best?.testAccuracy ?? .nan
        summary.priorLoss = attributes.priorLoss
        if case .string(ModelKind.charLM.rawValue) = settings["model"] { summary.isLanguageModel = true }
        if let blowUp {
            summary.divergenceReason = blowUp.reason
            summary.divergenceFoundByAnalysis = true
        } else if attributes.status == .diverged {
            summary.divergenceReason = try? group.attribute(TraceFormat.Names.divergedReason, as: String.self)
        }
        return Read(summary: summary, series: series, problems: problems, damage: damage, stepRows: stepRows)
    }

    /// Checks the `steps` table row by row and its length against the run's status.
    ///
    /// - Returns: the rows every per-step table of the run must have (nil when the table cannot be read and the
    ///   status does not say), the damage found, and the error that made the table unreadable.
    private static func readSteps(
        group: Group, file: String, attributes: RunAttributes, settings: [String: SettingValue], blockRows: Int
    ) -> (rows: Int?, damage: [DamagedObject], problem: HDF5Error?, blowUp: LossBlowUp?) {
        let expected = attributes.expectedStepRows
        let fallback = expected.map { Int($0.lowerBound) }
        let dataset: Dataset
        var count = 0
        var screen = RowScreen(divergedStep: attributes.divergedStep >= 0 ? attributes.divergedStep : nil)
        var configured: Double?
        if case .number(let value) = settings["divergence_loss"] { configured = value }
        var watch = LossBlowUp.Watch(configured: configured)
        let alreadyDiverged = attributes.status == .diverged
        do throws(HDF5Error) {
            dataset = try group.openDataset(TraceFormat.Names.steps)
            count = try dataset.rowCount()
            try BlockReader(dataset, blockRows: blockRows).forEachScreenedRow(as: StepRow.self) {
                row, index, plausible in
                if screen.admit(row, index: index, stepIsIndex: true, plausible: plausible), !alreadyDiverged {
                    watch.add(row)
                }
            }
        } catch {
            return (fallback, [], error, nil)
        }
        var damage = [screen.damage(file: file, object: dataset.objectPath)].compactMap { $0 }
        if let expected, !expected.contains(Int64(count)) {
            damage.append(
                DamagedObject(
                    file: file, object: dataset.objectPath,
                    problem: "\(count) rows for a \(attributes.status) run of \(expected.lowerBound) recorded steps "
                        + "(expected equal); its per-step tables are checked against the steps table"))
        }
        return (count, damage, nil, watch.found)
    }
}

/// The normalization settings of a run that decide which identities of Theorem 1 its gradients satisfy.
public struct NormalizationSettings: Sendable, Codable, Equatable {
    /// Whether the layers normalize at all (false for the `none` preset).
    public var normalizes: Bool
    /// `mean` (LayerNorm family) or `none` (RMSNorm).
    public var centering: Centering
    public var detachMean: Bool
    public var detachStandardDeviation: Bool
    /// AdaNorm's factor, detached or not, or none.
    public var adaptive: AdaptiveKind
    /// AdaNorm's C; nil for other variants.
    public var scale: Double?

    /// The run attributes `norm_normalizes`, `norm_centering`, `norm_detach_mean`, `norm_detach_std`,
    /// `norm_adaptive` and `norm_adanorm_scale`, as `RunAttributes` read and checked them (text in format 1,
    /// typed in format 2).
    init(
        normalizes: Bool, centering: Centering, detachMean: Bool, detachStandardDeviation: Bool,
        adaptive: AdaptiveKind, scale: Double?
    ) {
        self.normalizes = normalizes
        self.centering = centering
        self.detachMean = detachMean
        self.detachStandardDeviation = detachStandardDeviation
        self.adaptive = adaptive
        self.scale = scale
    }
}
