import Foundation
import TestSupport
import Testing

/// `analyze` over a real learning-rate grid: a rate that blows up (NaN), one too small to learn (it stays at the
/// data's prior loss, which `record` writes), one that trains; and no `stability` without a grid.
@Suite("analyze: stability over a learning-rate grid")
struct AnalyzeStabilityTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test("record writes prior_loss; analyze counts the diverged and the stalled rate and finds the frontier")
    func grid() throws {
        let binary = try #require(executable)
        let directory = TemporaryDirectory()
        let (config, trace) = (directory.file("grid.json"), directory.file("grid.h5"))
        try #"""
        {"hidden": [16], "batch": 32, "eval_every": 5, "steps": 20, "presets": ["layernorm"],
         "grid": {"lr": [1e-7, 0.01, 1e30]}}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        let recorded = try ChildProcess.run(
            binary, arguments: ["record", "--config", config, "--quiet", "--out", trace])
        try #require(recorded.status == 0, "\(recorded.standardError)")
        let output = try ChildProcess.run(binary, arguments: ["analyze", trace, "--format", "json"])
        try #require(output.status == 0, "\(output.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])

        // Every run has the same prior: ln 10 or near it for the ten digit classes.
        let runs = try #require(document["runs"] as? [[String: Any]])
        let priors = runs.compactMap { $0["prior_loss"] as? Double }
        #expect(priors.count == 3 && Set(priors).count == 1 && abs(priors[0] - log(10.0)) < 0.05, "\(priors)")

        let stability = try #require(document["stability"] as? [String: Any])
        #expect(stability["stall_fraction"] as? Double == 0.95)
        let groups = try #require(stability["groups"] as? [[String: Any]])
        func group(_ lr: Double) throws -> [String: Any] {
            try #require(groups.first { $0["lr"] as? Double == lr }, "no group at lr \(lr): \(groups)")
        }
        let (tiny, good, huge) = (try group(1e-7), try group(0.01), try group(1e30))
        #expect(tiny["stalled"] as? Int == 1 && tiny["diverged"] as? Int == 0, "\(tiny)")
        #expect(tiny["median_divergence_step"] is NSNull)
        #expect(good["stable"] as? Int == 1 && good["runs"] as? Int == 1, "\(good)")
        #expect(huge["diverged"] as? Int == 1 && huge["median_divergence_step"] as? Double != nil, "\(huge)")
        let frontier = try #require(stability["frontier"] as? [[String: Any]])
        #expect(frontier.count == 1)
        #expect(frontier.first?["cell"] as? String == "layernorm")
        #expect(frontier.first?["learning_rates"] as? [Double] == [1e-7, 0.01, 1e30])
        #expect(frontier.first?["largest_stable_lr"] as? Double == 0.01)
        #expect(frontier.first?["at_grid_edge"] as? Bool == false)

        let text = try ChildProcess.run(binary, arguments: ["analyze", trace])
        #expect(text.standardOutput.contains("Stability per group"), "\(text.standardOutput)")
        #expect(text.standardOutput.contains("Largest stable learning rate per cell"))
        let report = try ChildProcess.run(binary, arguments: ["report", trace, "--out", directory.file("r.html")])
        #expect(report.status == 0, "\(report.standardError)")
        let html = try String(contentsOfFile: directory.file("r.html"), encoding: .utf8)
        #expect(html.contains("<section id=\"stability\">"))

        // One learning rate: no grid, no stability key, no section.
        let (oneConfig, one) = (directory.file("one.json"), directory.file("one.h5"))
        try #"{"hidden": [16], "eval_every": 5, "steps": 5, "presets": ["layernorm", "rmsnorm"]}"#
            .write(toFile: oneConfig, atomically: true, encoding: .utf8)
        let single = try ChildProcess.run(
            binary, arguments: ["record", "--config", oneConfig, "--quiet", "--out", one])
        try #require(single.status == 0, "\(single.standardError)")
        let plain = try ChildProcess.run(binary, arguments: ["analyze", one, "--format", "json"])
        let plainDocument = try #require(
            try JSONSerialization.jsonObject(with: Data(plain.standardOutput.utf8)) as? [String: Any])
        #expect(plainDocument["stability"] == nil && plainDocument["groups"] != nil)
    }
}
