import HDF5

// The per-step tables of the trace format (analysis/TRACE_FORMAT.md). Each is a compound row, so h5py reads a
// structured array and pandas a DataFrame in one line; field names are the pandas column names.

/// One training step: `runs/<run>/steps`.
public struct StepRow: CompoundRow, Equatable, Sendable {
    /// The optimizer step, from 0.
    public var step: Int64
    /// The minibatch loss before the update.
    public var loss: Double
    /// The learning rate the update used.
    public var learningRate: Double
    /// The global L2 norm of all parameter gradients (before clipping).
    public var gradientNorm: Double
    /// Seconds since the run started.
    public var seconds: Double

    public init(step: Int64, loss: Double, learningRate: Double, gradientNorm: Double, seconds: Double) {
        self.step = step
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.seconds = seconds
    }

    public static let fields: [CompoundField<StepRow>] = [
        .init("step", \.step), .init("loss", \.loss), .init("learning_rate", \.learningRate),
        .init("grad_norm", \.gradientNorm), .init("seconds", \.seconds),
    ]
}

/// One evaluation, in evaluation mode, on the fixed training subset, the validation set and the held-out test set:
/// `runs/<run>/evals`. The test columns came later: tables written before them read as NaN there (not measured),
/// as does a run whose test split is empty.
public struct EvaluationRow: CompoundRow, Equatable, Sendable {
    public var step: Int64
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validLoss: Double
    public var validAccuracy: Double
    /// `validLoss − trainLoss`, the overfitting gap.
    public var gap: Double
    public var testLoss: Double
    public var testAccuracy: Double

    public init(
        step: Int64, trainLoss: Double, trainAccuracy: Double, validLoss: Double, validAccuracy: Double,
        testLoss: Double = .nan, testAccuracy: Double = .nan
    ) {
        self.step = step
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validLoss = validLoss
        self.validAccuracy = validAccuracy
        self.gap = validLoss - trainLoss
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
    }

    public static let fields: [CompoundField<EvaluationRow>] = [
        .init("step", \.step), .init("train_loss", \.trainLoss), .init("train_accuracy", \.trainAccuracy),
        .init("valid_loss", \.validLoss), .init("valid_accuracy", \.validAccuracy), .init("gap", \.gap),
        .init("test_loss", \.testLoss, whenAbsent: .nan), .init("test_accuracy", \.testAccuracy, whenAbsent: .nan),
    ]

    public static func == (a: EvaluationRow, b: EvaluationRow) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.step == b.step && same(a.trainLoss, b.trainLoss) && same(a.trainAccuracy, b.trainAccuracy)
            && same(a.validLoss, b.validLoss) && same(a.validAccuracy, b.validAccuracy) && same(a.gap, b.gap)
            && same(a.testLoss, b.testLoss) && same(a.testAccuracy, b.testAccuracy)
    }
}

/// One normalization layer's gradient statistics for one step (analysis/METHODS.md, "Recorded statistics"):
/// `runs/<run>/norms/<layer>/grad`. Absent quantities (no gain, no bias) are NaN.
public struct NormStepRow: CompoundRow, Equatable, Sendable {
    public var step: Int64
    public var rows: Int64
    public var width: Int64
    public var totalNorm: Double, totalRowMeanAbs: Double, totalRowVariance: Double
    public var directNorm: Double, directRowMeanAbs: Double, directRowVariance: Double
    public var recenteringNorm: Double, recenteringRowMeanAbs: Double, recenteringRowVariance: Double
    public var rescalingNorm: Double, rescalingRowMeanAbs: Double, rescalingRowVariance: Double
    public var upstreamNorm: Double, upstreamRowMeanAbs: Double, upstreamRowVariance: Double
    public var directPlusRecenteringRowVariance: Double
    public var recenterRatio: Double
    public var rescaleRatio: Double
    public var cosineTotalDirect: Double
    public var recenteringShare: Double
    public var rescalingShare: Double
    public var meanMu: Double
    public var meanSigma: Double
    public var gainNorm: Double, gainMean: Double, gainGradientNorm: Double
    public var biasNorm: Double, biasGradientNorm: Double

    /// A row of NaNs for `step`, to be filled in.
    public init(step: Int64) {
        self.step = step
        rows = 0
        width = 0
        (totalNorm, totalRowMeanAbs, totalRowVariance) = (.nan, .nan, .nan)
        (directNorm, directRowMeanAbs, directRowVariance) = (.nan, .nan, .nan)
        (recenteringNorm, recenteringRowMeanAbs, recenteringRowVariance) = (.nan, .nan, .nan)
        (rescalingNorm, rescalingRowMeanAbs, rescalingRowVariance) = (.nan, .nan, .nan)
        (upstreamNorm, upstreamRowMeanAbs, upstreamRowVariance) = (.nan, .nan, .nan)
        directPlusRecenteringRowVariance = .nan
        (recenterRatio, rescaleRatio, cosineTotalDirect, recenteringShare, rescalingShare) = (
            .nan, .nan, .nan, .nan, .nan
        )
        (meanMu, meanSigma) = (.nan, .nan)
        (gainNorm, gainMean, gainGradientNorm, biasNorm, biasGradientNorm) = (.nan, .nan, .nan, .nan, .nan)
    }

    public static let fields: [CompoundField<NormStepRow>] = [
        .init("step", \.step), .init("rows", \.rows), .init("width", \.width),
        .init("total_norm", \.totalNorm), .init("total_rowmean_abs", \.totalRowMeanAbs),
        .init("total_rowvar", \.totalRowVariance),
        .init("direct_norm", \.directNorm), .init("direct_rowmean_abs", \.directRowMeanAbs),
        .init("direct_rowvar", \.directRowVariance),
        .init("recenter_norm", \.recenteringNorm), .init("recenter_rowmean_abs", \.recenteringRowMeanAbs),
        .init("recenter_rowvar", \.recenteringRowVariance),
        .init("rescale_norm", \.rescalingNorm), .init("rescale_rowmean_abs", \.rescalingRowMeanAbs),
        .init("rescale_rowvar", \.rescalingRowVariance),
        .init("upstream_norm", \.upstreamNorm), .init("upstream_rowmean_abs", \.upstreamRowMeanAbs),
        .init("upstream_rowvar", \.upstreamRowVariance),
        .init("direct_plus_recenter_rowvar", \.directPlusRecenteringRowVariance),
        .init("recenter_ratio", \.recenterRatio), .init("rescale_ratio", \.rescaleRatio),
        .init("cos_total_direct", \.cosineTotalDirect), .init("recenter_share", \.recenteringShare),
        .init("rescale_share", \.rescalingShare), .init("mean_mu", \.meanMu), .init("mean_sigma", \.meanSigma),
        .init("gain_norm", \.gainNorm), .init("gain_mean", \.gainMean), .init("gain_grad_norm", \.gainGradientNorm),
        .init("bias_norm", \.biasNorm), .init("bias_grad_norm", \.biasGradientNorm),
    ]
}

/// AdaNorm's Φ(y) summary for one layer and step: `runs/<run>/norms/<layer>/phi`; the histogram counts of the same
/// step are the matching row of `phi_hist`.
public struct PhiStepRow: CompoundRow, Equatable, Sendable {
    public var step: Int64
    public var mean: Double
    public var standardDeviation: Double
    public var minimum: Double
    public var maximum: Double
    public var fractionNonPositive: Double
    public var q01: Double, q05: Double, q25: Double, q50: Double, q75: Double, q95: Double, q99: Double

    public init(
        step: Int64, mean: Double, standardDeviation: Double, minimum: Double, maximum: Double,
        fractionNonPositive: Double, quantiles: [Double]
    ) {
        precondition(quantiles.count == 7, "PhiStepRow expects 7 quantiles (1, 5, 25, 50, 75, 95, 99%)")
        self.step = step
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
        self.fractionNonPositive = fractionNonPositive
        (q01, q05, q25, q50, q75, q95, q99) = (
            quantiles[0], quantiles[1], quantiles[2], quantiles[3], quantiles[4], quantiles[5], quantiles[6]
        )
    }

    public static let fields: [CompoundField<PhiStepRow>] = [
        .init("step", \.step), .init("mean", \.mean), .init("sd", \.standardDeviation), .init("min", \.minimum),
        .init("max", \.maximum), .init("fraction_nonpositive", \.fractionNonPositive), .init("q01", \.q01),
        .init("q05", \.q05), .init("q25", \.q25), .init("q50", \.q50), .init("q75", \.q75), .init("q95", \.q95),
        .init("q99", \.q99),
    ]
}
