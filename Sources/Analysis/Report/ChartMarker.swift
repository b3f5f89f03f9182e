import Foundation

/// A marker shape along a chart line: how groups of one preset, which share the preset's colour, are told apart
/// (`layernorm lr=0.001` ●, `layernorm lr=0.01` ■). The shapes and their order are `normscope-plot`'s
/// (matplotlib's `o s ^ D v P X * < >`, analysis/normscope/_palette.py), so a group has the same marker there.
public enum ChartMarker: String, CaseIterable, Sendable {
    case circle = "o"
    case square = "s"
    case triangleUp = "^"
    case diamond = "D"
    case triangleDown = "v"
    case plus = "P"
    case cross = "X"
    case star = "*"
    case triangleLeft = "<"
    case triangleRight = ">"

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

    /// The shape centred at (`x`, `y`) pixels, filled with `color`, about 7 pixels across.
    func svg(x: Double, y: Double, color: String) -> String {
        let fill = " fill=\"\(color)\" stroke=\"none\"/>"
        if self == .circle {
            return "<circle cx=\"\(ChartAxis.coordinate(x))\" cy=\"\(ChartAxis.coordinate(y))\" r=\"3.2\"" + fill
        }
        let points = outline.map { ChartAxis.coordinate(x + 3.6 * $0.x) + "," + ChartAxis.coordinate(y + 3.6 * $0.y) }
        return "<polygon points=\"\(points.joined(separator: " "))\"" + fill
    }

    /// The polygon of the shape on a unit square centred at 0 (y down, as in SVG).
    private var outline: [(x: Double, y: Double)] {
        func turned(_ points: [(x: Double, y: Double)], by degrees: Double) -> [(x: Double, y: Double)] {
            let (c, s) = (cos(degrees * .pi / 180), sin(degrees * .pi / 180))
            return points.map { (c * $0.x - s * $0.y, s * $0.x + c * $0.y) }
        }
        let triangle: [(x: Double, y: Double)] = [(0, -1), (0.9, 0.7), (-0.9, 0.7)]
        let plus: [(x: Double, y: Double)] = [
            (-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3), (0.3, 1), (-0.3, 1), (-0.3, 0.3),
            (-1, 0.3), (-1, -0.3), (-0.3, -0.3),
        ]
        switch self {
        case .circle, .square: return [(-0.8, -0.8), (0.8, -0.8), (0.8, 0.8), (-0.8, 0.8)]
        case .triangleUp: return triangle
        case .triangleDown: return turned(triangle, by: 180)
        case .triangleLeft: return turned(triangle, by: -90)
        case .triangleRight: return turned(triangle, by: 90)
        case .diamond: return [(0, -1.1), (0.75, 0), (0, 1.1), (-0.75, 0)]
        case .plus: return plus
        case .cross: return turned(plus, by: 45)
        case .star:
            return (0..<10).map { k in
                let (radius, angle) = (k % 2 == 0 ? 1.1 : 0.45, (-90 + 36 * Double(k)) * .pi / 180)
                return (radius * cos(angle), radius * sin(angle))
            }
        }
    }
}
