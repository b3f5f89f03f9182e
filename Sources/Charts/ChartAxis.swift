import Foundation

/// One axis of a report chart: the value range it shows (its domain), where its ticks go and what they say.
///
/// A linear axis puts its ticks at "nice" multiples of 1, 2 or 5 × 10ᵏ, about `targetTickCount` intervals apart,
/// which is what a reader can interpolate between without a calculator. A logarithmic axis puts them at whole
/// decades, and adds 2× and 5× ticks (labelled, drawn lighter) when the data spans less than two decades, where
/// decades alone would leave two or three labels, and every 1…9× tick under one decade.
///
/// Tick labels stay short so they fit beside a 300-pixel chart:
///
/// ```
/// 0.2   0.001   1e-5   2.5e-7   500   2.5k   12k   1.5M   1e15   -0.25
/// ```
///
/// - Plain decimals from 0.001 up to 999, trailing zeros dropped.
/// - k, M, G, T (SI prefixes) from 1000 up to 10¹⁵, the way step counts are usually read.
/// - Scientific notation `<mantissa>e<exponent>` below 0.001 (on a linear axis: when the tick spacing is below 0.001,
///   so that all ticks of one axis share one notation) and from 10¹⁵ up.
///
/// Every domain and tick value is finite, whatever the input, so nothing derived from an axis can print "nan".
public struct ChartAxis: Sendable, Equatable {
    /// How values map to positions along the axis.
    public enum Scale: Sendable, Equatable {
        /// Equal differences take equal lengths.
        case linear
        /// Equal ratios take equal lengths; only positive values have a position.
        case logarithmic
    }

    /// A position on the axis worth a grid line and a label.
    public struct Tick: Sendable, Equatable {
        /// The data value at the tick.
        public var value: Double
        /// The text shown next to the tick; see ``ChartAxis/label(_:resolution:)``.
        public var label: String
        /// False for the 2× … 9× ticks between decades of a logarithmic axis, which are drawn lighter.
        public var isMajor: Bool

        /// A tick at `value` labelled `label`.
        ///
        /// - Parameters:
        ///   - value: The data value at the tick.
        ///   - label: The text shown next to the tick.
        ///   - isMajor: False for a tick drawn lighter (between decades of a logarithmic axis).
        public init(value: Double, label: String, isMajor: Bool = true) {
            self.value = value
            self.label = label
            self.isMajor = isMajor
        }
    }

    /// Linear or logarithmic.
    public let scale: Scale
    /// The smallest value the axis shows (the left or bottom end).
    public let lower: Double
    /// The largest value the axis shows (the right or top end); always greater than `lower`.
    public let upper: Double
    /// The ticks in increasing order, all within `lower...upper`.
    public let ticks: [Tick]

    // The domain after the scale's transform (identity or log10): `fraction(of:)` interpolates between these.
    let transformedLower: Double
    let transformedUpper: Double

    // MARK: - Making axes

    /// A linear axis covering `lower...upper` with ticks at multiples of 1, 2 or 5 × 10ᵏ.
    ///
    /// A range of zero width (a constant series) is widened by half its value on each side, or to -1…1 around zero,
    /// so that the constant sits in the middle of a labelled axis. Non-finite bounds fall back to 0…1; swapped bounds
    /// are put in order.
    ///
    /// - Parameters:
    ///   - lower: The smallest data value to show.
    ///   - upper: The largest data value to show.
    ///   - targetTickCount: About how many intervals between ticks; the result has this many give or take half.
    ///   - extendsToTicks: Whether the domain grows to the nearest ticks outside the data (true, so both ends are
    ///     labelled: good for a value axis) or stays exactly `lower...upper` (false: good for bin edges and steps,
    ///     where the data should touch both ends).
    public static func linear(
        lower: Double, upper: Double, targetTickCount: Int = 5, extendsToTicks: Bool = true
    ) -> ChartAxis {
        var (lo, hi) = lower.isFinite && upper.isFinite ? (min(lower, upper), max(lower, upper)) : (0, 1)
        // A span that is zero, or lost in the values' rounding, is a constant: pad it so the axis has a width.
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 || hi - lo < 1e-290 {
            let center = lo / 2 + hi / 2
            let pad = abs(center) >= 1e-290 ? abs(center) / 2 : 1
            lo = max(center - pad, -Double.greatestFiniteMagnitude)
            hi = min(center + pad, Double.greatestFiniteMagnitude)
        }
        // Dividing before subtracting keeps the step finite for ranges near ±Double.greatestFiniteMagnitude.
        let target = Double(max(targetTickCount, 1))
        let raw = hi / target - lo / target
        var exponent = Int(log10(raw).rounded(.down))
        let fraction = raw / decimal(1, exponent)
        var nice =
            switch fraction {
            case ...1: 1
            case ...2: 2
            case ...5: 5
            default: 10
            }
        if nice == 10 {
            (nice, exponent) = (1, exponent + 1)
        }
        let step = decimal(nice, exponent)
        // The 1e-9 slack keeps a bound that is a multiple of the step up to rounding (0.6 / 0.2 = 2.9999…) on it.
        let first = extendsToTicks ? (lo / step + 1e-9).rounded(.down) : (lo / step - 1e-9).rounded(.up)
        let last = extendsToTicks ? (hi / step - 1e-9).rounded(.up) : (hi / step + 1e-9).rounded(.down)
        var ticks: [Tick] = []
        if first <= last && last - first <= 100 && abs(first) < 1e15 && abs(last) < 1e15 {
            for k in Int(first)...Int(last) {
                let value = decimal(k * nice, exponent)
                guard value.isFinite else { continue }
                ticks.append(Tick(value: value, label: label(value, resolution: step)))
            }
        }
        if extendsToTicks, let firstTick = ticks.first, let lastTick = ticks.last, firstTick.value < lastTick.value {
            lo = min(lo, firstTick.value)
            hi = max(hi, lastTick.value)
        }
        return ChartAxis(scale: .linear, lower: lo, upper: hi, ticks: ticks, transformedLower: lo, transformedUpper: hi)
    }

    /// A logarithmic axis covering `lower...upper`, both positive, with its ends on tick marks.
    ///
    /// The ticks are at decades (1, 10, 100, …). Under two decades of data they are at 1, 2 and 5 × 10ᵏ, and under
    /// one decade (or when 1, 2, 5 still give fewer than three ticks) at every 1 … 9 × 10ᵏ. Over about ten decades only every n-th decade is
    /// ticked, so there are at most about nine labels. A range of zero width is widened to a factor 2 on each side.
    /// Non-positive or non-finite bounds fall back to 1…10.
    ///
    /// - Parameters:
    ///   - lower: The smallest positive data value to show.
    ///   - upper: The largest data value to show.
    public static func logarithmic(lower: Double, upper: Double) -> ChartAxis {
        let valid = lower.isFinite && upper.isFinite && lower > 0 && upper > 0
        var (lo, hi) = valid ? (min(lower, upper), max(lower, upper)) : (1, 10)
        if hi / lo < 1 + 1e-9 {
            (lo, hi) = (max(lo / 2, .leastNonzeroMagnitude), min(hi * 2, .greatestFiniteMagnitude))
        }
        let (logLo, logHi) = (log10(lo), log10(hi))
        // Positions outside these have no finite, non-zero Double.
        let (floorLog, ceilingLog) = (log10(Double.leastNonzeroMagnitude), log10(Double.greatestFiniteMagnitude))
        let decades = logHi - logLo

        // Candidate ticks as (mantissa, exponent); the domain snaps outwards to the nearest candidates.
        func candidates(_ mantissas: [Int], decadeStride: Int) -> [(mantissa: Int, exponent: Int)] {
            let firstDecade = Int(logLo.rounded(.down)) - 1
            let start = Int((Double(firstDecade) / Double(decadeStride)).rounded(.down)) * decadeStride
            let end = Int(logHi.rounded(.up)) + decadeStride
            return stride(from: start, through: end, by: decadeStride).flatMap { k in mantissas.map { ($0, k) } }
        }
        func position(_ tick: (mantissa: Int, exponent: Int)) -> Double {
            Double(tick.exponent) + log10(Double(tick.mantissa))
        }
        func snapped(_ all: [(mantissa: Int, exponent: Int)]) -> (lower: Double, upper: Double, count: Int) {
            let below = all.map(position).filter { $0 <= logLo + 1e-9 }.max() ?? logLo
            let above = all.map(position).filter { $0 >= logHi - 1e-9 }.min() ?? logHi
            let inside = all.filter { position($0) >= below - 1e-9 && position($0) <= above + 1e-9 }
            return (below, above, inside.count)
        }

        var all: [(mantissa: Int, exponent: Int)]
        if decades >= 2 {
            let span = Int(decades.rounded(.up))
            all = candidates([1], decadeStride: span > 10 ? Int((Double(span) / 8).rounded(.up)) : 1)
        } else {
            // Within one decade 1, 2 and 5 would leave two or three ticks; the label spacing drops any that crowd.
            all = candidates(decades < 1 ? Array(1...9) : [1, 2, 5], decadeStride: 1)
            if snapped(all).count < 3 {
                all = candidates(Array(1...9), decadeStride: 1)
            }
        }
        let bounds = snapped(all)
        let transformedLower = max(bounds.lower, floorLog)
        let transformedUpper = min(bounds.upper, ceilingLog)
        let ticks = all.filter {
            position($0) >= transformedLower - 1e-9 && position($0) <= transformedUpper + 1e-9
        }.compactMap { tick -> Tick? in
            let value = decimal(tick.mantissa, tick.exponent)
            guard value.isFinite && value > 0 else { return nil }
            return Tick(value: value, label: label(value, resolution: value), isMajor: tick.mantissa == 1)
        }
        // Domain ends on tick values where they exist, so fraction(of: first tick) is exactly 0.
        var domainLower = max(Double.leastNonzeroMagnitude, min(lo, pow(10, transformedLower)))
        var domainUpper = min(Double.greatestFiniteMagnitude, max(hi, pow(10, transformedUpper)))
        if let first = ticks.first, abs(log10(first.value) - transformedLower) < 1e-9 {
            domainLower = first.value
        }
        if let last = ticks.last, abs(log10(last.value) - transformedUpper) < 1e-9 {
            domainUpper = last.value
        }
        return ChartAxis(
            scale: .logarithmic, lower: domainLower, upper: domainUpper, ticks: ticks,
            transformedLower: log10(domainLower), transformedUpper: log10(domainUpper))
    }

    // MARK: - Positions

    /// Where `value` sits along the axis: 0 at `lower`, 1 at `upper`, in between linearly in the scale's transform.
    ///
    /// Returns nil for a value that has no position: NaN, ±∞, and zero or negative values on a logarithmic axis.
    /// Values outside the domain give fractions outside 0…1.
    ///
    /// - Parameters:
    ///   - value: A data value.
    public func fraction(of value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .linear:
            // Halving first keeps the differences finite for values near ±Double.greatestFiniteMagnitude.
            return (value / 2 - transformedLower / 2) / (transformedUpper / 2 - transformedLower / 2)
        case .logarithmic:
            guard value > 0 else { return nil }
            return (log10(value) - transformedLower) / (transformedUpper - transformedLower)
        }
    }

    // MARK: - Labels

    /// A short label for `value`, rounded to `resolution` (the tick spacing) or, without one, to 3 significant digits.
    ///
    /// The rules are those in the type's documentation: plain decimals from 0.001 to 999 (and near 1 on a fine axis), SI prefixes k/M/G/T from
    /// 1000, scientific notation (`2.5e-7`, `1e15`) outside; trailing zeros dropped, zero always `"0"`, an ASCII
    /// hyphen for minus. On a linear axis every tick gets the same `resolution`, so when it is below 0.001 all small
    /// ticks switch to scientific notation together. Non-finite values give an empty string.
    ///
    /// - Parameters:
    ///   - value: The number to show.
    ///   - resolution: The smallest difference the label must still show, usually the tick spacing.
    public static func label(_ value: Double, resolution: Double? = nil) -> String {
        guard value.isFinite, value != 0 else { return value == 0 ? "0" : "" }
        let leadingDigit = Int(log10(abs(value)).rounded(.down))
        var lastDigit: Int
        if let resolution, resolution.isFinite, resolution > 0 {
            lastDigit = Int((log10(resolution) + 1e-9).rounded(.down))
        } else {
            lastDigit = leadingDigit - 2
        }
        // More than 16 digits is noise, and would overflow the Int below.
        lastDigit = max(lastDigit, leadingDigit - 16)
        let quotient = (scaled(value, byPowerOfTen: -lastDigit)).rounded()
        guard quotient != 0 else { return "0" }

        // value ≈ digits × 10^exponent with no trailing zeros in digits.
        var digits = String(Int(abs(quotient)))
        var exponent = lastDigit
        while digits.count > 1 && digits.hasSuffix("0") {
            digits.removeLast()
            exponent += 1
        }
        let sign = quotient < 0 ? "-" : ""
        let leading = exponent + digits.count - 1
        // A fine resolution alone does not switch to scientific notation for values near 1: 0.99995 reads better
        // than 9.9995e-1 on a narrow axis such as a ratio's.
        let plain = plainDecimal(digits, exponent)
        let notationDigit = resolution == nil ? leading : lastDigit
        if leading >= 15 || (leading < 3 && notationDigit < -3 && (leading < -1 || plain.count > 9)) {
            let mantissa = digits.count > 1 ? "\(digits.first!).\(digits.dropFirst())" : digits
            return "\(sign)\(mantissa)e\(leading)"
        }
        if leading >= 3 {
            let prefixExponent = leading / 3 * 3
            let prefix = ["k", "M", "G", "T"][prefixExponent / 3 - 1]
            return sign + plainDecimal(digits, exponent - prefixExponent) + prefix
        }
        return sign + plain
    }

    // MARK: - Helpers

    /// `significand × 10^exponent`, correctly rounded (0.3 is 0.3, not 3 × 0.1), and ±∞ or 0 out of range.
    static func decimal(_ significand: Int, _ exponent: Int) -> Double {
        Double("\(significand)e\(exponent)") ?? 0
    }

    /// `value × 10^power` in two steps when one power of ten alone would overflow to ∞ or underflow to 0.
    private static func scaled(_ value: Double, byPowerOfTen power: Int) -> Double {
        if abs(power) <= 300 {
            return value * decimal(1, power)
        }
        let half = power / 2
        return value * decimal(1, half) * decimal(1, power - half)
    }

    /// `digits × 10^exponent` written out without an exponent: "15", -4 → "0.0015"; "25", 1 → "250".
    private static func plainDecimal(_ digits: String, _ exponent: Int) -> String {
        if exponent >= 0 {
            return digits + String(repeating: "0", count: exponent)
        }
        let fractionDigits = -exponent
        if digits.count > fractionDigits {
            let integerEnd = digits.index(digits.endIndex, offsetBy: -fractionDigits)
            return "\(digits[..<integerEnd]).\(digits[integerEnd...])"
        }
        return "0." + String(repeating: "0", count: fractionDigits - digits.count) + digits
    }
}

// MARK: - Drawing

extension ChartAxis {
    /// The plot rectangle of a chart in SVG pixels, and the pieces of chrome placed relative to it (frame, axis titles,
    /// the "no data" note). Both chart types share it so their charts line up when a report stacks them.
    struct PlotArea {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
        var right: Double { left + width }
        var bottom: Double { top + height }

        /// The pixel x of `value` on `axis` along the bottom edge, or nil if it has no position.
        func x(_ value: Double, on axis: ChartAxis) -> Double? {
            axis.fraction(of: value).map { left + $0 * width }
        }

        /// The pixel y of `value` on `axis` along the left edge (larger values higher up), or nil.
        func y(_ value: Double, on axis: ChartAxis) -> Double? {
            axis.fraction(of: value).map { bottom - $0 * height }
        }
    }

    /// Colours and sizes shared by both chart types, so every chart in a report looks alike.
    enum Style {
        static let fontFamily = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"
        static let fontSize = 11.0
        static let tickFontSize = 10.0
        static let titleFontSize = 13.0
        static let text = "#222222"
        static let tickText = "#444444"
        static let axisLine = "#666666"
        static let grid = "#e3e3e3"
        static let minorGrid = "#f1f1f1"
        static let tickLength = 4.0
        /// Room above the plot for the title.
        static let titleHeight = 30.0
        /// Room from the left edge to the tick labels, for the rotated y-axis title.
        static let sideTitleWidth = 22.0
    }

    /// An estimate of the rendered width of `text`; SVG has no text metrics without a browser, and 0.6 em per
    /// character is a little wide for digits in the common sans-serif fonts, which errs towards room to spare.
    static func textWidth(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.6
    }

    /// A pixel coordinate with at most two decimals and no trailing zeros ("12.5", "300", "-0.25"), keeping
    /// files small; non-finite input gives "0" so that no chart can ever contain "nan".
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let hundredths = (min(max(value, -1e12), 1e12) * 100).rounded()
        let magnitude = Int(abs(hundredths))
        let sign = hundredths < 0 ? "-" : ""
        let whole = magnitude / 100
        let fraction = magnitude % 100
        if fraction == 0 {
            return "\(sign)\(whole)"
        }
        let decimals = fraction % 10 == 0 ? "\(fraction / 10)" : (fraction < 10 ? "0\(fraction)" : "\(fraction)")
        return "\(sign)\(whole).\(decimals)"
    }

    /// The widest tick label in pixels, for the margin beside a vertical axis.
    var widestLabel: Double {
        ticks.map { Self.textWidth($0.label, fontSize: Style.tickFontSize) }.max() ?? 0
    }

    /// What of an axis to draw: the grid goes under the data, the ticks and labels over it.
    enum Part {
        case grid
        case ticks
    }

    /// Grid lines, or tick marks and tick labels, for this axis along the bottom edge of `plot`.
    func bottomAxisSVG(in plot: PlotArea, _ part: Part) -> String {
        let placed = ticks.compactMap { tick in plot.x(tick.value, on: self).map { (tick, $0) } }
        if part == .grid {
            let (y1, y2) = (Self.coordinate(plot.top), Self.coordinate(plot.bottom))
            return gridSVG(placed.map { ($0.0, Self.coordinate($0.1)) }) { x in
                "<line x1=\"\(x)\" y1=\"\(y1)\" x2=\"\(x)\" y2=\"\(y2)\"/>"
            }
        }
        let y1 = Self.coordinate(plot.bottom)
        let y2 = Self.coordinate(plot.bottom + Style.tickLength)
        var svg = "<g stroke=\"\(Style.axisLine)\">"
        for (_, x) in placed {
            svg += "<line x1=\"\(Self.coordinate(x))\" y1=\"\(y1)\" x2=\"\(Self.coordinate(x))\" y2=\"\(y2)\"/>"
        }
        svg += "</g>"
        let labelled = Self.spaced(placed) { a, b in
            (Self.textWidth(a.label, fontSize: Style.tickFontSize)
                + Self.textWidth(b.label, fontSize: Style.tickFontSize))
                / 2 + 6
        }
        let baseline = Self.coordinate(plot.bottom + Style.tickLength + Style.tickFontSize + 2)
        svg +=
            "<g fill=\"\(Style.tickText)\" font-size=\"\(Self.coordinate(Style.tickFontSize))\" text-anchor=\"middle\">"
        for (tick, x) in labelled {
            svg += "<text x=\"\(Self.coordinate(x))\" y=\"\(baseline)\">\(XMLEscaping.escape(tick.label))</text>"
        }
        return svg + "</g>"
    }

    /// Grid lines, or tick marks and tick labels, for this axis along the left edge of `plot`.
    func leftAxisSVG(in plot: PlotArea, _ part: Part) -> String {
        let placed = ticks.compactMap { tick in plot.y(tick.value, on: self).map { (tick, $0) } }
        if part == .grid {
            let (x1, x2) = (Self.coordinate(plot.left), Self.coordinate(plot.right))
            return gridSVG(placed.map { ($0.0, Self.coordinate($0.1)) }) { y in
                "<line x1=\"\(x1)\" y1=\"\(y)\" x2=\"\(x2)\" y2=\"\(y)\"/>"
            }
        }
        return verticalTicksSVG(placed: placed, edge: plot.left, outward: -1)
    }

    /// Tick marks and labels to the right of a vertical bar from `top` to `bottom` whose right edge is at `x`
    /// (the colour bar of a heat map).
    func rightAxisSVG(x: Double, top: Double, bottom: Double) -> String {
        let bar = PlotArea(left: x, top: top, width: 0, height: bottom - top)
        return verticalTicksSVG(
            placed: ticks.compactMap { tick in bar.y(tick.value, on: self).map { (tick, $0) } }, edge: x, outward: 1)
    }

    private func verticalTicksSVG(placed: [(Tick, Double)], edge: Double, outward: Double) -> String {
        var svg = ""
        let x1 = Self.coordinate(edge)
        let x2 = Self.coordinate(edge + outward * Style.tickLength)
        svg += "<g stroke=\"\(Style.axisLine)\">"
        for (_, y) in placed {
            svg += "<line x1=\"\(x1)\" y1=\"\(Self.coordinate(y))\" x2=\"\(x2)\" y2=\"\(Self.coordinate(y))\"/>"
        }
        svg += "</g>"
        let labelled = Self.spaced(placed) { _, _ in Style.tickFontSize + 2 }
        let labelX = Self.coordinate(edge + outward * (Style.tickLength + 3))
        let anchor = outward < 0 ? "end" : "start"
        svg +=
            "<g fill=\"\(Style.tickText)\" font-size=\"\(Self.coordinate(Style.tickFontSize))\" text-anchor=\"\(anchor)\">"
        for (tick, y) in labelled {
            // dy centres the digits on the tick without dominant-baseline, which older renderers ignore.
            svg +=
                "<text x=\"\(labelX)\" y=\"\(Self.coordinate(y))\" dy=\"0.35em\">\(XMLEscaping.escape(tick.label))</text>"
        }
        return svg + "</g>"
    }

    /// One group of grid lines, minor ticks lighter than major ones.
    private func gridSVG(_ placed: [(Tick, String)], line: (String) -> String) -> String {
        var svg = ""
        // Minor lines first, so the darker decade lines are drawn over them where they meet.
        for major in [false, true] {
            let lines = placed.filter { $0.0.isMajor == major }
            guard !lines.isEmpty else { continue }
            svg += "<g class=\"ns-grid\" stroke=\"\(major ? Style.grid : Style.minorGrid)\" stroke-width=\"1\">"
            svg += lines.map { line($0.1) }.joined()
            svg += "</g>"
        }
        return svg
    }

    /// The ticks whose labels fit: major ticks first, greedily along the axis, then minor ticks in the gaps, each
    /// at least `gap(a, b)` pixels from every label already kept.
    private static func spaced(
        _ placed: [(Tick, Double)], gap: (Tick, Tick) -> Double
    ) -> [(Tick, Double)] {
        var kept: [(Tick, Double)] = []
        for major in [true, false] {
            for candidate in placed.sorted(by: { $0.1 < $1.1 }) where candidate.0.isMajor == major {
                if kept.allSatisfy({ abs($0.1 - candidate.1) >= gap($0.0, candidate.0) }) {
                    kept.append(candidate)
                }
            }
        }
        return kept
    }
}

// MARK: - Chart chrome

extension ChartAxis.PlotArea {
    /// The root element, its accessible `<title>` and a white background, wrapped around `body`.
    ///
    /// The background keeps the dark text readable when a page uses a dark theme; no element has an `id`, so any
    /// number of charts can be inlined in one HTML page.
    static func document(width: Double, height: Double, title: String, body: String) -> String {
        let w = ChartAxis.coordinate(width)
        let h = ChartAxis.coordinate(height)
        typealias Style = ChartAxis.Style
        // A long title (a long preset and layer name) is set smaller, down to 10 px, before it is shortened.
        let available = width - 16
        let fitting = available / (0.6 * Double(max(title.count, 1)))
        let titleSize = min(Style.titleFontSize, max(10, fitting))
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\""
            + " role=\"img\" font-family=\"\(Style.fontFamily)\" font-size=\"\(ChartAxis.coordinate(Style.fontSize))\">"
            + "<title>\(XMLEscaping.escape(title))</title>"
            + "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>"
            + "<text x=\"\(ChartAxis.coordinate(width / 2))\" y=\"19\" text-anchor=\"middle\""
            + " font-size=\"\(ChartAxis.coordinate(titleSize))\" font-weight=\"600\" fill=\"\(Style.text)\">"
            + "\(XMLEscaping.escape(truncated(title, toWidth: available, fontSize: titleSize)))</text>"
            + body + "</svg>\n"
    }

    /// `text`, shortened with "…" when its estimated width exceeds `width`; the full text stays in a `<title>`.
    static func truncated(_ text: String, toWidth width: Double, fontSize: Double) -> String {
        let maxCharacters = max(Int(width / (fontSize * 0.6)), 4)
        return text.count <= maxCharacters ? text : String(text.prefix(maxCharacters - 1)) + "…"
    }

    /// The axis lines: a frame around the plot, drawn after the data so lines never cover it.
    var frameSVG: String {
        "<rect class=\"ns-frame\" x=\"\(ChartAxis.coordinate(left))\" y=\"\(ChartAxis.coordinate(top))\""
            + " width=\"\(ChartAxis.coordinate(width))\" height=\"\(ChartAxis.coordinate(height))\" fill=\"none\""
            + " stroke=\"\(ChartAxis.Style.axisLine)\"/>"
    }

    /// The x-axis title centred under the tick labels and the y-axis title rotated along the left edge.
    func axisTitlesSVG(xLabel: String, yLabel: String) -> String {
        let midY = ChartAxis.coordinate(top + height / 2)
        let sideX = ChartAxis.coordinate(ChartAxis.Style.sideTitleWidth - 8)
        return "<g fill=\"\(ChartAxis.Style.text)\" text-anchor=\"middle\">"
            + "<text x=\"\(ChartAxis.coordinate(left + width / 2))\" y=\"\(ChartAxis.coordinate(bottom + 33))\">"
            + "\(XMLEscaping.escape(xLabel))</text>"
            + "<text transform=\"translate(\(sideX) \(midY)) rotate(-90)\">\(XMLEscaping.escape(yLabel))</text></g>"
    }

    /// The centred note of a chart without anything to draw.
    func noDataSVG(_ note: String = "no data") -> String {
        "<text class=\"ns-no-data\" x=\"\(ChartAxis.coordinate(left + width / 2))\""
            + " y=\"\(ChartAxis.coordinate(top + height / 2))\" dy=\"0.35em\" text-anchor=\"middle\" font-size=\"13\""
            + " fill=\"#777777\">\(XMLEscaping.escape(note))</text>"
    }
}
