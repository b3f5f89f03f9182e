/// The report's charts, drawn from the summary's binned series (`RunSeries`): per preset the mean over its runs
/// where the runs share their steps, else one line per run (runs of different lengths are not averaged).
extension TraceReport {
    /// One line: a label and its points.
    struct Line {
        var label: String
        var x: [Double]
        var y: [Double]
    }

    var presetNames: [String] { summary.presets.map(\.preset) }

    /// The runs of `preset`, in summary order.
    func runs(of preset: String) -> [RunSummary] { summary.runs.filter { $0.preset == preset } }

    /// `quantity` of the series `pick` returns, for the runs of `preset`: one averaged line when every run has the
    /// same steps, else one line per run labelled by its id.
    func lines(
        preset: String, quantity: String, label: String, pick: (RunSeries) -> BinnedSeries?
    ) -> [Line] {
        let series = runs(of: preset).compactMap { run in
            summary.series[run.id].flatMap(pick).map { (run.id, $0) }
        }
        guard let first = series.first?.1 else { return [] }
        if series.allSatisfy({ $0.1.steps == first.steps }) {
            let columns = series.map { $0.1.values(of: quantity) }
            let mean = first.steps.indices.map { index in
                let values = columns.compactMap { $0.indices.contains(index) ? $0[index] : nil }.filter(\.isFinite)
                return values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
            }
            let n = series.count
            return [Line(label: label + (n > 1 ? " (mean of \(n))" : ""), x: first.steps, y: mean)]
        }
        return series.map { Line(label: "\(label) \($0.0)", x: $0.1.steps, y: $0.1.values(of: quantity)) }
    }

    /// Layer names in model order, over every run.
    var layerNames: [String] {
        var names: [String] = []
        for run in summary.runs {
            for layer in summary.layers[run.id] ?? [] where !names.contains(layer.layer) { names.append(layer.layer) }
        }
        return names
    }

    var lossChart: String {
        var series: [ChartSeries] = []
        for (index, preset) in presetNames.enumerated() {
            for line in lines(
                preset: preset, quantity: "valid_loss", label: "\(preset) valid", pick: { $0.evaluations })
            {
                series.append(ChartSeries(label: line.label, x: line.x, y: line.y, colorIndex: index))
            }
            for line in lines(
                preset: preset, quantity: "train_loss", label: "\(preset) train", pick: { $0.evaluations })
            {
                series.append(ChartSeries(label: line.label, x: line.x, y: line.y, colorIndex: index, dashed: true))
            }
        }
        return SVGLineChart(
            title: "Training (dashed) and validation (solid) loss", xLabel: "step", yLabel: "loss (nats)",
            series: series, logY: true, width: 560, height: 360
        ).svg()
    }

    var gapChart: String {
        var series: [ChartSeries] = []
        for (index, preset) in presetNames.enumerated() {
            for line in lines(preset: preset, quantity: "gap", label: preset, pick: { $0.evaluations }) {
                series.append(ChartSeries(label: line.label, x: line.x, y: line.y, colorIndex: index))
            }
        }
        return SVGLineChart(
            title: "Overfitting gap: validation − training loss", xLabel: "step", yLabel: "gap (nats)",
            series: series, referenceLines: [.init(y: 0, label: "no gap")], width: 560, height: 360
        ).svg()
    }

    /// One chart per layer: rescale_ratio over steps, a line per preset.
    var rescaleCharts: [String] {
        layerNames.map { layer in
            var series: [ChartSeries] = []
            for (index, preset) in presetNames.enumerated() {
                for line in lines(
                    preset: preset, quantity: "rescale_ratio", label: preset, pick: { $0.layers[layer] })
                {
                    series.append(ChartSeries(label: line.label, x: line.x, y: line.y, colorIndex: index))
                }
            }
            return SVGLineChart(
                title: "rescale_ratio — \(layer)", xLabel: "step", yLabel: "rowvar(t) / rowvar(d + c)",
                series: series, referenceLines: [.init(y: 1, label: "1: no re-scaling")], width: 560, height: 320
            ).svg()
        }
    }

    /// One chart per preset and layer: ‖t‖, ‖d‖, ‖c‖, ‖s‖ over steps, log scale.
    var partCharts: [String] {
        // The total is drawn last and dashed: it often lies on the direct part, which must stay visible under it.
        let parts = [
            ("direct_norm", "‖d‖ direct", 1), ("recenter_norm", "‖c‖ re-centering", 2),
            ("rescale_norm", "‖s‖ re-scaling", 3), ("total_norm", "‖t‖ total", 0),
        ]
        var charts: [String] = []
        // A layer that does not normalize (the `none` preset) is the identity: its only part is t = d.
        for preset in presetNames where runs(of: preset).first?.normalization?.normalizes != false {
            for layer in layerNames {
                var series: [ChartSeries] = []
                for part in parts {
                    for line in lines(preset: preset, quantity: part.0, label: part.1, pick: { $0.layers[layer] }) {
                        series.append(
                            ChartSeries(
                                label: line.label, x: line.x, y: line.y, colorIndex: part.2, dashed: part.2 == 0))
                    }
                }
                guard !series.isEmpty else { continue }
                charts.append(
                    SVGLineChart(
                        title: "Gradient parts — \(preset), \(layer)", xLabel: "step", yLabel: "Frobenius norm",
                        series: series, logY: true, width: 380, height: 300
                    ).svg())
            }
        }
        return charts
    }

    /// One chart per preset and adaptive layer: Φ's mean (which should stay at C) and its 5/50/95% quantiles.
    var phiQuantileCharts: [String] {
        let quantities = [("q95", "95%", 1), ("q50", "median", 2), ("q05", "5%", 3), ("mean", "mean", 0)]
        var charts: [String] = []
        for preset in presetNames {
            let scale = runs(of: preset).first?.normalization?.scale
            for layer in layerNames {
                var series: [ChartSeries] = []
                for quantity in quantities {
                    for line in lines(preset: preset, quantity: quantity.0, label: quantity.1, pick: { $0.phi[layer] })
                    {
                        series.append(
                            ChartSeries(
                                label: line.label, x: line.x, y: line.y, colorIndex: quantity.2,
                                dashed: quantity.2 == 0))
                    }
                }
                guard !series.isEmpty else { continue }
                charts.append(
                    SVGLineChart(
                        title: "Φ(y) over training — \(preset), \(layer)", xLabel: "step", yLabel: "Φ(y)",
                        series: series, referenceLines: scale.map { [.init(y: $0, label: "C")] } ?? [], width: 380,
                        height: 300
                    ).svg())
            }
        }
        return charts
    }

    /// One chart per adaptive layer: the share of elements with Φ ≤ 0 (where AdaNorm's factor flips the gradient's
    /// sign) over training, a line per preset.
    var phiNonPositiveCharts: [String] {
        layerNames.compactMap { layer in
            var series: [ChartSeries] = []
            for (index, preset) in presetNames.enumerated() {
                for line in lines(
                    preset: preset, quantity: "fraction_nonpositive", label: preset, pick: { $0.phi[layer] })
                {
                    series.append(ChartSeries(label: line.label, x: line.x, y: line.y, colorIndex: index))
                }
            }
            guard !series.isEmpty else { return nil }
            return SVGLineChart(
                title: "Share of Φ(y) ≤ 0 — \(layer)", xLabel: "step", yLabel: "share of elements", series: series,
                width: 380, height: 300
            ).svg()
        }
    }

    /// One heat map per preset and adaptive layer: the runs' maps averaged when they share their shape, else the
    /// first run's.
    var phiMaps: [String] {
        var charts: [String] = []
        for preset in presetNames {
            let presetRuns = runs(of: preset)
            for layer in layerNames {
                let maps = presetRuns.compactMap { summary.series[$0.id]?.phiMaps[layer] }
                guard let first = maps.first else { continue }
                let same = maps.filter { $0.stepEdges == first.stepEdges && $0.valueEdges == first.valueEdges }
                let fractions = first.fractions.indices.map { column in
                    first.fractions[column].indices.map { row in
                        let values = same.map { $0.fractions[column][row] }.filter(\.isFinite)
                        return values.isEmpty ? Double.nan : values.reduce(0, +) / Double(values.count)
                    }
                }
                let source = same.count > 1 ? "mean of \(same.count) runs" : presetRuns.first.map(\.id) ?? preset
                charts.append(
                    SVGHeatMap(
                        title: "Φ(y) histogram over training — \(preset), \(layer) (\(source))", xLabel: "step",
                        yLabel: "Φ(y) = C(1 − k·y)", colorLabel: "share of elements", xEdges: first.stepEdges,
                        yEdges: first.valueEdges, values: fractions, logColor: true, width: 560, height: 340
                    ).svg())
            }
        }
        return charts
    }
}
