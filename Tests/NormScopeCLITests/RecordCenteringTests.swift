import Foundation
import HDF5
import Recording
import TestSupport
import Testing

/// `record` fills `abs_mean_over_std` (analysis/METHODS.md, "How much the forward pass re-centres") for every layer of
/// every preset, `none` included: it describes the layer's input, not what the layer does with it.
@Suite("record: the forward re-centering statistic")
struct RecordCenteringTests {
    let executable = ChildProcess.builtProduct("normscope")
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Every preset the declaration lists (analysis/normscope/schema.json), not a copy of the list.
    func presets() throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/analysis/normscope/schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let presets = try #require(schema["presets"] as? [[String: Any]])
        return presets.compactMap { $0["name"] as? String }
    }

    @Test("a 5-step MLP run of every preset records a finite abs_mean_over_std ≥ 0 at every step of every layer")
    func everyPresetEveryLayer() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"model": "mlp", "hidden": [16, 16], "batch": 16, "eval_every": 5}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let presets = try presets()
        try #require(presets.count >= 10, "\(presets)")
        let trace = directory.file("run.h5")
        let output = try ChildProcess.run(
            path,
            arguments: [
                "record", "--config", config, "--presets", presets.joined(separator: ","), "--steps", "5", "--quiet",
                "--out", trace,
            ])
        try #require(output.status == 0, "\(output.standardError)")
        let file = try File.open(trace)
        for preset in presets {
            let run = try file.openGroup("runs/\(preset)-s0")
            let layers = try JSONDecoder().decode(
                [String].self, from: Data(try run.attribute(TraceFormat.Names.normLayers, as: String.self).utf8))
            #expect(layers.count == 2, "\(preset): \(layers)")
            for layer in layers {
                let rows = try run.openDataset("norms/\(layer)/grad").read(as: NormStepRow.self)
                #expect(rows.count == 5)
                #expect(
                    rows.allSatisfy { $0.absMeanOverStd.isFinite && $0.absMeanOverStd >= 0 },
                    "\(preset) \(layer): \(rows.map(\.absMeanOverStd))")
            }
        }
    }
}
