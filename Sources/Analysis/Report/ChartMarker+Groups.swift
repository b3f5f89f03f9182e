import Charts
import Foundation

extension ChartMarker {
    /// The markers of groups: nil for the group of a preset that has only one (plain lines, as ever); otherwise the
    /// j-th of the preset's groups gets the j-th shape (the 11th the first again), its groups ordered by their
    /// values of the grouping keys — numbers by size, then text, then absent — and then by name, as normscope-plot
    /// orders them.
    static func markers(for groups: [GroupSummary], keys: [String]) -> [String: ChartMarker] {
        var presets: [String] = []
        for group in groups where !presets.contains(group.preset) { presets.append(group.preset) }
        var markers: [String: ChartMarker] = [:]
        for preset in presets {
            let mine = groups.filter { $0.preset == preset }
            guard mine.count > 1 else { continue }
            let ordered = mine.sorted { a, b in
                let (x, y) = (order(a.settings, keys: keys), order(b.settings, keys: keys))
                return x != y ? x.lexicographicallyPrecedes(y) : a.group < b.group
            }
            for (index, group) in ordered.enumerated() { markers[group.group] = allCases[index % allCases.count] }
        }
        return markers
    }

    /// One sort key per grouping key: a number by its size before text, and an absent value last.
    private struct Key: Comparable {
        var rank: Int
        var number: Double
        var text: String
        static func < (a: Key, b: Key) -> Bool { (a.rank, a.number, a.text) < (b.rank, b.number, b.text) }
    }

    private static func order(_ settings: [String: SettingValue], keys: [String]) -> [Key] {
        keys.map { key in
            switch settings[key] {
            case .none, .null?: Key(rank: 2, number: 0, text: "")
            case .number(let value)?: Key(rank: 0, number: value, text: "")
            case let value?: Key(rank: 1, number: 0, text: value.description)
            }
        }
    }
}
