/// The colours of the report charts: one fixed colour per preset for series and a sequential colour map for heat
/// maps, both chosen so the charts stay readable for colour-blind readers and in greyscale print.
///
/// Colours are `"#rrggbb"` strings (lowercase hex), ready for an SVG `fill` or `stroke` attribute.
///
/// ### References
/// - Okabe & Ito 2008, "Color Universal Design (CUD): How to make figures and presentations that are friendly to
///   colorblind people", https://jfly.uni-koeln.de/color/
/// - Tol 2021, "Colour Schemes", SRON/EPS/TN/09-002, https://personal.sron.nl/~pault/data/colourschemes.pdf
/// - van der Walt & Smith 2015, "A Better Default Colormap for Matplotlib" (viridis), SciPy 2015;
///   stops sampled from matplotlib's `viridis` at 0, 1/8, …, 1.
public enum ChartPalette {
    // MARK: - Presets

    /// One colour per preset, whichever presets a trace holds, in every chart of the report, in every figure of
    /// `normscope-plot` and in the notebook (analysis/normscope/_palette.py holds the same table, and a test holds
    /// the two to each other).
    ///
    /// Seven Okabe–Ito colours and a neutral grey: Okabe–Ito's yellow is left out, being barely visible as a thin
    /// line on white. The baseline and the paper's variant get the two of highest contrast (blue, vermillion); the
    /// `none` control the neutral grey. The two later variants, ScaleNorm and DyT, take two colours of Paul Tol's
    /// colour-blind-safe "muted" scheme that none of the others is near: wine and olive.
    public static let presetColors: KeyValuePairs<String, String> = [
        "layernorm": "#0072b2",  // blue
        "adanorm": "#d55e00",  // vermillion
        "layernorm-simple": "#009e73",  // bluish green
        "detachnorm": "#cc79a7",  // reddish purple
        "detach-mean": "#e69f00",  // orange
        "detach-std": "#56b4e9",  // sky blue
        "rmsnorm": "#000000",  // black
        "scalenorm": "#882255",  // wine (Tol)
        "dyt": "#999933",  // olive (Tol)
        "none": "#999999",  // grey
    ]

    /// The colour of `preset`: its entry in ``presetColors``; for any other name, the table's colour at the name's
    /// 32-bit FNV-1a hash (of its UTF-8 bytes) modulo the table's length, so an unknown preset also keeps one colour
    /// everywhere (it may share it with a known one; the legend names it).
    public static func color(preset: String) -> String {
        if let known = presetColors.first(where: { $0.key == preset }) { return known.value }
        return presetColors[Int(fnv1a(preset) % UInt32(presetColors.count))].value
    }

    /// The 32-bit FNV-1a hash of `text`'s UTF-8 bytes: simple enough to compute alike in Swift and Python.
    static func fnv1a(_ text: String) -> UInt32 {
        text.utf8.reduce(0x811c_9dc5) { hash, byte in (hash ^ UInt32(byte)) &* 0x0100_0193 }
    }

    // MARK: - Sequential

    /// Nine stops of viridis from dark purple (t = 0) to yellow (t = 1), evenly spaced in t.
    ///
    /// Viridis increases monotonically in lightness, so a higher value always reads as lighter, also in greyscale
    /// and for the common forms of colour blindness.
    public static let viridisStops: [String] = [
        "#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725",
    ]

    /// The colour of a heat-map cell without data: a light grey that viridis never produces.
    public static let missing = "#d9d9d9"

    /// The viridis colour at position `t` in 0…1, linearly interpolated between the two nearest stops in sRGB.
    ///
    /// `t` is clamped to 0…1; NaN gives ``missing`` so that a value without data can never look like a real low
    /// value.
    ///
    /// - Parameters:
    ///   - t: The value's position in the colour scale, 0 for the lowest value and 1 for the highest.
    public static func sequential(_ t: Double) -> String {
        guard !t.isNaN else { return missing }
        let clamped = min(max(t, 0), 1)
        let scaled = clamped * Double(viridisStops.count - 1)
        let index = min(Int(scaled), viridisStops.count - 2)
        let fraction = scaled - Double(index)
        let low = rgb(viridisStops[index])
        let high = rgb(viridisStops[index + 1])
        let mixed = (0..<3).map { channel in
            Int((Double(low[channel]) + (Double(high[channel]) - Double(low[channel])) * fraction).rounded())
        }
        return hex(mixed)
    }

    // MARK: - Hex conversion

    /// The red, green and blue components 0…255 of a `"#rrggbb"` string.
    static func rgb(_ hex: String) -> [Int] {
        let digits = Array(hex.utf8.dropFirst())
        precondition(digits.count == 6, "ChartPalette expects colours as #rrggbb, got \(hex)")
        func nibble(_ c: UInt8) -> Int {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(c - UInt8(ascii: "A")) + 10
            default: preconditionFailure("ChartPalette expects hex digits in a colour, got \(hex)")
            }
        }
        return (0..<3).map { nibble(digits[2 * $0]) * 16 + nibble(digits[2 * $0 + 1]) }
    }

    /// `"#rrggbb"` for components 0…255.
    static func hex(_ components: [Int]) -> String {
        let digits = Array("0123456789abcdef")
        var text = "#"
        for component in components {
            let c = min(max(component, 0), 255)
            text.append(digits[c / 16])
            text.append(digits[c % 16])
        }
        return text
    }
}
