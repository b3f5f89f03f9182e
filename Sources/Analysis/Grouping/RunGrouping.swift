/// How runs are grouped for aggregation and comparison: by preset plus the settings in `keys`, over seeds.
///
/// Automatically the keys are every setting whose value differs between the runs given (all files together), so a
/// sweep over a grid is never pooled across its grid points and a sweep over seeds alone groups by preset as it
/// always did. `--group-by` names the keys instead.
public struct RunGrouping: Sendable, Codable, Equatable {
    /// The settings, besides the preset, that tell groups apart, in name order.
    public var keys: [String]
    /// Whether the keys were found (true) or asked for with `--group-by` (false).
    public var automatic: Bool

    /// What a run without a setting shows for it.
    public static let absent = "—"

    /// The settings that override a preset's normalization (AdaNorm's C, the convention, …): part of what the
    /// variant is. A run without one uses its preset's value, so its label leaves the key out (`layernorm`, beside
    /// `adanorm adanorm_scale=1`), and a comparison with the baseline preset does not ask the baseline for it.
    public static let variantKeys: Set<String> = [
        "convention", "epsilon", "adanorm_scale", "adanorm_k", "adanorm_detached",
    ]

    /// The keys whose values differ between `settings` (one dictionary per run), less the seed and the preset.
    public init(automaticFor settings: [[String: SettingValue]]) {
        let names = Set(settings.flatMap(\.keys)).subtracting(RunSettings.identity).subtracting(["preset"])
        keys = names.filter { key in Set(settings.map { Self.text($0[key]) }).count > 1 }.sorted()
        automatic = true
    }

    /// The keys asked for (`preset` is always a key and may be left out).
    public init(keys: [String]) {
        self.keys = keys.filter { $0 != "preset" }
        automatic = false
    }

    /// The run's values of the keys (null for a setting the run does not have).
    public func values(_ settings: [String: SettingValue]) -> [String: SettingValue] {
        Dictionary(uniqueKeysWithValues: keys.map { ($0, settings[$0] ?? .null) })
    }

    /// The group's name: the preset, then `key=value` for each key, e.g. `layernorm lr=0.0003`.
    public func label(preset: String, settings: [String: SettingValue]) -> String {
        let shown = keys.filter { key in
            !Self.variantKeys.contains(key) || !(settings[key] == nil || settings[key] == .null)
        }
        return ([preset] + shown.map { "\($0)=\(Self.text(settings[$0]))" }).joined(separator: " ")
    }

    /// A setting as a label and a table cell show it.
    public static func text(_ value: SettingValue?) -> String {
        value.map(\.description) ?? absent
    }
}
