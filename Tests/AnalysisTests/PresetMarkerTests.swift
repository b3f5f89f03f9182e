import Charts
import Foundation
import Layers
import TestSupport
import Testing

@testable import Analysis

/// The report's use of the chart palette: a group's marker from its settings, a preset's colour whatever the other
/// presets of the trace (the palette itself is `ChartsTests`' "Preset colours").
@Suite("Preset colours and markers in the report")
struct PresetMarkerTests {
    @Test("every preset the layers define has its fixed colour in the palette")
    func everyPresetHasAColour() {
        #expect(Set(ChartPalette.presetColors.map(\.key)) == Set(NormPreset.allCases.map(\.rawValue)))
    }

    @Test("a preset's groups get markers in the order of their settings, numbers by size; a lone group none")
    func markers() {
        func group(_ preset: String, _ lr: SettingValue?) -> GroupSummary {
            let settings = lr.map { ["lr": $0] } ?? [:]
            return GroupSummary(
                group: RunGrouping(keys: ["lr"]).label(preset: preset, settings: settings), preset: preset,
                settings: settings, runs: [])
        }
        let groups = [
            group("layernorm", .number(0.01)), group("layernorm", .number(0.001)), group("layernorm", nil),
            group("adanorm", .number(0.01)),
        ]
        let markers = ChartMarker.markers(for: groups, keys: ["lr"])
        #expect(markers["layernorm lr=0.001"] == .circle && markers["layernorm lr=0.01"] == .square)
        #expect(markers["layernorm lr=—"] == .triangleUp)
        #expect(markers["adanorm lr=0.01"] == nil)
    }

    /// The stroke of each chart line of a report, by the line's tooltip: `adanorm valid (mean of 2)` → `#d55e00`.
    private func strokes(_ html: String) throws -> [String: String] {
        let pattern = try NSRegularExpression(
            pattern: #"<g class="ns-series" fill="none" stroke="(#[0-9a-f]{6})"[^>]*><title>([^<]*)</title>"#)
        var found: [String: String] = [:]
        for match in pattern.matches(in: html, range: NSRange(html.startIndex..., in: html)) {
            let (stroke, title) = (Range(match.range(at: 1), in: html)!, Range(match.range(at: 2), in: html)!)
            found[String(html[title])] = String(html[stroke])
        }
        return found
    }

    @Test("the report: a preset's colour does not depend on the other presets; groups of one preset differ by marker")
    func report() throws {
        let directory = TemporaryDirectory()
        let (alone, several) = (directory.file("alone.h5"), directory.file("several.h5"))
        let two: [Double] = [1, 0.8]
        try SmallTrace.write(alone, runs: [("adanorm", 0, two), ("adanorm", 1, two)])
        try SmallTrace.write(
            several, runs: [("layernorm", 0, two), ("layernorm", 1, two), ("adanorm", 0, two), ("none", 0, two)])
        for path in [alone, several] {
            let summary = try TraceSummary(paths: [path])
            let html = TraceReport(summary: summary, files: [path], baseline: nil, toolVersion: "test").html()
            let lines = try strokes(html)
            #expect(lines.filter { $0.key.hasPrefix("adanorm ") }.count >= 2)
            #expect(lines.filter { $0.key.hasPrefix("adanorm ") }.allSatisfy { $0.value == "#d55e00" }, "\(lines)")
            #expect(html.contains("A colour is a preset in every chart of this report"))
            #expect(!html.contains("marker shape"), "one group per preset: plain lines")
        }
        // Traces recorded apart at two learning rates: two groups per preset, one colour, two markers.
        let (slow, fast) = (directory.file("slow.h5"), directory.file("fast.h5"))
        for (path, lr) in [(slow, 0.001), (fast, 0.01)] {
            try SmallTrace.write(path, runs: [("layernorm", 0, two), ("adanorm", 0, two)], lr: lr)
        }
        let summary = try TraceSummary(paths: [slow, fast])
        let html = TraceReport(summary: summary, files: [slow, fast], baseline: nil, toolVersion: "test").html()
        let lines = try strokes(html)
        #expect(lines["layernorm lr=0.001 valid"] == "#0072b2" && lines["layernorm lr=0.01 valid"] == "#0072b2")
        #expect(html.contains("told apart by marker shape"))
        let gap = try #require(html.components(separatedBy: "</svg>").first { $0.contains("Overfitting gap") })
        let shapes = gap.components(separatedBy: "<polygon").count + gap.components(separatedBy: "r=\"3.2\"").count - 2
        #expect(shapes > 0, "markers on the gap chart's lines")
    }
}
