import Foundation
import Testing
import Training

@Suite("Sweep configuration")
struct SweepConfigurationTests {
    private func parse(_ json: String) throws(ConfigurationError) -> SweepConfiguration {
        try SweepConfiguration.parse(Data(json.utf8), file: "sweep.json")
    }

    @Test("presets × grid × seeds expand in a stable order with the base settings")
    func expansion() throws {
        let sweep = try parse(
            #"{"steps": 20, "presets": ["layernorm", "adanorm"], "seeds": 2, "grid": {"lr": [0.01, 0.001]}}"#)
        let runs = try sweep.runs()
        #expect(runs.count == 8)
        #expect(runs.map(\.preset) == Array(repeating: .layerNorm, count: 4) + Array(repeating: .adaNorm, count: 4))
        #expect(runs.prefix(4).map(\.lr) == [0.01, 0.01, 0.001, 0.001])
        #expect(runs.prefix(4).map(\.seed) == [0, 1, 0, 1])
        #expect(runs.allSatisfy { $0.steps == 20 })
        let ids = runs.map { $0.runID(sweptKeys: sweep.sweptKeys) }
        #expect(Set(ids).count == 8 && ids[0] == "layernorm-s0-lr0.01")
    }

    @Test("a presets entry may set run keys for its variant alone: AdaNorm at two values of C beside LayerNorm")
    func variantSettings() throws {
        let sweep = try parse(
            #"{"steps": 20, "seeds": 2, "presets": ["layernorm", {"preset": "adanorm", "adanorm_scale": 1}, "#
                + #"{"preset": "adanorm", "adanorm_scale": 2}]}"#)
        let runs = try sweep.runs()
        #expect(runs.map(\.preset) == [.layerNorm, .layerNorm, .adaNorm, .adaNorm, .adaNorm, .adaNorm])
        #expect(runs.map(\.adanormScale) == [nil, nil, 1, 1, 2, 2])
        #expect(try runs[2].normConfiguration() != runs[4].normConfiguration())
        let ids = runs.map { $0.runID(sweptKeys: sweep.sweptKeys) }
        #expect(
            ids == [
                "layernorm-s0", "layernorm-s1", "adanorm-s0-adanorm_scale1", "adanorm-s1-adanorm_scale1",
                "adanorm-s0-adanorm_scale2", "adanorm-s1-adanorm_scale2",
            ])
        // Written back as a sweep file holds it, it reads as the same sweep.
        let written = try JSONSerialization.data(withJSONObject: ["presets": sweep.variants.map(\.json), "steps": 20])
        #expect(try SweepConfiguration.parse(written, file: "again.json").variants == sweep.variants)
    }

    @Test(
        "a presets entry that is not a name or an object with a preset, sets an unknown key, or repeats a variant",
        arguments: [
            (#"{"presets": [3]}"#, "presets[0]: expected a preset name"),
            (#"{"presets": [{"adanorm_scale": 1}]}"#, "presets[0]: expected a preset name"),
            (#"{"presets": [{"preset": "adanorm", "scale": 1}]}"#, "presets[0].scale: not a run key"),
            (#"{"presets": [{"preset": "adanorm", "seed": 1}]}"#, "presets[0].seed: not a run key"),
            (
                #"{"presets": [{"preset": "adanorm", "adanorm_scale": "big"}]}"#,
                "presets[0].adanorm_scale: expected a number, got \"big\""
            ),
            (#"{"presets": ["adanorm", "adanorm"]}"#, "two runs would both be 'adanorm-s0'"),
        ])
    func badVariant(json: String, message: String) {
        #expect {
            _ = try parse(json)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("an unknown key is an error that names it and lists the valid keys")
    func unknownKey() {
        #expect {
            _ = try parse(#"{"learning_rate": 0.1}"#)
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("sweep.json: learning_rate: unknown key") && text.contains("lr")
                && text.contains("presets")
        }
    }

    @Test(
        "an unknown value names the key and the valid values",
        arguments: [
            (#"{"presets": ["layernorm", "batchnorm"]}"#, "presets[1]", "layernorm-simple"),
            (#"{"optimizer": "rmsprop"}"#, "optimizer", "adamw"),
            (#"{"model": "cnn"}"#, "model", "char-lm"),
            (#"{"steps": 0}"#, "steps", "0 is out of range; expected a whole number 1…1000000000000"),
            (#"{"grid": {"colour": [1]}}"#, "grid.colour", "not a sweepable"),
            (#"{"lr": "fast"}"#, "lr", "expected a number, got \"fast\""),
            (#"{"adanorm_scale": 1.5}"#, "adanorm_scale", "only to preset adanorm"),
        ])
    func badValue(json: String, key: String, hint: String) {
        #expect {
            _ = try parse(json)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.key == key && error.message.contains(hint) && error.file == "sweep.json"
        }
    }

    @Test("not JSON, and a JSON array, are one-line errors about the file")
    func badFile() {
        for text in ["{steps: 3", "[1, 2]"] {
            #expect(throws: ConfigurationError.self) { _ = try parse(text) }
        }
    }

    @Test("shards partition the runs: every run in exactly one shard")
    func shards() throws {
        let sweep = try parse(#"{"presets": ["layernorm", "adanorm", "none"], "seeds": 3}"#)
        let all = try sweep.runs()
        let shards = try (0..<4).map { try sweep.shard($0, of: 4) }
        #expect(shards.map(\.count).reduce(0, +) == all.count)
        #expect(Set(shards.flatMap { $0 }.map { $0.runID(sweptKeys: []) }) == Set(all.map { $0.runID(sweptKeys: []) }))
        #expect(throws: ConfigurationError.self) { _ = try sweep.shard(4, of: 4) }
    }

    @Test("overrides reach the norm configuration")
    func normOverrides() throws {
        var c = RunConfiguration()
        c.preset = .adaNorm
        c.adanormScale = 1.5
        c.convention = .torch
        c.epsilon = 1e-6
        let norm = try c.normConfiguration()
        #expect(norm.adaptive?.scale == 1.5 && norm.convention == .torch && norm.epsilon == 1e-6)
    }
}
