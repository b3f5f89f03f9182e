/// Escaping of free text (run names, layer names, axis labels) for XML and HTML5 documents.
///
/// The same escaped string is safe both as element content and inside a single- or double-quoted attribute value,
/// so callers never have to know where the text ends up. It is also safe inline in HTML5, where `&apos;` is a
/// defined named reference.
///
/// Concretely:
///
/// ```
/// &  →  &amp;     <  →  &lt;     >  →  &gt;     "  →  &quot;     '  →  &apos;
/// ```
///
/// Characters that XML 1.0 forbids outright (C0 controls other than tab, line feed and carriage return, and the
/// non-characters U+FFFE and U+FFFF) become U+FFFD: a run name read from a file must not be able to make the whole
/// report unparseable.
///
/// ### References
/// - Extensible Markup Language (XML) 1.0, §2.2 Characters and §2.4 Character Data: https://www.w3.org/TR/xml/
public enum XMLEscaping {
    /// `text` with the five XML special characters replaced by entity references and forbidden characters replaced
    /// by U+FFFD.
    ///
    /// - Parameters:
    ///   - text: Any string, for example a run or layer name.
    public static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                escaped.unicodeScalars.append("\u{FFFD}")
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
