/// One line of an ``SVGLineChart``: paired x and y values, a label for the legend and how the line looks.
///
/// Points whose x or y is NaN or ±∞ are gaps: the line stops before them and starts again after, and nothing is
/// drawn at them, so a diverged run ends visibly instead of being joined to the next finite value.
public struct ChartSeries: Sendable {
    /// The legend entry, and the tooltip when hovering over the line in a browser.
    public var label: String
    /// The horizontal positions, for example training steps; same count as `y`.
    public var x: [Double]
    /// The values; NaN and ±∞ (and, on a logarithmic axis, zero and negative values) are gaps.
    public var y: [Double]
    /// The line's colour, `"#rrggbb"`: its preset's (``ChartPalette/color(preset:)``); series that belong together
    /// (the same group's training and validation loss) share it and differ by `dashed`.
    public var color: String
    /// The shape drawn along the line (and on its legend swatch), telling apart groups of one preset, which share
    /// its colour; nil for a plain line.
    public var marker: ChartMarker?
    /// Whether the line is dashed (for example training loss) rather than solid (validation loss).
    public var dashed: Bool
    /// The SVG `stroke-dasharray` of the line, when a chart needs more line styles than solid and dashed (the
    /// gradient parts of one preset, drawn in that preset's colour); overrides `dashed`.
    public var dashPattern: String?

    /// The dash pattern drawn: ``dashPattern``, else "6 3" for a dashed line, else none.
    var strokeDashes: String? { dashPattern ?? (dashed ? "6 3" : nil) }

    /// A series of `x.count` points.
    ///
    /// - Parameters:
    ///   - label: The legend entry.
    ///   - x: The horizontal positions.
    ///   - y: The values, one per entry of `x`.
    ///   - color: The line's colour, `"#rrggbb"`.
    ///   - marker: A shape drawn along the line, or nil.
    ///   - dashed: Whether the line is dashed.
    ///   - dashPattern: An SVG dash array such as `"1.5 2.5"`, overriding `dashed`.
    public init(
        label: String, x: [Double], y: [Double], color: String, marker: ChartMarker? = nil, dashed: Bool = false,
        dashPattern: String? = nil
    ) {
        precondition(x.count == y.count, "ChartSeries expects as many x as y values, got \(x.count) and \(y.count)")
        self.label = label
        self.x = x
        self.y = y
        self.color = color
        self.marker = marker
        self.dashed = dashed
        self.dashPattern = dashPattern
    }
}

/// A line chart as a standalone SVG document, for inlining in the HTML report of `normscope report`.
///
/// Layout, from top to bottom: the title; the plot with light grid lines, the y axis on the left and the x axis
/// below; the x-axis title; the legend, one line swatch (dashed like its series) and label per series, flowing in
/// rows below the chart so that it never covers data and long run names fit. `height` is the height of the whole
/// image including the legend; it grows only when the legend would leave the plot less than 80 pixels.
///
/// The y axis covers the data and the reference lines and ends on labelled ticks (``ChartAxis/linear(lower:upper:targetTickCount:extendsToTicks:)``);
/// the x axis covers exactly the data. Each series is a `<g class="ns-series">` with a `<title>` (a hover tooltip),
/// holding one `<polyline>` per run of consecutive drawable points and a small `<circle>` for a run of one point.
/// Within one pixel column only the first, lowest, highest and last point of a run are kept, which keeps files of
/// long traces small without hiding spikes.
///
/// A chart with nothing to draw (no series, only gaps, or only non-positive values on a logarithmic axis) is a frame
/// with a centred "no data" note and the legend. The output never contains "nan" or "inf".
public struct SVGLineChart: Sendable {
    /// A thin grey horizontal line marking a value of meaning, such as `rescale_ratio = 1`.
    public struct ReferenceLine: Sendable, Equatable {
        /// The value where the line is drawn; it is included in the y range. Lines without a position (non-finite, or
        /// not positive on a logarithmic axis) are left out.
        public var y: Double
        /// A short note drawn at the right end, just above the line.
        public var label: String

        /// A reference line at `y`.
        ///
        /// - Parameters:
        ///   - y: The value where the line is drawn.
        ///   - label: A short note drawn above its right end.
        public init(y: Double, label: String) {
            self.y = y
            self.label = label
        }
    }

    /// The chart title, also the SVG's accessible `<title>`.
    public var title: String
    /// The x-axis title, for example "step".
    public var xLabel: String
    /// The y-axis title, for example "validation loss".
    public var yLabel: String
    /// The lines, drawn in order (later ones on top) and listed in this order in the legend.
    public var series: [ChartSeries]
    /// Whether the y axis is logarithmic; a series without any positive value then gets "(≡ 0, not shown)" (all
    /// zero) or "(≤ 0, not shown)" in its legend entry.
    public var logY: Bool
    /// Horizontal marker lines drawn under the series.
    public var referenceLines: [ReferenceLine]
    /// The image width in pixels (at least 240).
    public var width: Int
    /// The image height in pixels including title and legend (at least 160).
    public var height: Int

    /// A line chart of `series`.
    ///
    /// - Parameters:
    ///   - title: The chart title.
    ///   - xLabel: The x-axis title.
    ///   - yLabel: The y-axis title.
    ///   - series: The lines.
    ///   - logY: Whether the y axis is logarithmic.
    ///   - referenceLines: Horizontal marker lines.
    ///   - width: The image width in pixels.
    ///   - height: The image height in pixels, legend included.
    public init(
        title: String, xLabel: String, yLabel: String, series: [ChartSeries], logY: Bool = false,
        referenceLines: [ReferenceLine] = [], width: Int = 520, height: Int = 300
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.logY = logY
        self.referenceLines = referenceLines
        self.width = width
        self.height = height
    }

    // MARK: - Rendering

    private typealias Style = ChartAxis.Style

    /// A run of consecutive drawable points of one series.
    typealias Run = [(x: Double, y: Double)]

    /// The chart as an SVG document (UTF-8 text, one root `<svg>` element, no `id`s), ready to inline in HTML5.
    public func svg() -> String {
        let imageWidth = Double(max(width, 240))
        let runs = series.map(drawableRuns)
        let legend = legendRows(imageWidth: imageWidth, runs: runs)
        let legendHeight = legend.isEmpty ? 0 : 4 + 16 * Double(legend.count)
        let bottomMargin = 42 + legendHeight
        let imageHeight = max(Double(max(height, 160)), Style.titleHeight + bottomMargin + 80)
        var plot = ChartAxis.PlotArea(
            left: 0, top: Style.titleHeight, width: 0, height: imageHeight - Style.titleHeight - bottomMargin)

        let points = runs.joined().joined()
        var body = ""
        if let xRange = range(points.map(\.x)), let yRange = range(points.map(\.y) + referenceValues) {
            let targetTicks = max(2, Int(plot.height / 45))
            let yAxis =
                logY
                ? ChartAxis.logarithmic(lower: yRange.lower, upper: yRange.upper)
                : ChartAxis.linear(lower: yRange.lower, upper: yRange.upper, targetTickCount: targetTicks)
            plot.left = Style.sideTitleWidth + yAxis.widestLabel + Style.tickLength + 7
            plot.width = imageWidth - plot.left - 18
            let xAxis = ChartAxis.linear(
                lower: xRange.lower, upper: xRange.upper, targetTickCount: max(2, Int(plot.width / 85)),
                extendsToTicks: false)
            body += xAxis.bottomAxisSVG(in: plot, .grid) + yAxis.leftAxisSVG(in: plot, .grid)
            body += referenceLinesSVG(in: plot, yAxis: yAxis)
            for (index, seriesRuns) in runs.enumerated() where !seriesRuns.isEmpty {
                body += seriesSVG(series[index], runs: seriesRuns, in: plot, xAxis: xAxis, yAxis: yAxis)
            }
            body += plot.frameSVG + xAxis.bottomAxisSVG(in: plot, .ticks) + yAxis.leftAxisSVG(in: plot, .ticks)
        } else {
            plot.left = Style.sideTitleWidth + 30
            plot.width = imageWidth - plot.left - 18
            body += plot.frameSVG + plot.noDataSVG()
        }
        body += plot.axisTitlesSVG(xLabel: xLabel, yLabel: yLabel)
        body += legendSVG(legend, top: plot.bottom + 42)
        return ChartAxis.PlotArea.document(width: imageWidth, height: imageHeight, title: title, body: body)
    }

    /// The runs of consecutive points of `series` that have a position on both axes.
    private func drawableRuns(_ series: ChartSeries) -> [Run] {
        precondition(
            series.x.count == series.y.count,
            "SVGLineChart expects each series to have as many x as y values, got \(series.x.count) and "
                + "\(series.y.count) in \"\(series.label)\"")
        var runs: [Run] = []
        var current: Run = []
        for (x, y) in zip(series.x, series.y) {
            if x.isFinite && y.isFinite && (!logY || y > 0) {
                current.append((x, y))
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty {
            runs.append(current)
        }
        return runs
    }

    /// The reference values that have a position on the y axis.
    private var referenceValues: [Double] {
        referenceLines.map(\.y).filter { $0.isFinite && (!logY || $0 > 0) }
    }

    /// The smallest and largest of `values`, or nil for none.
    private func range(_ values: [Double]) -> (lower: Double, upper: Double)? {
        guard let lower = values.min(), let upper = values.max() else { return nil }
        return (lower, upper)
    }

    private func referenceLinesSVG(in plot: ChartAxis.PlotArea, yAxis: ChartAxis) -> String {
        let placed = referenceLines.compactMap { line in
            plot.y(line.y, on: yAxis).map { (label: line.label, y: $0) }
        }
        guard !placed.isEmpty else { return "" }
        let (x1, x2) = (ChartAxis.coordinate(plot.left), ChartAxis.coordinate(plot.right))
        var svg = "<g class=\"ns-reference\"><g stroke=\"#999999\" stroke-width=\"1\">"
        for line in placed {
            let y = ChartAxis.coordinate(line.y)
            svg += "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\"/>"
        }
        svg += "</g><g fill=\"#666666\" font-size=\"10\" text-anchor=\"end\">"
        for line in placed where !line.label.isEmpty {
            // Above the line, unless that would put it into the title.
            let baseline = line.y - plot.top < 14 ? line.y + 11 : line.y - 3
            svg += "<text x=\"\(ChartAxis.coordinate(plot.right - 4))\" y=\"\(ChartAxis.coordinate(baseline))\">"
            svg += "\(XMLEscaping.escape(line.label))</text>"
        }
        return svg + "</g></g>"
    }

    private func seriesSVG(
        _ series: ChartSeries, runs: [Run], in plot: ChartAxis.PlotArea, xAxis: ChartAxis, yAxis: ChartAxis
    ) -> String {
        let color = series.color
        var svg = "<g class=\"ns-series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\""
        svg += " stroke-linejoin=\"round\" stroke-linecap=\"round\""
        svg += series.strokeDashes.map { " stroke-dasharray=\"\($0)\">" } ?? ">"
        svg += "<title>\(XMLEscaping.escape(series.label))</title>"
        var drawn: Run = []
        for run in runs {
            let pixels = Self.thinned(
                run.compactMap { point in
                    guard let x = plot.x(point.x, on: xAxis), let y = plot.y(point.y, on: yAxis) else { return nil }
                    return (x, y)
                })
            drawn += pixels
            if pixels.count == 1 {
                svg += "<circle cx=\"\(ChartAxis.coordinate(pixels[0].x))\" cy=\"\(ChartAxis.coordinate(pixels[0].y))\""
                svg += " r=\"2\" fill=\"\(color)\" stroke=\"none\"/>"
            } else if pixels.count > 1 {
                let list = pixels.map { ChartAxis.coordinate($0.x) + "," + ChartAxis.coordinate($0.y) }
                svg += "<polyline points=\"\(list.joined(separator: " "))\"/>"
            }
        }
        if let marker = series.marker {
            let positions = Self.markerPositions(drawn, in: plot, marker: marker)
            svg += positions.map { marker.svg(x: $0.x, y: $0.y, color: color) }.joined()
        }
        return svg + "</g>"
    }

    /// Where a line's markers go: at the drawn point nearest to each tenth of the plot's width, the tenths shifted a
    /// little for each shape (as normscope-plot's `markevery`) so groups with the same curve do not hide each
    /// other's markers; none where the line has no point within a twentieth of the width (a gap).
    static func markerPositions(_ pixels: Run, in plot: ChartAxis.PlotArea, marker: ChartMarker) -> Run {
        guard !pixels.isEmpty else { return [] }
        let index = ChartMarker.allCases.firstIndex(of: marker) ?? 0
        let offset = 0.02 * Double(index % 5)
        return (0..<10).compactMap { tenth in
            let target = plot.left + plot.width * (offset + 0.1 * Double(tenth) + 0.05)
            let nearest = pixels.min { abs($0.x - target) < abs($1.x - target) }!
            return abs(nearest.x - target) <= plot.width / 20 ? nearest : nil
        }
    }

    /// `pixels` with, in each stretch of consecutive points in the same one-pixel column, only the first, lowest,
    /// highest and last point kept (in their original order): the line looks the same, spikes included.
    static func thinned(_ pixels: Run) -> Run {
        var kept: Run = []
        kept.reserveCapacity(pixels.count)
        var start = 0
        while start < pixels.count {
            let column = pixels[start].x.rounded(.down)
            var end = start
            var (lowest, highest) = (start, start)
            while end < pixels.count && pixels[end].x.rounded(.down) == column {
                if pixels[end].y < pixels[lowest].y { lowest = end }
                if pixels[end].y > pixels[highest].y { highest = end }
                end += 1
            }
            for index in Set([start, lowest, highest, end - 1]).sorted() {
                kept.append(pixels[index])
            }
            start = end
        }
        return kept
    }

    // MARK: - Legend

    /// One legend entry placed in a row: its series, the text shown and where it starts.
    private struct LegendEntry {
        var series: ChartSeries
        var text: String
        var x: Double
    }

    private static let swatchWidth = 22.0
    private static let legendGap = 16.0

    /// The legend entries flowed into rows that fit the image width, with a note for series that are not drawn.
    private func legendRows(imageWidth: Double, runs: [[Run]]) -> [[LegendEntry]] {
        let margin = 10.0
        let maxTextWidth = imageWidth - 2 * margin - Self.swatchWidth - 5
        var rows: [[LegendEntry]] = []
        var row: [LegendEntry] = []
        var x = margin
        for (series, seriesRuns) in zip(series, runs) {
            var text = series.label
            if seriesRuns.isEmpty {
                let finite = zip(series.x, series.y).filter { $0.0.isFinite && $0.1.isFinite }.map(\.1)
                if finite.isEmpty {
                    text += " (no data)"
                } else if finite.allSatisfy({ $0 == 0 }) {
                    text += " (≡ 0, not shown)"
                } else {
                    text += " (≤ 0, not shown)"
                }
            }
            text = ChartAxis.PlotArea.truncated(text, toWidth: maxTextWidth, fontSize: Style.fontSize)
            let entryWidth =
                Self.swatchWidth + 5 + ChartAxis.textWidth(text, fontSize: Style.fontSize) + Self.legendGap
            if x > margin && x + entryWidth - Self.legendGap > imageWidth - margin {
                rows.append(row)
                (row, x) = ([], margin)
            }
            row.append(LegendEntry(series: series, text: text, x: x))
            x += entryWidth
        }
        if !row.isEmpty {
            rows.append(row)
        }
        return rows
    }

    private func legendSVG(_ rows: [[LegendEntry]], top: Double) -> String {
        guard !rows.isEmpty else { return "" }
        var svg = "<g class=\"ns-legend\" fill=\"\(Style.text)\">"
        for (rowIndex, row) in rows.enumerated() {
            let baseline = top + 11 + 16 * Double(rowIndex)
            let lineY = ChartAxis.coordinate(baseline - 4)
            for entry in row {
                let color = entry.series.color
                svg += "<g><title>\(XMLEscaping.escape(entry.series.label))</title>"
                svg += "<line x1=\"\(ChartAxis.coordinate(entry.x))\" y1=\"\(lineY)\""
                svg += " x2=\"\(ChartAxis.coordinate(entry.x + Self.swatchWidth))\" y2=\"\(lineY)\" stroke=\"\(color)\""
                svg +=
                    " stroke-width=\"2\"" + (entry.series.strokeDashes.map { " stroke-dasharray=\"\($0)\"/>" } ?? "/>")
                if let marker = entry.series.marker {
                    svg += marker.svg(x: entry.x + Self.swatchWidth / 2, y: baseline - 4, color: color)
                }
                svg += "<text x=\"\(ChartAxis.coordinate(entry.x + Self.swatchWidth + 5))\""
                svg += " y=\"\(ChartAxis.coordinate(baseline))\">\(XMLEscaping.escape(entry.text))</text></g>"
            }
        }
        return svg + "</g>"
    }
}
