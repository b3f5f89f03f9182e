import Analysis
import ArgumentParser

/// The preset the others are compared with: the one asked for (which must exist), else `layernorm` when the traces
/// have it, else the first preset.
func resolveBaseline(_ asked: String?, in summary: TraceSummary) throws -> String? {
    var presets: [String] = []
    for group in summary.groups where !presets.contains(group.preset) { presets.append(group.preset) }
    if let asked {
        guard presets.contains(asked) else {
            throw OptionValueError(
                "--baseline \(asked): no such preset in the traces; found \(presets.joined(separator: ", "))")
        }
        return asked
    }
    return presets.contains("layernorm") ? "layernorm" : presets.first
}
