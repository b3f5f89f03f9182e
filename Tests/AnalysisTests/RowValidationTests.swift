import Recording
import Testing

@testable import Analysis

/// What a recorded value can be: the checks behind every `damaged:` entry.
@Suite("Row validation and grouping")
struct RowValidationTests {
    /// A gradient row as the recorder writes it: ratios equal to their own row's quotients.
    private func gradRow(_ step: Int64) -> NormStepRow {
        var row = NormStepRow(step: step)
        (row.rows, row.width) = (16, 8)
        (row.totalNorm, row.directNorm, row.recenteringNorm, row.rescalingNorm) = (0.9, 1.0, 0.2, 0.3)
        (row.totalRowMeanAbs, row.directRowMeanAbs) = (0.0, 0.05)
        (row.totalRowVariance, row.directPlusRecenteringRowVariance) = (0.8, 1.0)
        (row.directRowVariance, row.recenteringRowVariance, row.rescalingRowVariance) = (1.0, 0.01, 0.02)
        (row.upstreamNorm, row.upstreamRowMeanAbs, row.upstreamRowVariance) = (1.1, 0.1, 1.2)
        row.recenterRatio = row.totalRowMeanAbs / row.directRowMeanAbs
        row.rescaleRatio = row.totalRowVariance / row.directPlusRecenteringRowVariance
        row.recenteringShare = row.recenteringNorm / row.directNorm
        row.rescalingShare = row.rescalingNorm / row.directNorm
        (row.cosineTotalDirect, row.meanMu, row.meanSigma) = (0.95, 0.01, 1.3)
        return row
    }

    @Test("a recorded row passes; NaN (not available) passes; each kind of impossible value is named")
    func gradientRows() {
        #expect(gradRow(3).problem == nil)
        var absent = gradRow(3)
        (absent.gainNorm, absent.biasNorm) = (.nan, .nan)
        #expect(absent.problem == nil)
        var huge = gradRow(3)
        huge.recenterRatio = 7.7e299
        #expect(huge.problem?.hasPrefix("recenter_ratio = 7.7e+299 (expected 0 …") == true, "\(huge.problem ?? "")")
        // A small change (a flipped low exponent bit) is still caught: the ratio no longer equals its quotient.
        var off = gradRow(3)
        off.rescaleRatio *= 2
        #expect(off.problem?.contains("rescale_ratio = 1.6 disagrees with its own row (0.8)") == true)
        var negative = gradRow(3)
        negative.directRowVariance = -1
        #expect(negative.problem?.hasPrefix("direct_rowvar = -1") == true)
        var cosine = gradRow(3)
        cosine.cosineTotalDirect = 1.5
        #expect(cosine.problem?.hasPrefix("cos_total_direct = 1.5") == true)
        var infinite = gradRow(3)
        infinite.totalNorm = .infinity
        #expect(infinite.problem?.hasPrefix("total_norm = inf") == true)
    }

    @Test("evaluations: accuracy in [0, 1], losses ≥ 0, gap = valid − train")
    func evaluationRows() {
        let good = EvaluationRow(step: 5, trainLoss: 0.5, trainAccuracy: 0.9, validLoss: 0.7, validAccuracy: 0.8)
        #expect(good.problem == nil)
        var accuracy = good
        accuracy.validAccuracy = 3
        #expect(accuracy.problem?.hasPrefix("valid_accuracy = 3") == true)
        var gap = good
        gap.gap = 5
        #expect(gap.problem?.contains("disagrees with valid_loss − train_loss") == true)
    }

    @Test("Φ rows: quantiles between min and max, mean inside, sd at most the range")
    func phiRows() {
        let good = PhiStepRow(
            step: 0, mean: 2, standardDeviation: 0.2, minimum: 1.4, maximum: 2.6, fractionNonPositive: 0,
            quantiles: [1.5, 1.6, 1.8, 2, 2.2, 2.4, 2.5])
        #expect(good.problem == nil)
        var order = good
        order.q50 = 2.3
        #expect(order.problem == "q50 = 2.3 above q75 = 2.2")
        var huge = good
        huge.mean = 8e206
        #expect(huge.problem?.hasPrefix("mean = 8e+206 (expected") == true, "\(huge.problem ?? "")")
        var outside = good
        outside.mean = 3
        #expect(outside.problem?.hasPrefix("mean = 3 outside min … max") == true, "\(outside.problem ?? "")")
    }

    @Test("the screen: row i must be step i, steps must increase and stay within the run; a diverged step is kept")
    func screen() {
        var screen = RowScreen()
        var bad = gradRow(2)
        bad.recenterRatio = 1e300
        let admitted = [
            screen.admit(gradRow(0), index: 0, stepIsIndex: true),
            screen.admit(gradRow(5), index: 1, stepIsIndex: true),
            screen.admit(bad, index: 2, stepIsIndex: true),
        ]
        #expect(admitted == [true, false, false])
        let damage = screen.damage(file: "t.h5", object: "/runs/r/norms/n/grad")
        #expect(damage?.rows == 2)
        #expect(
            damage?.description == "t.h5: /runs/r/norms/n/grad: values that cannot be right: step = 5 at row 1 "
                + "(expected 1) (first of 2); 2 rows excluded")

        var evaluations = RowScreen(stepLimit: 30)
        let row = { (step: Int64) in
            EvaluationRow(step: step, trainLoss: 1, trainAccuracy: 0.5, validLoss: 1, validAccuracy: 0.5)
        }
        let kept = [
            evaluations.admit(row(10), index: 0, stepIsIndex: false),
            evaluations.admit(row(10), index: 1, stepIsIndex: false),
            evaluations.admit(row(40), index: 2, stepIsIndex: false),
        ]
        #expect(kept == [true, false, false])

        var diverged = RowScreen(divergedStep: 7)
        var last = gradRow(7)
        last.totalNorm = .infinity
        let divergedKept = diverged.admit(last, index: 7, stepIsIndex: true)
        #expect(divergedKept && diverged.damage(file: "", object: "") == nil)
    }

    @Test("automatic grouping: every setting that differs except the seed; labels in key order; --group-by keys")
    func grouping() {
        let runs: [[String: SettingValue]] = [
            [
                "preset": .string("layernorm"), "seed": .number(0), "lr": .number(0.001),
                "hidden": .array([.number(64)]),
            ],
            [
                "preset": .string("layernorm"), "seed": .number(1), "lr": .number(0.0003),
                "hidden": .array([.number(64)]),
            ],
            [
                "preset": .string("adanorm"), "seed": .number(0), "lr": .number(0.001), "hidden": .array([.number(64)]),
                "C": .number(1),
            ],
        ]
        let automatic = RunGrouping(automaticFor: runs)
        #expect(automatic.keys == ["C", "lr"] && automatic.automatic)
        #expect(automatic.label(preset: "layernorm", settings: runs[1]) == "layernorm C=— lr=0.0003")
        #expect(automatic.values(runs[0])["C"] == .null)
        let chosen = RunGrouping(keys: ["preset", "hidden"])
        #expect(
            chosen.keys == ["hidden"] && chosen.label(preset: "adanorm", settings: runs[2]) == "adanorm hidden=[64]")
    }

    @Test("a normalization override only some variants set is left out of the others' labels, kept in their own")
    func variantKeyLabels() {
        let runs: [[String: SettingValue]] = [
            ["preset": .string("layernorm"), "seed": .number(0), "lr": .number(0.001)],
            ["preset": .string("adanorm"), "seed": .number(0), "lr": .number(0.001), "adanorm_scale": .number(1)],
            ["preset": .string("adanorm"), "seed": .number(0), "lr": .number(0.0003), "adanorm_scale": .number(2)],
        ]
        let grouping = RunGrouping(automaticFor: runs)
        #expect(grouping.keys == ["adanorm_scale", "lr"])
        #expect(grouping.label(preset: "layernorm", settings: runs[0]) == "layernorm lr=0.001")
        #expect(grouping.label(preset: "adanorm", settings: runs[1]) == "adanorm adanorm_scale=1 lr=0.001")
        // Another key a run lacks still shows as absent: only normalization overrides are the variant's own.
        #expect(grouping.label(preset: "layernorm", settings: ["lr": .number(1)]).contains("lr=1"))
    }
}
