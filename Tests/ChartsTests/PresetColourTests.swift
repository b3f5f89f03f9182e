import Foundation
import TestSupport
import Testing

@testable import Charts

/// One colour per preset: the same in the report's charts (ChartPalette) and in normscope-plot's figures and the
/// notebook (analysis/normscope/_palette.py), whichever presets a trace holds.
@Suite("Preset colours")
struct PresetColourTests {
    static let package = MarkdownBlock.repositoryRoot + "/analysis/normscope"

    @Test("the Swift and Python tables agree, entry for entry, and so do the hash's colours and the marker order")
    func swiftAndPythonAgree() throws {
        let unknown = ["my-norm", "", "ÄdaNorm", "layernorm2", String(repeating: "x", count: 50)]
        // The palette and the schema it reads, without the package's __init__: its other modules (h5py, pandas)
        // are not needed here.
        let script = """
            import json, sys, types
            package = types.ModuleType("normscope")
            package.__path__ = [sys.argv[1]]
            sys.modules["normscope"] = package
            from normscope import _palette as palette
            names = json.loads(sys.argv[2])
            print(json.dumps({"table": list(palette.PRESET_COLOURS.items()),
                              "colours": [palette.preset_colour(n) for n in names],
                              "markers": list(palette.MARKERS)}))
            """
        let names = String(decoding: try JSONEncoder().encode(unknown), as: UTF8.self)
        let output = try PythonScript.run(script, arguments: [Self.package, names])
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
        #expect(ChartPalette.color(preset: "layernorm") == "#0072b2" && ChartPalette.color(preset: "none") == "#999999")
        // FNV-1a's published test vectors.
        #expect(ChartPalette.fnv1a("") == 0x811c_9dc5 && ChartPalette.fnv1a("a") == 0xe40c_292c)
        #expect(colours.contains(ChartPalette.color(preset: "my-norm")))
        #expect(ChartPalette.color(preset: "my-norm") == colours[Int(ChartPalette.fnv1a("my-norm") % 10)])
    }
}
