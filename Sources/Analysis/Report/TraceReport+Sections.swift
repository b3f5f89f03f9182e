/// The report's sections, in page order: each is addressed by its case — its anchor, its navigation label, its
/// heading and the summary tables it shows — never by the text of a title.
enum ReportSection: String, CaseIterable {
    case overfitting, stability, gradients, recentering, theorem, phi, notes

    /// The element id the navigation links to.
    var anchor: String { rawValue }

    /// The name in the navigation bar.
    var label: String {
        switch self {
        case .overfitting: "Overfitting"
        case .stability: "Stability"
        case .gradients: "Gradient parts"
        case .recentering: "Forward re-centering"
        case .theorem: "Theorem 1"
        case .phi: "Φ(y)"
        case .notes: "Notes"
        }
    }

    var heading: String {
        switch self {
        case .theorem: "Theorem 1 on the recorded gradients"
        case .phi: "AdaNorm's Φ(y)"
        default: label
        }
    }

    /// The summary's tables shown here, in order (those the summary has); every kind belongs to one section.
    var tables: [SummaryTable.Kind] {
        switch self {
        case .overfitting: [.overfitting, .validation, .testSplit, .comparison]
        case .stability: [.stability, .frontier]
        case .gradients: [.gradientParts, .perLayer, .dynamicTanh, .measures]
        case .recentering: [.forwardRecentering]
        case .theorem: [.theorem]
        case .phi: [.phi]
        case .notes: []
        }
    }
}

extension TraceReport {
    /// What `section` holds between its heading and its end: what it shows, its charts, then `tables` (its own,
    /// as HTML).
    func content(of section: ReportSection, tables: [String]) -> [String] {
        switch section {
        case .overfitting:
            return [
                "<p>Training and validation loss, both in evaluation mode at the same steps, mean over each group's "
                    + "runs, on a log scale and, after the first tenth of training, on a linear one where the gap can "
                    + "be read. A colour is a preset in every chart of this report, the same whichever presets the "
                    + "traces hold (and in normscope-plot's figures)"
                    + (summary.groups.count > Set(summary.groups.map(\.preset)).count
                        ? "; groups of one preset at different settings share its colour and are told apart by marker "
                            + "shape (●, ■, ▲, …), named in the legend" : "")
                    + ". The paper's claim: compared with AdaNorm, LayerNorm has lower training loss but higher "
                    + "validation loss.</p>",
                figures([lossChart, linearLossChart, gapChart]),
            ] + tables
        case .gradients:
            return [
                "<p>Per norm layer, the norms of the total input gradient t and of its three parts — direct d, "
                    + "re-centering c (through μ) and re-scaling s (through σ) — over training steps (log scale; a "
                    + "detached part is exactly 0 and not drawn; each chart in its preset's colour, the parts told "
                    + "apart by line style: d solid, c dashed, s dotted, t dash-dotted), and rescale_ratio = "
                    + "rowvar(t)/rowvar(d + c), below 1 where the σ-derivative shrinks the gradient's variance.</p>",
                figures(rescaleCharts), figures(partCharts),
            ] + tables
        case .stability:
            return [
                "<p>Over the learning-rate grid: per group, the runs that diverged and those that stalled at the "
                    + "data's prior loss (the loss of predicting its frequencies), and per cell — the groups that "
                    + "differ only in lr — the largest learning rate whose runs were all stable.</p>"
            ] + tables
        case .recentering:
            let charts = recenteringCharts
            return [
                charts.isEmpty
                    ? "<p>No layer recorded abs_mean_over_std (traces recorded before it existed read NaN).</p>"
                    : "<p>Per norm layer, the mean over its input rows of |μ|/σ (population σ, no ε) over training "
                        + "steps, a line per group: how far subtracting the mean moves a row, in units of its spread. "
                        + "Near 0, re-centering does almost nothing in the forward pass; it describes the input, so "
                        + "every variant has it, also those that do not subtract the mean.</p>" + figures(charts)
            ] + tables
        case .theorem:
            return tables.isEmpty ? ["<p>No run recorded its normalization settings.</p>"] : tables
        case .phi:
            let maps = phiMaps
            let quantiles = phiQuantileCharts
            return [
                maps.isEmpty && quantiles.isEmpty
                    ? "<p>No adaptive layer recorded Φ(y).</p>"
                    : "<p>Φ's mean (dash-dotted; it should stay at C) and quantiles over training, in the preset's "
                        + "colour; the share of elements with Φ ≤ 0 (drawn only for a layer where it is not 0 at every "
                        + "step: otherwise Φ stayed positive throughout), then the share of a layer's elements in each "
                        + "Φ bin per recorded step (columns sum to 1; log colour). The heat map's bottom row collects "
                        + "Φ below the first edge (Φ &lt; 0 with the default edges), its top row Φ at or above the "
                        + "last.</p>" + figures(quantiles + phiNonPositiveCharts) + figures(maps)
            ] + tables
        case .notes:
            return [
                summary.notes.isEmpty
                    ? "<p>None.</p>" : "<ul>" + summary.notes.map { "<li>\(escape($0))</li>" }.joined() + "</ul>"
            ]
        }
    }
}
