/// One run's chart points: what `normscope report` draws, kept apart from the JSON summary because it is sized by
/// the chart resolution, not by the statistics.
public struct RunSeries: Sendable, Equatable {
    /// `train_loss`, `valid_loss`, `gap`, `valid_accuracy` over evaluation steps.
    public var evaluations: BinnedSeries
    /// Per layer: `LayerGradientSummary.seriesNames` over training steps.
    public var layers: [String: BinnedSeries] = [:]
    /// Per adaptive layer: `PhiSummary.seriesNames` (mean, sd, q05, q50, q95, fraction_nonpositive) over the
    /// recorded steps.
    public var phi: [String: BinnedSeries] = [:]
    /// Per adaptive layer: its Φ(y) histograms over training.
    public var phiMaps: [String: PhiHeatMap] = [:]
}
