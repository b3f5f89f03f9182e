/// One titled table of a summary, rendered the same way for the terminal, Markdown and HTML, so the three outputs
/// never disagree on what they show.
public struct SummaryTable: Sendable, Equatable {
    /// Which of a trace summary's tables this is: what a report places it by, whatever its title says.
    public enum Kind: Sendable, Hashable, CaseIterable {
        case overfitting, validation, stability, frontier, testSplit, comparison, gradientParts, perLayer, dynamicTanh
        case forwardRecentering
        case measures, theorem, phi
    }

    public var kind: Kind
    public var title: String
    public var header: [String]
    public var rows: [[String]]
    /// Lines after the table: how to read it, what was left out.
    public var footer: [String]

    public init(_ kind: Kind, title: String, header: [String], rows: [[String]], footer: [String] = []) {
        self.kind = kind
        self.title = title
        self.header = header
        self.rows = rows
        self.footer = footer
    }

    /// Columns padded to their widest cell (two spaces apart), a rule under the header.
    public var text: String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : pad(cell, widths[column] + 2)
            }.joined()
        }
        let rule = String(repeating: "-", count: widths.reduce(0, +) + 2 * max(0, widths.count - 1))
        return ([title, line(header), rule] + rows.map(line) + footer).joined(separator: "\n")
    }

    /// A Markdown heading-less table: the title in bold, pipes escaped inside cells.
    public var markdown: String {
        func row(_ cells: [String]) -> String {
            "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |"
        }
        return
            (["**\(title)**", "", row(header), row(header.map { _ in "---" })] + rows.map(row)
            + (footer.isEmpty ? [] : [""] + footer)).joined(separator: "\n")
    }
}

/// `text` left-aligned in a column `width` characters wide (one space after it when it is wider): how the
/// terminal tables of `normscope analyze` line up.
func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}
