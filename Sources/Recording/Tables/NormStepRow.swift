import HDF5

/// One normalization layer's gradient statistics for one step (analysis/METHODS.md, "Recorded statistics"):
/// `runs/<run>/norms/<layer>/grad`. A quantity the layer does not have (no gain, no bias, no α) is NaN.
///
/// Adding a statistic is one stored property here, its line in `declaration`, and the line that computes it
/// (`NormProbe` in Training): the writer, the reader, the row checks, `inspect`, TRACE_FORMAT.md's table and the
/// Python package all follow the declaration.
public struct NormStepRow: DeclaredRow, Equatable, Sendable {
    public var step: Int64
    public var rows: Int64 = 0
    public var width: Int64 = 0
    public var totalNorm = Double.nan, totalRowMeanAbs = Double.nan, totalRowVariance = Double.nan
    public var directNorm = Double.nan, directRowMeanAbs = Double.nan, directRowVariance = Double.nan
    public var recenteringNorm = Double.nan, recenteringRowMeanAbs = Double.nan, recenteringRowVariance = Double.nan
    public var rescalingNorm = Double.nan, rescalingRowMeanAbs = Double.nan, rescalingRowVariance = Double.nan
    public var upstreamNorm = Double.nan, upstreamRowMeanAbs = Double.nan, upstreamRowVariance = Double.nan
    public var directPlusRecenteringRowVariance = Double.nan
    public var recenterRatio = Double.nan
    public var rescaleRatio = Double.nan
    public var cosineTotalDirect = Double.nan
    public var recenteringShare = Double.nan
    public var rescalingShare = Double.nan
    public var meanMu = Double.nan
    public var meanSigma = Double.nan
    public var gainNorm = Double.nan, gainMean = Double.nan, gainGradientNorm = Double.nan
    public var biasNorm = Double.nan, biasGradientNorm = Double.nan
    /// DyT's learned α; NaN for every other variant.
    public var alpha = Double.nan
    /// DyT: the share of elements with |α x| > 2, where tanh is saturated; NaN for every other variant.
    public var saturatedShare = Double.nan
    /// The mean over the input's rows of |μᵣ|/σᵣ (population σ, no ε): how much the forward pass re-centres.
    public var absMeanOverStd = Double.nan

    /// A row of NaNs for `step`, to be filled in.
    public init(step: Int64) {
        self.step = step
    }

    public static let tableName = TraceFormat.Names.grad
    public static let location = "/runs/<run>/norms/<layer>/grad"
    public static let declaration: [DeclaredField<NormStepRow>] = [
        .init("step", \.step, unit: "step", range: .count, "the optimizer step (equals `steps.step` of the same row)"),
        .init("rows", \.rows, range: .count, "R, the rows reduced over"),
        .init("width", \.width, range: .count, "H"),
        .init("total_norm", \.totalNorm, range: .norm, "‖t‖, over the whole step"),
        .init("total_rowmean_abs", \.totalRowMeanAbs, range: .nonNegative, "rowmean_abs(t)"),
        .init("total_rowvar", \.totalRowVariance, range: .variance, "rowvar(t)"),
        .init("direct_norm", \.directNorm, range: .norm, "‖d‖"),
        .init("direct_rowmean_abs", \.directRowMeanAbs, range: .nonNegative, "rowmean_abs(d)"),
        .init("direct_rowvar", \.directRowVariance, range: .variance, "rowvar(d)"),
        .init("recenter_norm", \.recenteringNorm, range: .norm, "‖c‖"),
        .init("recenter_rowmean_abs", \.recenteringRowMeanAbs, range: .nonNegative, "rowmean_abs(c)"),
        .init("recenter_rowvar", \.recenteringRowVariance, range: .variance, "rowvar(c)"),
        .init("rescale_norm", \.rescalingNorm, range: .norm, "‖s‖"),
        .init("rescale_rowmean_abs", \.rescalingRowMeanAbs, range: .nonNegative, "rowmean_abs(s)"),
        .init("rescale_rowvar", \.rescalingRowVariance, range: .variance, "rowvar(s)"),
        .init("upstream_norm", \.upstreamNorm, range: .norm, "‖u‖"),
        .init("upstream_rowmean_abs", \.upstreamRowMeanAbs, range: .nonNegative, "rowmean_abs(u), Theorem 1's ḡ"),
        .init("upstream_rowvar", \.upstreamRowVariance, range: .variance, "rowvar(u), Theorem 1's D_g"),
        .init(
            "direct_plus_recenter_rowvar", \.directPlusRecenteringRowVariance, range: .variance,
            "`rowvar(d + c)`, the gradient without its re-scaling part"),
        .init(
            "recenter_ratio", \.recenterRatio, range: .nonNegative,
            "`total_rowmean_abs / direct_rowmean_abs`: 0 when re-centering removes the row mean"),
        .init(
            "rescale_ratio", \.rescaleRatio, range: .nonNegative,
            "`total_rowvar / direct_plus_recenter_rowvar`: ≤ 1 where the σ-derivative is kept"),
        .init("cos_total_direct", \.cosineTotalDirect, range: .cosine, "cos(t, d) over the whole step"),
        .init("recenter_share", \.recenteringShare, range: .nonNegative, "‖c‖ / ‖d‖"),
        .init("rescale_share", \.rescalingShare, range: .nonNegative, "‖s‖ / ‖d‖"),
        .init(
            "mean_mu", \.meanMu, range: .finite,
            "forward pass: the mean over rows of the row mean μ (0 without centering)"),
        .init(
            "mean_sigma", \.meanSigma, range: .nonNegative,
            "forward pass: the mean over rows of the denominator each row was divided by (sqrt(var + ε) in the "
                + "`torch` convention, σ_unbiased + ε in `paper`, the RMS for RMSNorm, ‖x‖ + ε for ScaleNorm, "
                + "1 for DyT and none)"),
        .init("gain_norm", \.gainNorm, range: .norm, "‖γ‖ (ScaleNorm: the size of its one g); NaN without gain"),
        .init("gain_mean", \.gainMean, range: .finite, "the mean of γ (ScaleNorm: g); NaN without gain"),
        .init("gain_grad_norm", \.gainGradientNorm, range: .norm, "‖∂ℓ/∂γ‖; NaN without gain"),
        .init("bias_norm", \.biasNorm, range: .norm, "‖β‖; NaN without bias"),
        .init("bias_grad_norm", \.biasGradientNorm, range: .norm, "‖∂ℓ/∂β‖; NaN without bias"),
        .init(
            "alpha", \.alpha, range: .finite, olderTracesRead: .nan,
            "DyT's learned scale α after the step's forward pass; NaN for other variants"),
        .init(
            "saturated_share", \.saturatedShare, unit: "fraction", range: .fraction, olderTracesRead: .nan,
            "DyT: share of elements where α x is beyond ±2, so tanh is saturated; NaN for other variants"),
        .init(
            "abs_mean_over_std", \.absMeanOverStd, unit: "ratio", range: .nonNegative, olderTracesRead: .nan,
            "forward pass, every variant: the mean over the input's rows of abs(μ)/σ (population σ, no ε; constant "
                + "rows left out, NaN if all are), how far mean subtraction moves a row in units of its spread"),
    ]
    public static let fields = declaration.map(\.column)
    public static let rules: [RowRule] = [
        .quotient("recenter_ratio", numerator: "total_rowmean_abs", denominator: "direct_rowmean_abs"),
        .quotient("rescale_ratio", numerator: "total_rowvar", denominator: "direct_plus_recenter_rowvar"),
        .quotient("recenter_share", numerator: "recenter_norm", denominator: "direct_norm"),
        .quotient("rescale_share", numerator: "rescale_norm", denominator: "direct_norm"),
    ]
}
