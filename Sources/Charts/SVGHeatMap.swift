/// A heat map of binned values (for example Φ histograms over training steps) as a standalone SVG document, for
/// inlining in the HTML report of `normscope report`.
///
/// Cell (c, r) covers `xEdges[c]...xEdges[c + 1]` horizontally and `yEdges[r]...yEdges[r + 1]` vertically, both on
/// linear axes, so uneven bins get proportionally sized cells, and is coloured by `values[c][r]` on viridis
/// (``ChartPalette/sequential(_:)``). Concretely, with `lo...hi` the colour bar's range:
///
/// ```
/// t = (v - lo) / (hi - lo)                          linear colour
/// t = (log10 v - log10 lo) / (log10 hi - log10 lo)  logColor; v ≤ 0 gets t = 0
/// ```
///
/// +∞ takes the top colour and -∞ the bottom one; NaN (no data) is light grey, explained by a "no data" key under the
/// chart that appears only when such a cell exists.
///
/// Layout: the title; the plot with the y axis on the left and the x axis below; to its right a vertical colour bar
/// with its ticks and the rotated `colorLabel`; the x-axis title below. Every run of same-coloured cells in a column
/// is one `<rect>` in a `<g class="ns-cells" shape-rendering="crispEdges">`, with neighbouring cells sharing their
/// edge coordinates, so browsers show no hairline gaps. An infinite outermost edge (an open-ended bin such as "Φ below
/// the first edge") is drawn one neighbouring bin wide.
///
/// A map without cells, or with only NaN values, is a frame with a centred "no data" note; bin edges that are not
/// increasing, or infinite anywhere but at the ends, give the note "invalid bin edges". The output never contains
/// "nan" or "inf".
public struct SVGHeatMap: Sendable {
    /// The chart title, also the SVG's accessible `<title>`.
    public var title: String
    /// The x-axis title, for example "step".
    public var xLabel: String
    /// The y-axis title, for example "Φ".
    public var yLabel: String
    /// The colour bar's title, for example "fraction of units".
    public var colorLabel: String
    /// The column boundaries along x, increasing: one more than the number of columns.
    public var xEdges: [Double]
    /// The row boundaries along y, increasing (not necessarily evenly spaced): one more than the number of rows.
    public var yEdges: [Double]
    /// The cell values, `values[column][row]`; NaN means no data.
    public var values: [[Double]]
    /// Whether colours follow log10 of the value, for counts spanning several decades.
    public var logColor: Bool
    /// The image width in pixels (at least 240).
    public var width: Int
    /// The image height in pixels (at least 160).
    public var height: Int

    /// A heat map of `values` over the bins bounded by `xEdges` and `yEdges`.
    ///
    /// - Parameters:
    ///   - title: The chart title.
    ///   - xLabel: The x-axis title.
    ///   - yLabel: The y-axis title.
    ///   - colorLabel: The colour bar's title.
    ///   - xEdges: The column boundaries, `values.count + 1` of them (or none when there are no columns).
    ///   - yEdges: The row boundaries, one more than the count of every column of `values`.
    ///   - values: The cell values, `values[column][row]`; NaN means no data.
    ///   - logColor: Whether colours follow log10 of the value.
    ///   - width: The image width in pixels.
    ///   - height: The image height in pixels.
    public init(
        title: String, xLabel: String, yLabel: String, colorLabel: String, xEdges: [Double], yEdges: [Double],
        values: [[Double]], logColor: Bool = false, width: Int = 520, height: Int = 300
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colorLabel = colorLabel
        self.xEdges = xEdges
        self.yEdges = yEdges
        self.values = values
        self.logColor = logColor
        self.width = width
        self.height = height
    }

    // MARK: - Rendering

    private typealias Style = ChartAxis.Style

    private static let colorBarGap = 14.0
    private static let colorBarWidth = 12.0
    private static let colorBarSlices = 48

    /// The chart as an SVG document (UTF-8 text, one root `<svg>` element, no `id`s), ready to inline in HTML5.
    public func svg() -> String {
        let rowCount = yEdges.count - 1
        if !values.isEmpty {
            precondition(
                xEdges.count == values.count + 1,
                "SVGHeatMap expects one more x edge than columns, got \(xEdges.count) edges for \(values.count) columns"
            )
            for (column, cells) in values.enumerated() {
                precondition(
                    cells.count == rowCount,
                    "SVGHeatMap expects every column to have one value per row (yEdges.count - 1 = \(rowCount)), "
                        + "got \(cells.count) in column \(column)")
            }
        }
        let imageWidth = Double(max(width, 240))
        let imageHeight = Double(max(height, 160))
        let hasMissing = values.contains { $0.contains { $0.isNaN } }
        let bottomMargin = 42.0 + (hasMissing ? 18.0 : 0.0)
        var plot = ChartAxis.PlotArea(
            left: 0, top: Style.titleHeight, width: 0, height: imageHeight - Style.titleHeight - bottomMargin)

        let finite = values.joined().filter(\.isFinite)
        let columns = Self.resolvedEdges(xEdges)
        let rows = Self.resolvedEdges(yEdges)
        guard !values.isEmpty, rowCount > 0, values.joined().contains(where: { !$0.isNaN }), let columns, let rows
        else {
            let note =
                values.isEmpty || rowCount <= 0 || (columns != nil && rows != nil) ? "no data" : "invalid bin edges"
            plot.left = Style.sideTitleWidth + 30
            plot.width = imageWidth - plot.left - 18
            let body = plot.frameSVG + plot.noDataSVG(note) + plot.axisTitlesSVG(xLabel: xLabel, yLabel: yLabel)
            return ChartAxis.PlotArea.document(width: imageWidth, height: imageHeight, title: title, body: body)
        }

        let colorAxis = colorScale(finite, targetTickCount: max(2, Int(plot.height / 45)))
        let yAxis = ChartAxis.linear(
            lower: rows.first!, upper: rows.last!, targetTickCount: max(2, Int(plot.height / 45)),
            extendsToTicks: false)
        plot.left = Style.sideTitleWidth + yAxis.widestLabel + Style.tickLength + 7
        let rightMargin =
            Self.colorBarGap + Self.colorBarWidth + Style.tickLength + 3 + colorAxis.widestLabel + 8 + Style.fontSize
            + 8
        plot.width = max(imageWidth - plot.left - rightMargin, 40)
        let xAxis = ChartAxis.linear(
            lower: columns.first!, upper: columns.last!, targetTickCount: max(2, Int(plot.width / 85)),
            extendsToTicks: false)

        var body = cellsSVG(in: plot, columns: columns, rows: rows, xAxis: xAxis, yAxis: yAxis, colorAxis: colorAxis)
        body += plot.frameSVG + xAxis.bottomAxisSVG(in: plot, .ticks) + yAxis.leftAxisSVG(in: plot, .ticks)
        body += colorBarSVG(in: plot, colorAxis: colorAxis)
        body += plot.axisTitlesSVG(xLabel: xLabel, yLabel: yLabel)
        if hasMissing {
            let y = plot.bottom + 44
            body += "<g class=\"ns-legend\"><rect x=\"\(ChartAxis.coordinate(plot.left))\""
            body += " y=\"\(ChartAxis.coordinate(y))\" width=\"10\" height=\"10\" fill=\"\(ChartPalette.missing)\""
            body += " stroke=\"#999999\"/><text x=\"\(ChartAxis.coordinate(plot.left + 15))\""
            body += " y=\"\(ChartAxis.coordinate(y + 9))\" fill=\"\(Style.text)\">no data</text></g>"
        }
        return ChartAxis.PlotArea.document(width: imageWidth, height: imageHeight, title: title, body: body)
    }

    /// `edges` with an infinite first or last edge replaced by one neighbouring bin width, or nil if the edges are
    /// not finite and strictly increasing after that.
    static func resolvedEdges(_ edges: [Double]) -> [Double]? {
        guard edges.count >= 2 else { return nil }
        var resolved = edges
        let last = edges.count - 1
        if resolved[0] == -.infinity && edges.count >= 2 && resolved[1].isFinite {
            let width = edges.count >= 3 && edges[2].isFinite ? edges[2] - edges[1] : 1
            resolved[0] = edges[1] - width
        }
        if resolved[last] == .infinity && resolved[last - 1].isFinite {
            let width = last >= 2 && resolved[last - 2].isFinite ? resolved[last - 1] - resolved[last - 2] : 1
            resolved[last] = resolved[last - 1] + width
        }
        guard resolved.allSatisfy(\.isFinite), zip(resolved, resolved.dropFirst()).allSatisfy({ $0 < $1 }) else {
            return nil
        }
        return resolved
    }

    /// The axis of the colour bar: over the finite values, or for `logColor` the positive ones (1…10 when there are
    /// none, every cell then having the lowest colour).
    private func colorScale(_ finite: [Double], targetTickCount: Int) -> ChartAxis {
        if logColor {
            let positive = finite.filter { $0 > 0 }
            return ChartAxis.logarithmic(lower: positive.min() ?? 1, upper: positive.max() ?? 10)
        }
        // All cells ±∞ or NaN: the colour bar still needs some range.
        return ChartAxis.linear(lower: finite.min() ?? 0, upper: finite.max() ?? 1, targetTickCount: targetTickCount)
    }

    /// The position 0…1 of `value` in the colour scale, NaN for no data.
    private func colorFraction(_ value: Double, on colorAxis: ChartAxis) -> Double {
        if value.isNaN { return .nan }
        if value == .infinity { return 1 }
        if value == -.infinity || (logColor && value <= 0) { return 0 }
        return min(max(colorAxis.fraction(of: value) ?? 0, 0), 1)
    }

    private func cellsSVG(
        in plot: ChartAxis.PlotArea, columns: [Double], rows: [Double], xAxis: ChartAxis, yAxis: ChartAxis,
        colorAxis: ChartAxis
    ) -> String {
        // Each edge is formatted once, so neighbouring cells meet at exactly the same coordinate.
        let xs = columns.map { ChartAxis.coordinate(plot.x($0, on: xAxis) ?? plot.left) }
        let ys = rows.map { ChartAxis.coordinate(plot.y($0, on: yAxis) ?? plot.bottom) }
        let xValues = xs.map { Double($0) ?? 0 }
        let yValues = ys.map { Double($0) ?? 0 }
        var svg = "<g class=\"ns-cells\" shape-rendering=\"crispEdges\">"
        for (column, cells) in values.enumerated() {
            let width = ChartAxis.coordinate(max(xValues[column + 1] - xValues[column], 0))
            // Neighbouring cells of one colour (most often the empty bins') are one rectangle: the demo's page
            // was 1.2 MB, four fifths of it two heat maps' cells.
            let fills = cells.map { ChartPalette.sequential(colorFraction($0, on: colorAxis)) }
            var row = 0
            while row < fills.count {
                var last = row
                while last + 1 < fills.count && fills[last + 1] == fills[row] { last += 1 }
                // Rows grow upwards: the top of a run is the edge above its last row.
                let height = ChartAxis.coordinate(max(yValues[row] - yValues[last + 1], 0))
                svg += "<rect x=\"\(xs[column])\" y=\"\(ys[last + 1])\" width=\"\(width)\" height=\"\(height)\""
                svg += " fill=\"\(fills[row])\"/>"
                row = last + 1
            }
        }
        return svg + "</g>"
    }

    private func colorBarSVG(in plot: ChartAxis.PlotArea, colorAxis: ChartAxis) -> String {
        let left = plot.right + Self.colorBarGap
        let sliceHeight = plot.height / Double(Self.colorBarSlices)
        let x = ChartAxis.coordinate(left)
        let barWidth = ChartAxis.coordinate(Self.colorBarWidth)
        var svg = "<g class=\"ns-colorbar\"><g shape-rendering=\"crispEdges\">"
        for slice in 0..<Self.colorBarSlices {
            // Slice 0 is at the bottom; its colour is the one at the slice's middle.
            let t = (Double(slice) + 0.5) / Double(Self.colorBarSlices)
            let top = ChartAxis.coordinate(plot.bottom - Double(slice + 1) * sliceHeight)
            let bottom = plot.bottom - Double(slice) * sliceHeight
            let height = ChartAxis.coordinate(bottom - (Double(top) ?? bottom))
            svg += "<rect x=\"\(x)\" y=\"\(top)\" width=\"\(barWidth)\" height=\"\(height)\""
            svg += " fill=\"\(ChartPalette.sequential(t))\"/>"
        }
        svg += "</g><rect x=\"\(x)\" y=\"\(ChartAxis.coordinate(plot.top))\" width=\"\(barWidth)\""
        svg += " height=\"\(ChartAxis.coordinate(plot.height))\" fill=\"none\" stroke=\"\(Style.axisLine)\"/>"
        svg += colorAxis.rightAxisSVG(x: left + Self.colorBarWidth, top: plot.top, bottom: plot.bottom)
        let titleX = left + Self.colorBarWidth + Style.tickLength + 3 + colorAxis.widestLabel + 8 + Style.fontSize - 2
        svg +=
            "<text transform=\"translate(\(ChartAxis.coordinate(titleX)) \(ChartAxis.coordinate(plot.top + plot.height / 2)))"
        svg += " rotate(-90)\" text-anchor=\"middle\" fill=\"\(Style.text)\">\(XMLEscaping.escape(colorLabel))</text>"
        return svg + "</g>"
    }
}
