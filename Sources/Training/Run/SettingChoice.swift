import Layers
import Recording

/// A run setting that takes one word of a fixed set — `model`, `preset`, `optimizer`, … — spelled in sweep files,
/// trace attributes and on the command line by its raw value, so that the spellings live in one place: the enum.
///
/// Reading one (``RunConfiguration/init(from:)``) refuses any other word with the key and the valid words:
/// `model: unknown model 'cnn'; valid: mlp, transformer, char-lm`.
public protocol SettingChoice: RawRepresentable<String>, CaseIterable, Hashable, Codable, Sendable {
    /// The value a sweep file's `text` names, or nil; by default the value spelled exactly so.
    init?(setting text: String)
}

extension SettingChoice {
    public init?(setting text: String) { self.init(rawValue: text) }

    /// The line refusing `text` for `key`, listing `valid`: `unknown model 'cnn'; valid: mlp, transformer, char-lm`.
    /// `context` follows the word (` for model mlp` when what is valid depends on another setting).
    public static func refusal(of text: String, key: String, valid: [Self] = Array(allCases), context: String = "")
        -> String
    {
        "unknown \(key) '\(text)'\(context); valid: \(valid.map(\.rawValue).joined(separator: ", "))"
    }
}

// The choices defined beside what they choose, in Layers and in the models.
extension NormPreset: SettingChoice {
    /// Any letter case, as ``NormPreset/named(_:)`` reads a preset's name.
    public init?(setting text: String) {
        guard let preset = NormPreset.named(text) else { return nil }
        self = preset
    }
}

extension SpreadConvention: SettingChoice {}
extension Activation: SettingChoice {}
