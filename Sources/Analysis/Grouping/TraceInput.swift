import Foundation

/// A trace file as the command line names it, with the label its runs are shown under: `A.h5` or `A.h5:lr-sweep`.
///
/// A path may itself contain `:`, so the rule is: an argument that names an existing file system object is that
/// path, whole. Otherwise, when the text after its last `:` is a label — not empty, without `/` — the text before
/// is the file and the text after its label; anything else is a path (which the reader then reports missing).
/// `normscope-plot` reads its arguments by the same rule (analysis/normscope/_plotdata.py).
public struct TraceInput: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file to read.
    public var path: String
    /// The name its runs are shown under (`lr-sweep:layernorm-s0`), or nil.
    public var label: String?

    public init(path: String, label: String? = nil) {
        self.path = path
        self.label = label
    }

    /// Reads a command-line argument by the rule above.
    public init(argument: String) {
        guard !FileManager.default.fileExists(atPath: argument), let colon = argument.lastIndex(of: ":") else {
            self.init(path: argument)
            return
        }
        let (file, label) = (String(argument[..<colon]), String(argument[argument.index(after: colon)...]))
        guard !file.isEmpty, !label.isEmpty, !label.contains("/") else {
            self.init(path: argument)
            return
        }
        self.init(path: file, label: label)
    }

    /// The file as notes and reports name it: `A.h5`, or `A.h5 (lr-sweep)` with a label.
    public var description: String { label.map { "\(path) (\($0))" } ?? path }
}
