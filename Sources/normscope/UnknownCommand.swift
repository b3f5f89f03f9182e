import ArgumentParser

/// A first word that names no command, found before ArgumentParser reads the line: it would take `normscope recrod
/// --steps 10` as the root command with an unknown option `--steps`, and say only that.
///
/// The words are followed down the command tree (`bench tensor`) while the current command has subcommands; the
/// first that names none of them (nor `help`) is the unknown one, and the line offers the closest names.
struct UnknownCommand: CustomStringConvertible {
    /// The command path as typed, ending in the unknown word: `bench tensor`.
    var typed: String
    /// The known commands it may have meant, full paths: `bench tensors`.
    var suggestions: [String]
    /// Every command where the unknown word stands, for when nothing is close.
    var choices: [String]

    /// The unknown command in `arguments` (without the executable), or nil when every word before the first option
    /// names a command.
    static func find(in arguments: [String], root: ParsableCommand.Type) -> UnknownCommand? {
        var subcommands = root.configuration.subcommands
        var path: [String] = []
        for word in arguments {
            // An option (`--help`, `--version`) or a command's own arguments: ArgumentParser's to judge.
            guard !word.hasPrefix("-"), !subcommands.isEmpty, word != "help" else { return nil }
            let names = subcommands.map { command in (command, [command._commandName] + command.configuration.aliases) }
            if let next = names.first(where: { $0.1.contains(word) })?.0 {
                subcommands = next.configuration.subcommands
                path.append(word)
                continue
            }
            let shown = subcommands.filter { $0.configuration.shouldDisplay }.map { $0._commandName }
            let prefix = path.map { $0 + " " }.joined()
            return UnknownCommand(
                typed: prefix + word, suggestions: closest(to: word, among: shown).map { prefix + $0 },
                choices: shown.map { prefix + $0 })
        }
        return nil
    }

    /// `unknown command 'recrod'; did you mean 'record'? (normscope --help lists them)`.
    var description: String {
        let offer =
            suggestions.isEmpty
            ? "the commands are \(choices.joined(separator: ", "))"
            : "did you mean " + suggestions.map { "'\($0)'" }.joined(separator: " or ") + "?"
        let parent = (["normscope"] + typed.split(separator: " ").dropLast()).joined(separator: " ")
        return "unknown command '\(typed)'; \(offer) (\(parent) --help lists them)"
    }

    /// The names within a typo's reach of `word`: at most a third of its letters edited (at least one), or the
    /// word the start of the name; the nearest first.
    static func closest(to word: String, among names: [String]) -> [String] {
        let scored = names.map { name in (name, distance(word.lowercased(), name)) }
        let reach = max(1, word.count / 3)
        let near = scored.filter { $0.1 <= reach || ($0.0.hasPrefix(word.lowercased()) && word.count >= 2) }
        guard let best = near.map(\.1).min() else { return [] }
        // Only the nearest: `rport` is one edit from `report` and two from `record`.
        return near.filter { $0.1 == best || $0.0.hasPrefix(word.lowercased()) }.map(\.0)
    }

    /// The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours, each
    /// one edit, so `recrod` is one edit from `record`.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
