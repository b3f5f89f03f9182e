import Foundation
import HDF5
import Layers
import Recording
import Testing
import Training

/// The run settings that take one word of a fixed set are enums: a sweep file's word is read into one, any other is
/// refused naming the key and listing the enum's words, and every word is written back as it was read, so traces
/// and sweep files keep their spellings.
@Suite("Setting choices")
struct SettingChoiceTests {
    private func parse(_ json: String) throws(ConfigurationError) -> SweepConfiguration {
        try SweepConfiguration.parse(Data(json.utf8), file: "s.json")
    }

    private func refusal(_ json: String) -> String? {
        #expect(throws: ConfigurationError.self) { _ = try parse(json) }?.description
    }

    @Test(
        "a word that is not one of the setting's is one line naming the key and listing every valid word",
        arguments: [
            (#"{"model": "cnn"}"#, "s.json: model: unknown model 'cnn'; valid: mlp, transformer, char-lm"),
            (#"{"optimizer": "rmsprop"}"#, "s.json: optimizer: unknown optimizer 'rmsprop'; valid: adam, adamw, sgd"),
            (
                #"{"schedule": "linear"}"#,
                "s.json: schedule: unknown schedule 'linear'; valid: constant, inverse-sqrt, cosine"
            ),
            (#"{"activation": "tanh"}"#, "s.json: activation: unknown activation 'tanh'; valid: relu, gelu"),
            (#"{"convention": "numpy"}"#, "s.json: convention: unknown convention 'numpy'; valid: torch, paper"),
            (
                #"{"placement": "middle"}"#,
                "s.json: placement: unknown placement 'middle' for model mlp; valid: before-activation, after-activation"
            ),
            (
                #"{"model": "transformer", "placement": "after-activation"}"#,
                "s.json: placement: unknown placement 'after-activation' for model transformer; valid: pre, post"
            ),
            (
                #"{"model": 3}"#,
                "s.json: model: expected one of mlp, transformer, char-lm, got 3"
            ),
            (
                #"{"placement": ["pre"]}"#,
                "s.json: placement: expected one of before-activation, after-activation, got [\"pre\"]"
            ),
        ])
    func unknownWord(json: String, line: String) {
        #expect(refusal(json) == line)
    }

    @Test("a preset that is none is refused where it stands, listing every preset this build has")
    func unknownPreset() throws {
        let line = try #require(refusal(#"{"presets": ["layernorm", "batchnorm"]}"#))
        let valid = NormPreset.allCases.map(\.rawValue).joined(separator: ", ")
        #expect(line == "s.json: presets[1]: unknown preset 'batchnorm'; valid: \(valid)")
        #expect(
            refusal(#"{"presets": [{"preset": "batchnorm", "lr": 0.1}]}"#)
                == "s.json: presets[0].preset: unknown preset 'batchnorm'; valid: \(valid)")
        #expect(refusal(#"{"preset": "batchnorm"}"#) == "s.json: preset: unknown preset 'batchnorm'; valid: \(valid)")
    }

    @Test("a placement of the other model is refused once the run's model is known, whatever the keys' order")
    func placementOfTheOtherModel() throws {
        // The variant sets the model after the base's placement was read: the run, not the reading, is checked.
        let sweep = try parse(
            #"{"model": "transformer", "placement": "post", "presets": [{"preset": "layernorm", "model": "mlp", "#
                + #""placement": "after-activation"}]}"#)
        let run = try #require(try sweep.runs().first)
        #expect(run.model == .mlp && run.placement == .afterActivation)
        var c = RunConfiguration()
        c.placement = .pre
        #expect(
            throws: ConfigurationError(
                key: "placement",
                message: "unknown placement 'pre' for model mlp; valid: before-activation, after-activation")
        ) { try c.validate() }
    }

    @Test("every word reads as its case and is written back as the same word, in JSON and as a trace attribute")
    func spellingsKept() throws {
        func words<T: SettingChoice>(_ type: T.Type) -> [String] { T.allCases.map(\.rawValue) }
        let keys: [(String, [String])] = [
            ("model", words(ModelKind.self)), ("preset", words(NormPreset.self)),
            ("optimizer", words(OptimizerKind.self)), ("schedule", words(ScheduleKind.self)),
            ("activation", words(Activation.self)), ("convention", words(SpreadConvention.self)),
        ]
        for (key, spellings) in keys {
            for word in spellings {
                // inverse-sqrt needs a warm-up; the data is not loaded, so char-lm's dataset does not matter here.
                let object: [String: Any] = [key: word, "warmup": 1]
                let run = try JSONDecoder().decode(
                    RunConfiguration.self, from: JSONSerialization.data(withJSONObject: object))
                let json = try #require(
                    try JSONSerialization.jsonObject(with: JSONEncoder().encode(run)) as? [String: Any])
                #expect(json[key] as? String == word, "\(key) \(word)")
                let attributes = try TraceWriterSink.describe(id: "r", configuration: run, normLayers: []).attributes
                #expect(attributes[key] == .string(word), "\(key) \(word)")
            }
        }
        for placement in PlacementKind.allCases {
            var run = RunConfiguration()
            run.model = ModelKind.allCases.first { $0.placements.contains(placement) }!
            run.placement = placement
            let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(run)) as? [String: Any])
            #expect(
                json["placement"] as? String == placement.rawValue && json["model"] as? String == run.model.rawValue)
        }
    }

    @Test("a preset is read in any letter case and named by its own spelling in run IDs")
    func presetCase() throws {
        let run = try #require(try parse(#"{"preset": "AdaNorm"}"#).runs().first)
        #expect(run.preset == .adaNorm && run.runID(sweptKeys: []) == "adanorm-s0")
    }
}
