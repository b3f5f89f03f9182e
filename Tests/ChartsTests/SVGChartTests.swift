import Foundation
import Testing

@testable import Charts

#if canImport(FoundationXML)
    import FoundationXML
#endif

// MARK: - Parsing helpers

/// One element of a parsed SVG document, with what the tests need to find it: the `class` of every ancestor.
private struct ParsedElement {
    var name: String
    var attributes: [String: String]
    var ancestorClasses: [String]
    var parentIndex: Int?
    var text = ""

    func number(_ attribute: String) -> Double? { attributes[attribute].flatMap(Double.init) }
    func isInside(_ cssClass: String) -> Bool { ancestorClasses.contains(cssClass) }
}

/// Collects the elements of a document in document order.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [ParsedElement] = []
    private var open: [Int] = []

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        let ancestors = open.flatMap { index in
            elements[index].ancestorClasses + [elements[index].attributes["class"]].compactMap { $0 }
        }
        elements.append(
            ParsedElement(
                name: elementName, attributes: attributes, ancestorClasses: Array(Set(ancestors)),
                parentIndex: open.last))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let index = open.last {
            elements[index].text += string
        }
    }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        open.removeLast()
    }
}

/// The elements of `svg`, or nil if it is not well-formed XML.
private func parse(_ svg: String) -> [ParsedElement]? {
    let parser = XMLParser(data: Data(svg.utf8))
    let collector = ElementCollector()
    parser.delegate = collector
    return parser.parse() ? collector.elements : nil
}

/// The points of a `<polyline>` as (x, y) pairs.
private func points(_ polyline: ParsedElement) -> [(x: Double, y: Double)] {
    (polyline.attributes["points"] ?? "").split(separator: " ").map { pair in
        let xy = pair.split(separator: ",").map { Double($0)! }
        return (xy[0], xy[1])
    }
}

/// The plot rectangle, read back from the frame every chart draws around it.
private func frame(_ elements: [ParsedElement]) throws -> (left: Double, top: Double, right: Double, bottom: Double) {
    let rect = try #require(elements.first { $0.attributes["class"] == "ns-frame" })
    let (x, y) = (try #require(rect.number("x")), try #require(rect.number("y")))
    return (x, y, x + (try #require(rect.number("width"))), y + (try #require(rect.number("height"))))
}

private func series(
    _ label: String, _ y: [Double], color: String = "#0072b2", marker: ChartMarker? = nil, dashed: Bool = false
) -> ChartSeries {
    ChartSeries(label: label, x: y.indices.map(Double.init), y: y, color: color, marker: marker, dashed: dashed)
}

private func lineChart(_ series: [ChartSeries], logY: Bool = false, title: String = "loss") -> SVGLineChart {
    SVGLineChart(title: title, xLabel: "step", yLabel: "value", series: series, logY: logY)
}

private func heatMap(
    xEdges: [Double], yEdges: [Double], values: [[Double]], logColor: Bool = false
) -> SVGHeatMap {
    SVGHeatMap(
        title: "Φ histogram", xLabel: "step", yLabel: "Φ", colorLabel: "count", xEdges: xEdges, yEdges: yEdges,
        values: values, logColor: logColor)
}

@Suite("SVG charts")
struct SVGChartTests {
    // MARK: - Axis ticks

    @Test("linear ticks at 1, 2, 5 × 10^k: 0…1 in steps of 0.2")
    func unitRange() {
        let axis = ChartAxis.linear(lower: 0, upper: 1)
        #expect(axis.ticks.map(\.value) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(axis.ticks.map(\.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1"])
        #expect(axis.lower == 0 && axis.upper == 1)
    }

    @Test("0.013…0.87 grows to 0…1 on a value axis and keeps its ends on a bin axis")
    func unevenRange() {
        let value = ChartAxis.linear(lower: 0.013, upper: 0.87)
        #expect(value.ticks.map(\.value) == [0, 0.2, 0.4, 0.6, 0.8, 1])
        #expect(value.lower == 0 && value.upper == 1)
        let exact = ChartAxis.linear(lower: 0.013, upper: 0.87, extendsToTicks: false)
        #expect(exact.ticks.map(\.value) == [0.2, 0.4, 0.6, 0.8])
        #expect(exact.lower == 0.013 && exact.upper == 0.87)
    }

    @Test("a constant is padded into the middle of a labelled axis; zero gets -1…1")
    func constantRange() {
        let three = ChartAxis.linear(lower: 3, upper: 3)
        #expect(three.ticks.map(\.value) == [1, 2, 3, 4, 5])
        #expect(three.fraction(of: 3) == 0.5)
        let zero = ChartAxis.linear(lower: 0, upper: 0)
        #expect(zero.ticks.map(\.label) == ["-1", "-0.5", "0", "0.5", "1"])
    }

    @Test("negative and zero-crossing ranges: minus signs, and zero is \"0\"")
    func negativeRanges() {
        let negative = ChartAxis.linear(lower: -7.5, upper: -0.2)
        #expect(negative.ticks.map(\.label) == ["-8", "-6", "-4", "-2", "0"])
        let crossing = ChartAxis.linear(lower: -0.35, upper: 0.6)
        #expect(crossing.ticks.map(\.value) == [-0.4, -0.2, 0, 0.2, 0.4, 0.6])
        #expect(crossing.ticks.map(\.label) == ["-0.4", "-0.2", "0", "0.2", "0.4", "0.6"])
    }

    @Test("large and small linear ranges get SI prefixes and scientific labels")
    func prefixedRanges() {
        #expect(ChartAxis.linear(lower: 0, upper: 12000).ticks.map(\.label) == ["0", "5k", "10k", "15k"])
        #expect(
            ChartAxis.linear(lower: 0, upper: 5e-5).ticks.map(\.label) == ["0", "1e-5", "2e-5", "3e-5", "4e-5", "5e-5"])
        // Spacing below 0.001 switches the whole axis to scientific notation, not just its smallest tick.
        #expect(ChartAxis.linear(lower: 0, upper: 0.002).ticks.map(\.label) == ["0", "5e-4", "1e-3", "1.5e-3", "2e-3"])
    }

    @Test("log 1e-4…10 has one major tick per decade")
    func logDecades() {
        let axis = ChartAxis.logarithmic(lower: 1e-4, upper: 10)
        #expect(axis.ticks.map(\.value) == [1e-4, 1e-3, 0.01, 0.1, 1, 10])
        #expect(axis.ticks.map(\.label) == ["1e-4", "0.001", "0.01", "0.1", "1", "10"])
        #expect(axis.ticks.allSatisfy { $0.isMajor })
        #expect(axis.fraction(of: 1e-4) == 0 && axis.fraction(of: 10) == 1)
        #expect(abs(axis.fraction(of: 0.01)! - 0.4) < 1e-12)
    }

    @Test("under two decades the log axis adds labelled 2× and 5× minor ticks; under one decade 1…9×")
    func logMinorTicks() {
        let axis = ChartAxis.logarithmic(lower: 0.3, upper: 20)
        #expect(axis.ticks.map(\.value) == [0.2, 0.5, 1, 2, 5, 10, 20])
        #expect(axis.ticks.map(\.isMajor) == [false, false, true, false, false, true, false])
        #expect(axis.ticks.map(\.label) == ["0.2", "0.5", "1", "2", "5", "10", "20"])
        #expect(ChartAxis.logarithmic(lower: 0.3, upper: 0.45).ticks.map(\.value) == [0.3, 0.4, 0.5])
        #expect(ChartAxis.logarithmic(lower: 0.4, upper: 1).ticks.map(\.value) == [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1])
    }

    @Test("log axes over hundreds of decades thin their ticks; invalid bounds fall back to 1…10")
    func logExtremes() {
        let wide = ChartAxis.logarithmic(lower: 1e-300, upper: 1e300)
        #expect((3...10).contains(wide.ticks.count))
        #expect(wide.lower <= 1e-300 && wide.upper >= 1e300)
        let tiny = ChartAxis.logarithmic(lower: .leastNonzeroMagnitude, upper: .greatestFiniteMagnitude)
        #expect(tiny.ticks.allSatisfy { $0.value.isFinite && $0.value > 0 })
        #expect(tiny.fraction(of: 1).map { $0 > 0 && $0 < 1 } == true)
        let invalid = ChartAxis.logarithmic(lower: 0, upper: -1)
        #expect(invalid.lower == 1 && invalid.upper == 10)
        #expect(invalid.fraction(of: 0) == nil && invalid.fraction(of: -1) == nil && invalid.fraction(of: .nan) == nil)
    }

    @Test("linear axes near ±greatestFiniteMagnitude keep finite ticks and positions")
    func linearExtremes() {
        let axis = ChartAxis.linear(lower: -.greatestFiniteMagnitude, upper: .greatestFiniteMagnitude)
        #expect(!axis.ticks.isEmpty && axis.ticks.allSatisfy { $0.value.isFinite })
        #expect(axis.fraction(of: .greatestFiniteMagnitude) == 1 && axis.fraction(of: 0) == 0.5)
        let nonFinite = ChartAxis.linear(lower: .nan, upper: .infinity)
        #expect(nonFinite.lower == 0 && nonFinite.upper == 1)
    }

    @Test(
        "tick labels stay short",
        arguments: [
            (0.001, nil, "0.001"), (1e-5, nil, "1e-5"), (2.5e-7, nil, "2.5e-7"), (2500, nil, "2.5k"),
            (12000, nil, "12k"), (123_456, nil, "123k"), (1.5e6, nil, "1.5M"), (1e15, nil, "1e15"),
            (999.96, nil, "1k"), (3.14159, nil, "3.14"), (42, nil, "42"), (-0.25, nil, "-0.25"), (0, nil, "0"),
            (-0.0, nil, "0"), (.nan, nil, ""), (.infinity, nil, ""), (0.30000000000000004, 0.1, "0.3"),
            (1000.1, 0.1, "1.0001k"), (0.002, 0.002, "0.002"), (0.0005, 0.0005, "5e-4"),
            (0.99995, 5e-5, "0.99995"), (1, 5e-5, "1"), (0.00105, 5e-5, "1.05e-3"),
        ] as [(Double, Double?, String)])
    func labels(value: Double, resolution: Double?, expected: String) {
        #expect(ChartAxis.label(value, resolution: resolution) == expected)
    }

    // MARK: - Palette and escaping

    @Test("viridis ends, stops and the midpoint between two stops")
    func sequentialColors() {
        #expect(ChartPalette.sequential(0) == "#440154")
        #expect(ChartPalette.sequential(1) == "#fde725")
        #expect(ChartPalette.sequential(0.5) == "#21918c")
        // Halfway between #440154 and #472d7b, rounded half up per channel.
        #expect(ChartPalette.sequential(1.0 / 16) == "#461768")
        #expect(ChartPalette.sequential(-3) == "#440154" && ChartPalette.sequential(7) == "#fde725")
        #expect(ChartPalette.sequential(.nan) == ChartPalette.missing)
    }

    @Test("a series' marker is drawn along its line and on its legend swatch, in the line's colour")
    func markers() throws {
        let chart = lineChart([
            series("layernorm lr=0.001", (0..<200).map { 1 / Double($0 + 1) }, marker: .square),
            series("layernorm lr=0.01", (0..<200).map { 2 / Double($0 + 1) }),
        ])
        let elements = try #require(parse(chart.svg()))
        let shapes = elements.filter { $0.name == "polygon" && $0.isInside("ns-series") }
        #expect((8...10).contains(shapes.count), "\(shapes.count) markers")
        #expect(shapes.allSatisfy { $0.attributes["fill"] == "#0072b2" })
        let legend = elements.filter { $0.name == "polygon" && $0.isInside("ns-legend") }
        #expect(legend.count == 1)
    }

    @Test("XML escaping of the five special characters and of characters XML forbids")
    func escaping() {
        #expect(XMLEscaping.escape("<&>\"'") == "&lt;&amp;&gt;&quot;&apos;")
        #expect(XMLEscaping.escape("a\u{0}b\u{1B}c\td\ne") == "a\u{FFFD}b\u{FFFD}c\td\ne")
        #expect(XMLEscaping.escape("Φ ≡ 0") == "Φ ≡ 0")
    }

    // MARK: - Line chart

    @Test("the document root, its first child <title>, and escaped text that parses back to the original")
    func documentRoot() throws {
        let svg = lineChart([series("a<b>", [1, 2, 3])], title: "<&>\"'").svg()
        #expect(svg.contains("&lt;&amp;&gt;&quot;&apos;"))
        let elements = try #require(parse(svg))
        let root = elements[0]
        #expect(root.name == "svg" && root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["viewBox"] == "0 0 520 300" && root.attributes["width"] == "520")
        #expect(root.attributes["height"] == "300" && root.attributes["role"] == "img")
        #expect(elements[1].name == "title" && elements[1].parentIndex == 0 && elements[1].text == "<&>\"'")
        #expect(elements.contains { $0.name == "text" && $0.text == "a<b>" })
    }

    @Test("NaN and ±∞ break a line into one polyline per finite run; a lone point is a circle")
    func gaps() throws {
        let elements = try #require(parse(lineChart([series("a", [1, 2, .nan, 3, 4])]).svg()))
        let lines = elements.filter { $0.name == "polyline" }
        #expect(lines.count == 2 && lines.allSatisfy { points($0).count == 2 })
        let infinite = try #require(parse(lineChart([series("a", [1, 2, .infinity, 3, 4, -.infinity, 5, 6])]).svg()))
        #expect(infinite.filter { $0.name == "polyline" }.count == 3)
        let lone = try #require(parse(lineChart([series("a", [1, .nan, 2, 3])]).svg()))
        #expect(lone.filter { $0.name == "polyline" }.count == 1 && lone.filter { $0.name == "circle" }.count == 1)
    }

    @Test("a constant series is drawn across the middle of the plot, not on its edge")
    func constantSeries() throws {
        let elements = try #require(parse(lineChart([series("flat", [3, 3, 3, 3])]).svg()))
        let plot = try frame(elements)
        let line = try #require(elements.first { $0.name == "polyline" })
        let ys = Set(points(line).map(\.y))
        #expect(ys.count == 1)
        #expect(abs(ys.first! - (plot.top + plot.bottom) / 2) < 0.01)
    }

    @Test("on a log axis a series of zeros is left out and its legend entry says so")
    func logZeros() throws {
        let zeros = series("recenter", [0, 0, 0], color: "#d55e00")
        let chart = lineChart([series("loss", [1, 0.1, 0.01]), zeros, series("neg", [-1, 0, -2])], logY: true)
        let elements = try #require(parse(chart.svg()))
        let legend = elements.filter { $0.name == "text" && $0.isInside("ns-legend") }.map(\.text)
        #expect(legend == ["loss", "recenter (≡ 0, not shown)", "neg (≤ 0, not shown)"])
        #expect(elements.filter { $0.attributes["class"] == "ns-series" }.count == 1)
        // On a linear axis the same zeros are an ordinary line.
        let linear = try #require(parse(lineChart([zeros]).svg()))
        #expect(linear.filter { $0.name == "text" && $0.isInside("ns-legend") }.map(\.text) == ["recenter"])
        #expect(linear.contains { $0.name == "polyline" })
    }

    @Test("the legend lists every series below the plot, with the series' dash pattern")
    func legend() throws {
        let chart = lineChart([
            series("train", [3, 2, 1], color: "#009e73", dashed: true), series("valid", [3, 2.5, 2], color: "#009e73"),
            series(String(repeating: "very long run name ", count: 20), [1, 2, 3], color: "#cc79a7"),
        ])
        let elements = try #require(parse(chart.svg()))
        let plot = try frame(elements)
        let texts = elements.filter { $0.name == "text" && $0.isInside("ns-legend") }
        #expect(texts.count == 3 && texts.allSatisfy { $0.number("y")! > plot.bottom + 30 })
        #expect(texts.allSatisfy { $0.number("y")! < 300 })
        #expect(texts[2].text.hasSuffix("…"))
        let swatches = elements.filter { $0.name == "line" && $0.isInside("ns-legend") }
        #expect(swatches.map { $0.attributes["stroke-dasharray"] != nil } == [true, false, false])
        let groups = elements.filter { $0.attributes["class"] == "ns-series" }
        #expect(groups.map { $0.attributes["stroke-dasharray"] != nil } == [true, false, false])
        #expect(
            groups.map { $0.attributes["stroke"] } == ["#009e73", "#009e73", "#cc79a7"])
    }

    @Test("reference lines are inside the y range even when the data is not near them")
    func referenceLines() throws {
        var chart = lineChart([series("rescale_ratio", [0.2, 0.4, 0.6])])
        chart.referenceLines = [.init(y: 1, label: "y = 1"), .init(y: .nan, label: "ignored")]
        let elements = try #require(parse(chart.svg()))
        let plot = try frame(elements)
        let lines = elements.filter { $0.name == "line" && $0.isInside("ns-reference") }
        #expect(lines.count == 1)
        let y = try #require(lines.first?.number("y1"))
        #expect(y >= plot.top && y < plot.bottom)
        #expect(elements.contains { $0.name == "text" && $0.text == "y = 1" })
    }

    @Test("charts without drawable data show a frame and a centred \"no data\"")
    func emptyLineCharts() throws {
        let empties = [
            lineChart([]), lineChart([series("nan", [.nan, .nan])]), lineChart([series("empty", [])]),
            lineChart([series("zeros", [0, 0])], logY: true),
        ]
        for chart in empties {
            let elements = try #require(parse(chart.svg()))
            #expect(elements.contains { $0.attributes["class"] == "ns-no-data" && $0.text == "no data" })
            #expect(!elements.contains { $0.name == "polyline" || $0.name == "circle" })
            _ = try frame(elements)
        }
    }

    @Test("4 series × 400 points stay well under 60 kB")
    func size() {
        let lines = (0..<4).map { k in
            series("run \(k)", (0..<400).map { 2 * exp(-Double($0) / 100) + 0.1 * Double(k) + 0.01 * sin(Double($0)) })
        }
        #expect(lineChart(lines).svg().utf8.count < 60_000)
    }

    @Test("long traces are thinned per pixel column but keep their spikes")
    func thinning() throws {
        var y = (0..<20_000).map { 0.5 + 0.4 * sin(Double($0) / 50) }
        y[12_345] = 100
        let svg = lineChart([series("long", y)]).svg()
        #expect(svg.utf8.count < 60_000)
        let elements = try #require(parse(svg))
        let plot = try frame(elements)
        let highest = try #require(elements.filter { $0.name == "polyline" }.flatMap(points).map(\.y).min())
        #expect(abs(highest - plot.top) < 0.01)
        let thinned = SVGLineChart.thinned([(0.1, 5), (0.5, 1), (0.7, 9), (0.9, 4), (1.2, 3)])
        #expect(thinned.map(\.y) == [5, 1, 9, 4, 3])
        #expect(
            SVGLineChart.thinned([(0.1, 5), (0.2, 6), (0.5, 1), (0.7, 9), (0.8, 8), (0.9, 4)]).map(\.y) == [5, 1, 9, 4])
    }

    // MARK: - Heat map

    @Test("one rect per cell of its own colour, NaN cells grey and explained, cells tiling the plot without gaps")
    func heatMapCells() throws {
        let values: [[Double]] = [[1, 2, 3, 4], [5, .nan, 7, 8], [9, 10, 11, 12]]
        let elements = try #require(
            parse(heatMap(xEdges: [0, 10, 20, 30], yEdges: [0, 1, 2, 3, 4], values: values).svg()))
        let cells = elements.filter { $0.name == "rect" && $0.isInside("ns-cells") }
        #expect(cells.count == 12)
        #expect(cells.filter { $0.attributes["fill"] == ChartPalette.missing }.count == 1)
        #expect(elements.contains { $0.isInside("ns-legend") && $0.text == "no data" })
        #expect(
            elements.contains {
                $0.attributes["class"] == "ns-cells" && $0.attributes["shape-rendering"] == "crispEdges"
            })
        let plot = try frame(elements)
        #expect(abs(cells.map { $0.number("x")! }.min()! - plot.left) < 0.01)
        #expect(abs(cells.map { $0.number("x")! + $0.number("width")! }.max()! - plot.right) < 0.02)
        #expect(abs(cells.map { $0.number("y")! }.min()! - plot.top) < 0.01)
        #expect(abs(cells.map { $0.number("y")! + $0.number("height")! }.max()! - plot.bottom) < 0.02)
        // 0 and 10 are the ends of the colour axis (0…10 is already nice), so they get the ends of viridis.
        let full = try #require(parse(heatMap(xEdges: [0, 1, 2], yEdges: [0, 1], values: [[0], [10]]).svg()))
        let fills = full.filter { $0.name == "rect" && $0.isInside("ns-cells") }.map { $0.attributes["fill"] }
        #expect(fills == ["#440154", "#fde725"])
        #expect(!full.contains { $0.isInside("ns-legend") })
    }

    @Test("same-coloured neighbours in a column are one rect spanning them, and the column still tiles the plot")
    func heatMapMergesRuns() throws {
        // Column 0: 0, 0, 0, 5 (a run of three empty bins, then one); column 1: all equal.
        let values: [[Double]] = [[0, 0, 0, 5], [3, 3, 3, 3]]
        let elements = try #require(
            parse(heatMap(xEdges: [0, 1, 2], yEdges: [0, 1, 2, 3, 4], values: values).svg()))
        let cells = elements.filter { $0.name == "rect" && $0.isInside("ns-cells") }
        #expect(cells.count == 3)
        let plot = try frame(elements)
        let heights = cells.map { $0.number("height")! }
        #expect(abs(heights[0] - 3 * heights[1]) < 0.05 && abs(heights[2] - (plot.bottom - plot.top)) < 0.05)
        #expect(abs(cells.map { $0.number("y")! + $0.number("height")! }.max()! - plot.bottom) < 0.02)
    }

    @Test("uneven and open-ended row edges give proportional cell heights")
    func unevenRows() throws {
        let elements = try #require(parse(heatMap(xEdges: [0, 1], yEdges: [0, 1, 3], values: [[1, 2]]).svg()))
        let heights = elements.filter { $0.name == "rect" && $0.isInside("ns-cells") }.map { $0.number("height")! }
        #expect(heights.count == 2 && abs(heights[1] / heights[0] - 2) < 0.01)
        let open = try #require(
            parse(heatMap(xEdges: [0, 1], yEdges: [-.infinity, 0, 1, .infinity], values: [[1, 2, 3]]).svg()))
        let openHeights = open.filter { $0.name == "rect" && $0.isInside("ns-cells") }.map { $0.number("height")! }
        #expect(openHeights.count == 3 && abs(openHeights[0] - openHeights[1]) < 0.02)
        #expect(abs(openHeights[2] - openHeights[1]) < 0.02)
    }

    @Test("log colour: values ≤ 0 take the lowest colour, decades are evenly spaced")
    func logColor() throws {
        let map = heatMap(xEdges: [0, 1, 2, 3, 4], yEdges: [0, 1], values: [[0], [1], [10], [100]], logColor: true)
        let elements = try #require(parse(map.svg()))
        let fills = elements.filter { $0.name == "rect" && $0.isInside("ns-cells") }.map { $0.attributes["fill"] }
        #expect(fills == ["#440154", "#440154", "#21918c", "#fde725"])
        // Bottom to top; the rotated colour label has no y of its own and comes last.
        let labels = elements.filter { $0.name == "text" && $0.isInside("ns-colorbar") }
            .sorted { ($0.number("y") ?? -1) > ($1.number("y") ?? -1) }.map(\.text)
        #expect(labels == ["1", "10", "100", "count"])
    }

    @Test("heat maps without cells or with only NaN say \"no data\"; broken edges say so")
    func emptyHeatMaps() throws {
        let cases: [(SVGHeatMap, String)] = [
            (heatMap(xEdges: [], yEdges: [0, 1], values: []), "no data"),
            (heatMap(xEdges: [0, 1, 2], yEdges: [0, 1], values: [[.nan], [.nan]]), "no data"),
            (heatMap(xEdges: [0, 1, 2], yEdges: [0], values: [[], []]), "no data"),
            (heatMap(xEdges: [0, .nan, 2], yEdges: [0, 1], values: [[1], [2]]), "invalid bin edges"),
            (heatMap(xEdges: [0, 2, 1], yEdges: [0, 1], values: [[1], [2]]), "invalid bin edges"),
        ]
        for (map, note) in cases {
            let elements = try #require(parse(map.svg()))
            #expect(elements.contains { $0.attributes["class"] == "ns-no-data" && $0.text == note })
            #expect(!elements.contains { $0.isInside("ns-cells") })
        }
    }

    // MARK: - Adversarial input

    @Test("no chart ever contains nan or inf, and every chart is well-formed XML")
    func adversarial() throws {
        let huge = Double.greatestFiniteMagnitude
        var lines = [
            lineChart([]),
            lineChart([series("all gaps", [.nan, .nan, .nan])]),
            lineChart([series("extremes", [huge, -huge, .leastNonzeroMagnitude, 0, .infinity, -.infinity])]),
            lineChart([series("extremes", [huge, .leastNonzeroMagnitude, 1e-320, 1])], logY: true),
            lineChart([series("wide", [1e-300, 1e300])], logY: true),
            lineChart([series("mixed", [0, -1, .nan, 2, 3])], logY: true),
            lineChart([ChartSeries(label: "same x", x: [5, 5, 5], y: [1, 2, 3], color: "#000000")]),
            lineChart([ChartSeries(label: "bad x", x: [.nan, 1, .infinity, 2], y: [1, 2, 3, 4], color: "#999999")]),
            lineChart([ChartSeries(label: "one", x: [huge], y: [-huge], color: "#0072b2")]),
            lineChart([series("\u{0}\u{1F}\u{FFFE}<tag>&amp;", [1, 2])], title: "\u{0}]]>"),
        ]
        var tiny = lineChart([series("a", [1, 2, 3])])
        (tiny.width, tiny.height) = (0, -10)
        var references = lineChart([series("a", [1, 2])], logY: true)
        references.referenceLines = [.init(y: .nan, label: "a"), .init(y: -1, label: "b"), .init(y: huge, label: "c")]
        lines += [tiny, references]
        let maps = [
            heatMap(xEdges: [], yEdges: [], values: []),
            heatMap(xEdges: [0, 1], yEdges: [0, 1], values: [[.infinity]]),
            heatMap(xEdges: [0, 1, 2], yEdges: [0, 1, 2], values: [[.infinity, -.infinity], [.nan, huge]]),
            heatMap(xEdges: [-huge, huge], yEdges: [-.infinity, .infinity], values: [[1]]),
            heatMap(xEdges: [0, 1], yEdges: [.infinity, 0], values: [[1]]),
            heatMap(xEdges: [0, 1, 2], yEdges: [0, 1], values: [[0], [-5]], logColor: true),
            heatMap(xEdges: [0, 1, 2], yEdges: [0, 1], values: [[3], [3]]),
            heatMap(xEdges: [0, 1e-320], yEdges: [-huge, huge], values: [[.leastNonzeroMagnitude]], logColor: true),
        ]
        let documents = lines.map { $0.svg() } + maps.map { $0.svg() }
        for svg in documents {
            #expect(parse(svg) != nil, "not well-formed: \(svg.prefix(200))")
            let lowered = svg.lowercased()
            #expect(!lowered.contains("nan") && !lowered.contains("inf"), "\(svg)")
        }
        let root = try #require(parse(tiny.svg())?.first)
        #expect(root.attributes["width"] == "240" && (root.number("height") ?? 0) >= 160)
    }
}
