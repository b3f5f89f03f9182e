import Recording

/// What a recorded value can be, and the test a row must pass before any statistic uses it.
///
/// The bounds are not guesses about training: they follow from how the recorder computes each field. The engine is
/// Float32, so no loss or gradient element exceeds `Float.greatestFiniteMagnitude`; the ratios and shares are
/// quotients of other fields of the same row (`recenter_ratio = total_rowmean_abs / direct_rowmean_abs`, …) and are
/// written as exactly that quotient, so a value that disagrees with its own row cannot be right; fractions and
/// accuracies are shares of counts; cosines are cosines. NaN means "not available" (a layer without gain, a
/// diverged step) and is allowed; ±inf and out-of-range finite values are not. A flipped byte in a stored Double
/// almost always breaks one of these.
enum RowValidation {
    /// The largest magnitude a Float32 engine can produce for one element.
    static let floatMax = Double(Float.greatestFiniteMagnitude)
    /// Relative agreement required between a stored quotient and the quotient of its stored operands.
    static let quotientTolerance = 1e-9

    /// `value` in `range`, or NaN. Returns the problem as a phrase, nil when fine.
    ///
    /// Inlined, its message left out of line: a gradient row makes 32 of these tests, every row of a 1 GB trace
    /// 200 million, and as calls they were a tenth of `analyze`'s time.
    @inline(__always)
    static func check(_ name: String, _ value: Double, _ range: ClosedRange<Double>) -> String? {
        if value.isNaN || range.contains(value) { return nil }
        return outOfRange(name, value, range)
    }

    @inline(never)
    private static func outOfRange(_ name: String, _ value: Double, _ range: ClosedRange<Double>) -> String {
        "\(name) = \(describe(value)) (expected \(describe(range.lowerBound)) … \(describe(range.upperBound)))"
    }

    /// A stored quotient against `numerator / denominator` of the same row; skipped when the quotient is not finite
    /// (0/0 at a step with a zero direct part), so it only ever rejects values that disagree with their own row.
    @inline(__always)
    static func quotient(_ name: String, _ stored: Double, _ numerator: Double, _ denominator: Double) -> String? {
        let expected = numerator / denominator
        guard expected.isFinite else { return nil }
        if stored.isNaN || abs(stored - expected) <= quotientTolerance * abs(expected) + 1e-300 { return nil }
        return disagreement(name, stored, expected)
    }

    @inline(never)
    private static func disagreement(_ name: String, _ stored: Double, _ expected: Double) -> String {
        "\(name) = \(describe(stored)) disagrees with its own row (\(describe(expected)))"
    }

    /// A number short enough for a message, exact enough to recognize.
    static func describe(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value != 0, abs(value) >= 1e6 || abs(value) < 1e-4 { return String(format: "%.3g", value) }
        return String(format: "%.6g", value)
    }

    /// The first problem among `candidates` (each a check's result).
    static func first(_ candidates: String?...) -> String? {
        candidates.lazy.compactMap { $0 }.first
    }

    static let nonNegative = 0.0...floatMax
    static let fraction = 0.0...1.0
    static let cosine = (-1.0 - 1e-9)...(1.0 + 1e-9)
    static let float = -floatMax...floatMax
}

/// A row of a trace table that can say why it cannot be right.
protocol ValidatedRow: Sendable {
    /// The first impossible value of the row, as a phrase naming the column, or nil.
    var problem: String? { get }
    var step: Int64 { get }
}

extension StepRow: ValidatedRow {
    var problem: String? {
        typealias V = RowValidation
        if step < 0 { return "step = \(step) (expected ≥ 0)" }
        // One row per training step: plain `if`s, no allocation for a row that passes.
        if let p = V.check("loss", loss, V.nonNegative) { return p }
        if let p = V.check("learning_rate", learningRate, 0...Double.greatestFiniteMagnitude) { return p }
        if let p = V.check("grad_norm", gradientNorm, 0...Double.greatestFiniteMagnitude) { return p }
        return V.check("seconds", seconds, 0...1e9)
    }
}

extension EvaluationRow: ValidatedRow {
    var problem: String? {
        typealias V = RowValidation
        if step < 0 { return "step = \(step) (expected ≥ 0)" }
        if let problem = V.first(
            V.check("train_loss", trainLoss, V.nonNegative), V.check("valid_loss", validLoss, V.nonNegative),
            V.check("train_accuracy", trainAccuracy, V.fraction),
            V.check("valid_accuracy", validAccuracy, V.fraction), V.check("gap", gap, V.float),
            V.check("test_loss", testLoss, V.nonNegative), V.check("test_accuracy", testAccuracy, V.fraction))
        {
            return problem
        }
        let expected = validLoss - trainLoss
        if expected.isFinite, !gap.isNaN, abs(gap - expected) > 1e-9 * max(abs(validLoss), abs(trainLoss)) + 1e-300 {
            return "gap = \(V.describe(gap)) disagrees with valid_loss − train_loss (\(V.describe(expected)))"
        }
        return nil
    }
}

extension NormStepRow: ValidatedRow {
    // Read for every row of every layer: one `if` per field and no arrays, so a row that passes costs no
    // allocation (a list of (name, value) pairs here halved the speed of `analyze` on a 1 GB trace).
    var problem: String? {
        typealias V = RowValidation
        if step < 0 { return "step = \(step) (expected ≥ 0)" }
        if rows < 0 || width < 0 { return "rows × width = \(rows) × \(width) (expected ≥ 0)" }
        let elements = Double(max(1, rows)) * Double(max(1, width))
        let norm = 0.0...(V.floatMax * elements.squareRoot())
        let variance = 0.0...(V.floatMax * V.floatMax)
        if let p = V.check("total_norm", totalNorm, norm) { return p }
        if let p = V.check("direct_norm", directNorm, norm) { return p }
        if let p = V.check("recenter_norm", recenteringNorm, norm) { return p }
        if let p = V.check("rescale_norm", rescalingNorm, norm) { return p }
        if let p = V.check("upstream_norm", upstreamNorm, norm) { return p }
        if let p = V.check("gain_norm", gainNorm, norm) { return p }
        if let p = V.check("gain_grad_norm", gainGradientNorm, norm) { return p }
        if let p = V.check("bias_norm", biasNorm, norm) { return p }
        if let p = V.check("bias_grad_norm", biasGradientNorm, norm) { return p }
        if let p = V.check("total_rowmean_abs", totalRowMeanAbs, V.nonNegative) { return p }
        if let p = V.check("direct_rowmean_abs", directRowMeanAbs, V.nonNegative) { return p }
        if let p = V.check("recenter_rowmean_abs", recenteringRowMeanAbs, V.nonNegative) { return p }
        if let p = V.check("rescale_rowmean_abs", rescalingRowMeanAbs, V.nonNegative) { return p }
        if let p = V.check("upstream_rowmean_abs", upstreamRowMeanAbs, V.nonNegative) { return p }
        if let p = V.check("mean_sigma", meanSigma, V.nonNegative) { return p }
        if let p = V.check("total_rowvar", totalRowVariance, variance) { return p }
        if let p = V.check("direct_rowvar", directRowVariance, variance) { return p }
        if let p = V.check("recenter_rowvar", recenteringRowVariance, variance) { return p }
        if let p = V.check("rescale_rowvar", rescalingRowVariance, variance) { return p }
        if let p = V.check("upstream_rowvar", upstreamRowVariance, variance) { return p }
        if let p = V.check("direct_plus_recenter_rowvar", directPlusRecenteringRowVariance, variance) { return p }
        if let p = V.check("cos_total_direct", cosineTotalDirect, V.cosine) { return p }
        if let p = V.check("mean_mu", meanMu, V.float) { return p }
        if let p = V.check("gain_mean", gainMean, V.float) { return p }
        if let p = V.check("recenter_ratio", recenterRatio, V.nonNegative) { return p }
        if let p = V.check("rescale_ratio", rescaleRatio, V.nonNegative) { return p }
        if let p = V.check("recenter_share", recenteringShare, V.nonNegative) { return p }
        if let p = V.check("rescale_share", rescalingShare, V.nonNegative) { return p }
        if let p = V.quotient("recenter_ratio", recenterRatio, totalRowMeanAbs, directRowMeanAbs) { return p }
        if let p = V.quotient("rescale_ratio", rescaleRatio, totalRowVariance, directPlusRecenteringRowVariance) {
            return p
        }
        if let p = V.quotient("recenter_share", recenteringShare, recenteringNorm, directNorm) { return p }
        return V.quotient("rescale_share", rescalingShare, rescalingNorm, directNorm)
    }
}

extension PhiStepRow: ValidatedRow {
    var problem: String? {
        typealias V = RowValidation
        if step < 0 { return "step = \(step) (expected ≥ 0)" }
        let values: [(String, Double)] = [
            ("min", minimum), ("q01", q01), ("q05", q05), ("q25", q25), ("q50", q50), ("q75", q75), ("q95", q95),
            ("q99", q99), ("max", maximum), ("mean", mean),
        ]
        for (name, value) in values { if let problem = V.check(name, value, V.float) { return problem } }
        if let problem = V.first(
            V.check("sd", standardDeviation, V.nonNegative),
            V.check("fraction_nonpositive", fractionNonPositive, V.fraction))
        {
            return problem
        }
        // min ≤ quantiles ≤ max and min ≤ mean ≤ max: every one of them is a statistic of the same elements.
        let ordered = values.dropLast().filter { !$0.1.isNaN }
        for (a, b) in zip(ordered, ordered.dropFirst()) where a.1 > b.1 {
            return "\(a.0) = \(V.describe(a.1)) above \(b.0) = \(V.describe(b.1))"
        }
        if !mean.isNaN, !minimum.isNaN, !maximum.isNaN, mean < minimum || mean > maximum {
            return "mean = \(V.describe(mean)) outside min … max (\(V.describe(minimum)) … \(V.describe(maximum)))"
        }
        if !standardDeviation.isNaN, !minimum.isNaN, !maximum.isNaN, standardDeviation > maximum - minimum {
            return "sd = \(V.describe(standardDeviation)) above max − min = \(V.describe(maximum - minimum))"
        }
        return nil
    }
}
