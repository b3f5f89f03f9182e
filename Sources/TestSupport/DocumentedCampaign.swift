import Foundation

/// A campaign the README documents as two lines, `swift build -c release` and then one command, as a test runs it:
/// the command with some of its words replaced (the built binary for `.build/release/normscope`, fewer cases, a
/// temporary output folder), each replacement required to match, so that a test cannot silently run something the
/// README no longer says.
public enum DocumentedCampaign {
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    /// The README's block under `heading` that contains `script`, its second line with `replacements` made.
    public static func command(
        under heading: String, containing script: String, replacing replacements: [(String, String)]
    ) throws -> String {
        guard
            let block = try MarkdownBlock.blocks("sh", under: heading, inFile: "README.md").first(where: {
                $0.contains(script)
            })
        else { throw Mismatch(description: "no block with \(script) under the README's '\(heading)'") }
        let lines = block.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n").map(String.init)
        guard lines.count == 2, lines[0] == "swift build -c release" else {
            throw Mismatch(description: "the block is not `swift build -c release` and one command: \(block)")
        }
        var command = lines[1]
        for (documented, here) in replacements {
            guard command.contains(documented) else {
                throw Mismatch(description: "the README's command lacks \(documented): \(command)")
            }
            command = command.replacingOccurrences(of: documented, with: here)
        }
        return command
    }
}
