import Foundation
import Layers
import TestSupport
import Testing

@testable import Analysis

/// One colour per preset: the same in the report (ChartPalette) and in normscope-plot's figures and the notebook
/// (analysis/normscope/_palette.py), whichever presets a trace holds.
@Suite("Preset colours")
struct PresetColourTests {
    static let palette = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("analysis/normscope/_palette.py").path

    @Test("the Swift and Python tables agree, entry for entry, and so do the hash's colours and the marker order")
    func swiftAndPythonAgree() throws {
        let unknown = ["my-norm", "", "ÄdaNorm", "layernorm2", String(repeating: "x", count: 50)]
        // The package from this checkout (its palette reads the presets' colours from schema.json).
        let script = """
            import json, os, sys
            sys.path.insert(0, os.path.dirname(os.path.dirname(sys.argv[1])))
            from normscope import _palette as palette
            names = json.loads(sys.argv[2])
            print(json.dumps({"table": list(palette.PRESET_COLOURS.items()),
                              "colours": [palette.preset_colour(n) for n in names],
                              "markers": list(palette.MARKERS)}))
            """
        let names = String(decoding: try JSONEncoder().encode(unknown), as: UTF8.self)
        let output = try PythonScript.run(script, arguments: [Self.palette, names])
        try #require(output.status == 0, "\(output.standardError)")
        let python = try #require(
            try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        let table = try #require(python["table"] as? [[String]])
        #expect(table == ChartPalette.presetColors.map { [$0.key, $0.value] })
        #expect(python["colours"] as? [String] == unknown.map { ChartPalette.color(preset: $0) })
        #expect(python["markers"] as? [String] == ChartMarker.allCases.map(\.rawValue))
    }

    @Test("every known preset has its own colour; an unknown one gets a fixed colour of the table by FNV-1a")
    func fixedColours() {
        let colours = ChartPalette.presetColors.map(\.value)
        #expect(Set(colours).count == colours.count && colours.count == 10)
        #expect(Set(ChartPalette.presetColors.map(\.key)) == Set(NormPreset.allCases.map(\.rawValue)))
        #expect(ChartPalette.color(preset: "layernorm") == "#0072b2" && ChartPalette.color(preset: "none") == "#999999")
        // FNV-1a's published test vectors.
        #expect(ChartPalette.fnv1a("") == 0x811c_9dc5 && ChartPalette.fnv1a("a") == 0xe40c_292c)
        #expect(colours.contains(ChartPalette.color(preset: "my-norm")))
        #expect(ChartPalette.color(preset: "my-norm") == colours[Int(ChartPalette.fnv1a("my-norm") % 10)])
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
