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
