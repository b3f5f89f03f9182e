import Layers

extension TraceFormat {
    /// One generated block of TRACE_FORMAT.md: the text between `<!-- declared: id -->` and `<!-- /declared -->`.
    public struct MarkdownSection: Sendable, Equatable {
        public let id: String
        public let text: String
    }

    /// Every table of TRACE_FORMAT.md that the declaration generates, in the page's order. A test holds the page
    /// to these; `normscope schema --markdown` prints them to paste.
    public static var markdownSections: [MarkdownSection] {
        [
            MarkdownSection(id: "root-attributes", text: attributeTable(.root)),
            MarkdownSection(id: "run-attributes", text: attributeTable(.run)),
            MarkdownSection(id: "settings", text: settingsTable()),
            MarkdownSection(id: "presets", text: presetsTable()),
            MarkdownSection(id: "steps", text: table(StepRow.self)),
            MarkdownSection(id: "evals", text: table(EvaluationRow.self)),
            MarkdownSection(id: "layer-attributes", text: attributeTable(.layer)),
            MarkdownSection(id: "grad", text: table(NormStepRow.self)),
            MarkdownSection(id: "phi", text: table(PhiStepRow.self)),
        ]
    }

    /// The declared blocks as they appear in the page, markers included.
    public static var markdown: String {
        markdownSections.map { "<!-- declared: \($0.id) -->\n\($0.text)<!-- /declared -->\n" }.joined(separator: "\n")
    }

    private static func table<Row: DeclaredRow>(_ row: Row.Type) -> String {
        var lines = [
            "| field | type | unit | valid values | older traces read | meaning |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for field in Row.declaration {
            let older = field.column.mayBeAbsent ? "NaN" : "— (always present)"
            lines.append(
                "| `\(field.name)` | \(field.column.scalarKind.rawValue) | \(field.unit) | \(field.range.text) | "
                    + "\(older) | \(field.meaning) |")
        }
        var text = lines.joined(separator: "\n") + "\n"
        if !Row.rules.isEmpty {
            text += "\nEvery row also satisfies: " + Row.rules.map(\.text).joined(separator: "; ") + ".\n"
        }
        return text
    }

    private static func attributeTable(_ place: DeclaredAttribute.Place) -> String {
        var lines = ["| attribute | type | meaning |", "| --- | --- | --- |"]
        if place == .run {
            lines.append(
                "| every setting | typed (below) | one attribute per setting that made the run, as named in the "
                    + "configuration, plus the resolved normalization (`norm_*`) |")
        }
        for attribute in attributes where attribute.place == place {
            lines.append("| `\(attribute.name)` | \(attribute.type) | \(attribute.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func settingsTable() -> String {
        var lines = ["| setting | type | values | written | meaning |", "| --- | --- | --- | --- | --- |"]
        for setting in settings {
            var values = setting.allowed.map { $0.map { "`\($0)`" }.joined(separator: ", ") } ?? "—"
            if setting.isOpen { values += " (record's; other recorders may write others)" }
            lines.append(
                "| `\(setting.name)` | \(setting.kind.rawValue) | \(values) | \(setting.presence ?? "always") | "
                    + "\(setting.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func presetsTable() -> String {
        var lines = [
            "| preset | normalizes | centering | convention | spread | ε | detach | affine | adaptive factor "
                + "| squashing |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for preset in NormPreset.allCases {
            let c = preset.configuration
            let detach =
                switch (c.detach.contains(.mean), c.detach.contains(.spread)) {
                case (true, true): "mean and σ"
                case (true, false): "mean"
                case (false, true): "σ"
                case (false, false): "—"
                }
            let adaptive = c.adaptive.map { "C = \($0.scale), k = \($0.slope), \(AdaptiveKind($0).rawValue)" } ?? "—"
            let squashing = c.dynamicTanh.map { "\(TransformKind($0).rawValue), α from \($0.initialAlpha)" } ?? "—"
            lines.append(
                "| `\(preset.rawValue)` | \(c.normalizes) | \(c.centering.rawValue) | \(c.convention.rawValue) | "
                    + "\(c.spread.rawValue) | \(c.epsilon) | \(detach) | \(c.affine.rawValue) | \(adaptive) | "
                    + "\(squashing) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
