import Foundation
import Layers
import Training

/// `--presets layernorm,adanorm`: normalization presets by name, comma-separated, each one of `NormPreset`'s.
///
/// Parsed by the option's `transform` rather than `ExpressibleByArgument`, so that a refusal names the word that is
/// no preset (`unknown preset 'batchnorm'; valid: layernorm, …`) instead of ArgumentParser's list of the valid
/// values, which for more than five values takes a line each.
struct PresetList: Sendable {
    var presets: [NormPreset]

    /// The presets of `text`, in order.
    ///
    /// - Throws: ``OptionValueError`` naming the first word that is no preset, with the valid ones.
    init(parsing text: String) throws(OptionValueError) {
        presets = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let preset = NormPreset(setting: word) else {
                throw OptionValueError(NormPreset.refusal(of: word, key: "preset"))
            }
            presets.append(preset)
        }
        if presets.isEmpty { throw OptionValueError("no preset named; valid: \(NormPreset.allNames)") }
    }

    /// The help's list of the presets, so that it names every one this build has.
    static var help: String { "Comma-separated normalization presets: \(NormPreset.allNames)." }
}
