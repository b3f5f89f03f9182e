import Foundation

/// The fenced code blocks of a Markdown document, each with the heading it sits under, so that a test runs the code
/// a reader is shown instead of a copy of it that could drift.
public struct MarkdownBlock: Sendable, Equatable {
    /// The text of the nearest heading above the block, without its `#`s ("" above the first heading).
    public var heading: String
    /// The word after the opening fence ("sh", "python", "swift", "text"; "" for a bare fence).
    public var language: String
    /// The lines between the fences, each ending in a newline.
    public var text: String
    /// The 1-based line of the opening fence, for messages.
    public var line: Int

    /// Every fenced block of `markdown`, in order.
    public static func all(in markdown: String) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        var heading = ""
        var open: (language: String, line: Int, lines: [Substring])?
        for (index, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if var block = open {
                if line == "```" {
                    let text = block.lines.map { $0 + "\n" }.joined()
                    blocks.append(
                        MarkdownBlock(heading: heading, language: block.language, text: text, line: block.line))
                    open = nil
                } else {
                    block.lines.append(line)
                    open = block
                }
            } else if line.hasPrefix("```") {
                open = (String(line.dropFirst(3)), index + 1, [])
            } else if line.hasPrefix("#") {
                heading = String(line.drop { $0 == "#" }.drop { $0 == " " })
            }
        }
        return blocks
    }

    /// The blocks of `language` under `heading` (a heading of any level; the blocks of its subsections are not
    /// included), in order.
    public static func blocks(_ language: String, under heading: String, in markdown: String) -> [String] {
        all(in: markdown).filter { $0.heading == heading && $0.language == language }.map(\.text)
    }

    /// The blocks of `language` under `heading` in the file `path`, relative to the repository's root.
    public static func blocks(_ language: String, under heading: String, inFile path: String) throws -> [String] {
        blocks(language, under: heading, in: try String(contentsOfFile: repositoryRoot + "/" + path, encoding: .utf8))
    }

    /// The repository's root: the folder above `Sources/` of this file.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
}
