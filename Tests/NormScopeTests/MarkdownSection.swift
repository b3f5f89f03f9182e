import Foundation

/// The fenced code blocks of one `## ` section of a Markdown document, so a test can run the code a reader is shown
/// instead of a copy of it that could drift.
struct MarkdownSection {
    struct NotFound: Error, CustomStringConvertible {
        var heading: String
        var description: String { "no section '## \(heading)'" }
    }

    /// Each block's language tag (the word after the opening fence) and its text without the fences.
    let blocks: [(language: String, text: String)]

    /// The section that starts at the line `## heading` and ends before the next `## ` line.
    init(_ heading: String, in markdown: String) throws {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        guard let start = lines.firstIndex(of: "## \(heading)"[...]) else { throw NotFound(heading: heading) }
        var blocks: [(language: String, text: String)] = []
        var open: (language: String, lines: [Substring])?
        for line in lines[(start + 1)...] {
            if open == nil && line.hasPrefix("## ") { break }
            if var block = open {
                if line == "```" {
                    blocks.append((block.language, block.lines.joined(separator: "\n") + "\n"))
                    open = nil
                } else {
                    block.lines.append(line)
                    open = block
                }
            } else if line.hasPrefix("```") {
                open = (String(line.dropFirst(3)), [])
            }
        }
        self.blocks = blocks
    }

    /// The texts of the blocks tagged `language`, in order.
    func blocks(_ language: String) -> [String] {
        blocks.filter { $0.language == language }.map(\.text)
    }
}
