import Charts

/// The report's charts, drawn from the summary's binned series (`RunSeries`): per group (a preset at one setting of
/// the grouping keys) the mean over its runs where the runs share their steps, else one line per run (runs of
/// different lengths are not averaged). A line has its preset's colour (``ChartPalette/color(preset:)``), the same
/// whichever presets the traces hold; groups of one preset share it and are told apart by marker shape
/// (``ChartMarker``) and by name in the legend.
extension TraceReport {
    var groupNames: [String] { summary.groups.map(\.group) }

    /// The runs of a group, in summary order.
    func runs(of group: String) -> [RunSummary] { summary.runs.filter { $0.group == group } }

    /// The colour of a group's lines: its preset's.
    func color(of group: String) -> String {
        ChartPalette.color(preset: summary.groups.first { $0.group == group }?.preset ?? group)
    }

    /// The marker of every group whose preset has several groups.
    var markers: [String: ChartMarker] { ChartMarker.markers(for: summary.groups, keys: summary.grouping.keys) }

    /// `quantity` of the series `pick` returns, for the runs of `group`: one line of the runs' mean when every run
    /// has the same steps, else one line per run labelled by its name.
    func series(
        group: String, quantity: String, label: String, marker: ChartMarker?, dashed: Bool = false,
        dashPattern: String? = nil, pick: (RunSeries) -> BinnedSeries?
    ) -> [ChartSeries] {
        let runs = runs(of: group).compactMap { run in summary.series[run.name].flatMap(pick).map { (run.name, $0) } }
        guard let first = runs.first?.1 else { return [] }
        let color = color(of: group)
        guard runs.allSatisfy({ $0.1.steps == first.steps }) else {
            return runs.map { name, binned in
                ChartSeries(
                    label: "\(label) \(name)", x: binned.steps, y: binned.values(of: quantity), color: color,
                    marker: marker, dashed: dashed, dashPattern: dashPattern)
            }
        }
        let columns = runs.map { $0.1.values(of: quantity) }
        let mean = first.steps.indices.map { index in FiniteMean(columns.map { $0[index] }).mean }
        return [
            ChartSeries(
                label: label + (runs.count > 1 ? " (mean of \(runs.count))" : ""), x: first.steps, y: mean,
                color: color, marker: marker, dashed: dashed, dashPattern: dashPattern)
        ]
    }

    /// `quantity` for every group, a line per group in its preset's colour and with its marker.
    func perGroup(
        quantity: String, suffix: String = "", dashed: Bool = false, pick: (RunSeries) -> BinnedSeries?
    ) -> [ChartSeries] {
        let markers = markers
        return groupNames.flatMap { group in
            series(
                group: group, quantity: quantity, label: group + suffix, marker: markers[group], dashed: dashed,
                pick: pick)
        }
    }

    /// Line styles for the several quantities of one group's chart, which is drawn in its preset's colour: colour
    /// always means a preset, and the style tells the quantities (gradient parts, Φ's quantiles) apart.
    static let quantityDashes = [nil, "7 3", "1.5 2.5", "10 3 2 3"]

    /// Layer names in model order, over every run.
    var layerNames: [String] {
        var names: [String] = []
        for run in summary.runs {
            for layer in summary.layers[run.name] ?? [] where !names.contains(layer.layer) { names.append(layer.layer) }
        }
        return names
    }

    var lossChart: String {
        SVGLineChart(
            title: "Training (dashed) and validation (solid) loss", xLabel: "step", yLabel: "loss (nats)",
            series: perGroup(quantity: "valid_loss", suffix: " valid") { $0.evaluations }
                + perGroup(quantity: "train_loss", suffix: " train", dashed: true) { $0.evaluations },
            logY: true, width: 560, height: 360
        ).svg()
    }

    /// The same losses on a linear axis after the first tenth of training, where the curves have left their start:
    /// on the logarithmic axis the validation curves lie on one another, and the gap the paper's claim is about
    /// cannot be read.
    var linearLossChart: String {
        let series =
            perGroup(quantity: "valid_loss", suffix: " valid") { $0.evaluations }
            + perGroup(quantity: "train_loss", suffix: " train", dashed: true) { $0.evaluations }
        let lastStep = series.compactMap { $0.x.last }.max() ?? 0
        let start = lastStep / 10
        let later = series.map { line in
            var kept = line
            let indices = line.x.indices.filter { line.x[$0] >= start }
            kept.x = indices.map { line.x[$0] }
            kept.y = indices.map { line.y[$0] }
            return kept
        }
        return SVGLineChart(
            title: "Loss after step \(Int(start)), linear scale", xLabel: "step", yLabel: "loss (nats)",
            series: later, width: 560, height: 360
        ).svg()
    }

    var gapChart: String {
        SVGLineChart(
            title: "Overfitting gap: validation − training loss", xLabel: "step", yLabel: "gap (nats)",
            series: perGroup(quantity: "gap") { $0.evaluations }, referenceLines: [.init(y: 0, label: "no gap")],
            width: 560, height: 360
        ).svg()
    }

    /// One chart per layer: rescale_ratio over steps, a line per group.
    var rescaleCharts: [String] {
        layerNames.map { layer in
            SVGLineChart(
                title: "rescale_ratio — \(layer)", xLabel: "step", yLabel: "rowvar(t) / rowvar(d + c)",
                series: perGroup(quantity: "rescale_ratio") { $0.layers[layer] },
                referenceLines: [.init(y: 1, label: "1: no re-scaling")], width: 560, height: 320
            ).svg()
        }
    }

    /// One chart per layer: the forward pass's mean |μ|/σ over steps, a line per group; none for a layer no run
    /// recorded it for (older traces read NaN).
    var recenteringCharts: [String] {
        layerNames.compactMap { layer in
            let series = perGroup(quantity: "abs_mean_over_std") { $0.layers[layer] }
            guard series.contains(where: { $0.y.contains(where: \.isFinite) }) else { return nil }
            return SVGLineChart(
                title: "Forward re-centering — \(layer)", xLabel: "step", yLabel: "mean |μ| / σ (ratio)",
                series: series, referenceLines: [.init(y: 0, label: "0: nothing to re-centre")], width: 560,
                height: 320
            ).svg()
        }
    }

    /// One chart per group and layer: ‖t‖, ‖d‖, ‖c‖, ‖s‖ over steps, log scale.
    var partCharts: [String] {
        // The total is drawn last: it often lies on the direct part, which must stay visible under it.
        let parts = [
            ("direct_norm", "‖d‖ direct"), ("recenter_norm", "‖c‖ re-centering"), ("rescale_norm", "‖s‖ re-scaling"),
            ("total_norm", "‖t‖ total"),
        ]
        var charts: [String] = []
        // A layer that does not normalize (the `none` preset) is the identity: its only part is t = d.
        let markers = markers
        for group in groupNames where runs(of: group).first?.normalization?.normalizes != false {
            for layer in layerNames {
                let series = parts.enumerated().flatMap { index, part in
                    self.series(
                        group: group, quantity: part.0, label: part.1, marker: markers[group],
                        dashPattern: Self.quantityDashes[index]
                    ) { $0.layers[layer] }
                }
                guard !series.isEmpty else { continue }
                charts.append(
                    SVGLineChart(
                        title: "Gradient parts — \(group), \(layer)", xLabel: "step", yLabel: "Frobenius norm",
                        series: series, logY: true, width: 380, height: 300
                    ).svg())
            }
        }
        return charts
    }

    /// One chart per group and adaptive layer: Φ's mean (which should stay at C) and its 5/50/95% quantiles.
    var phiQuantileCharts: [String] {
        let quantities = [("q95", "95%"), ("q50", "median"), ("q05", "5%"), ("mean", "mean")]
        var charts: [String] = []
        let markers = markers
        for group in groupNames {
            let scale = runs(of: group).first?.normalization?.scale
            for layer in layerNames {
                let series = quantities.enumerated().flatMap { index, quantity in
                    self.series(
                        group: group, quantity: quantity.0, label: quantity.1, marker: markers[group],
                        dashPattern: Self.quantityDashes[index]
                    ) { $0.phi[layer] }
                }
                guard !series.isEmpty else { continue }
                charts.append(
                    SVGLineChart(
                        title: "Φ(y) over training — \(group), \(layer)", xLabel: "step", yLabel: "Φ(y)",
                        series: series, referenceLines: scale.map { [.init(y: $0, label: "C")] } ?? [], width: 380,
                        height: 300
                    ).svg())
            }
        }
        return charts
    }

    /// One chart per adaptive layer: the share of elements with Φ ≤ 0 (where AdaNorm's factor flips the gradient's
    /// sign) over training, a line per group.
    var phiNonPositiveCharts: [String] {
        layerNames.compactMap { layer in
            let series = perGroup(quantity: "fraction_nonpositive") { $0.phi[layer] }
            // A share that is 0 at every step (AdaNorm with its default k keeps Φ > 0) is said in the text, not
            // drawn as flat lines.
            guard series.contains(where: { $0.y.contains { $0.isFinite && $0 != 0 } }) else { return nil }
            return SVGLineChart(
                title: "Share of Φ(y) ≤ 0 — \(layer)", xLabel: "step", yLabel: "share of elements", series: series,
                width: 380, height: 300
            ).svg()
        }
    }

    /// One heat map per group and adaptive layer: the runs' maps averaged when they share their shape, else the
    /// first run's.
    var phiMaps: [String] {
        var charts: [String] = []
        for group in groupNames {
            let groupRuns = runs(of: group)
            for layer in layerNames {
                let maps = groupRuns.compactMap { run in
                    summary.series[run.name]?.phiMaps[layer].map { (run.name, $0) }
                }
                guard let (firstRun, first) = maps.first else { continue }
                let same = maps.map(\.1).filter {
                    $0.stepEdges == first.stepEdges && $0.valueEdges == first.valueEdges
                }
                let fractions = first.fractions.indices.map { column in
                    first.fractions[column].indices.map { row in FiniteMean(same.map { $0.fractions[column][row] }).mean
                    }
                }
                let source = same.count > 1 ? "mean of \(same.count) runs" : firstRun
                charts.append(
                    SVGHeatMap(
                        title: "Φ(y) histogram over training — \(group), \(layer) (\(source))", xLabel: "step",
                        yLabel: "Φ(y) = C(1 − k·y)", colorLabel: "share of elements", xEdges: first.stepEdges,
                        yEdges: first.valueEdges, values: fractions, logColor: true, width: 560, height: 340
                    ).svg())
            }
        }
        return charts
    }
}
