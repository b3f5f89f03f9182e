/// The values a recorded number can take, declared once per field: the writer's promise and the reader's test.
///
/// The bounds follow from how the recorder computes each field, not from guesses about training. The engine is
/// Float32, so no loss or gradient element exceeds `Float.greatestFiniteMagnitude`; a norm over R × H elements is at
/// most that times √(R·H); a variance at most its square. NaN means "not available" (a layer without gain, a
/// measurement not made) and passes every range; ±inf and out-of-range finite values do not.
public enum ValidRange: String, Sendable, CaseIterable, Codable {
    /// A step counter or a count: an integer ≥ 0.
    case count
    /// Any finite value an engine element can have: −Float.max … Float.max.
    case finite
    /// 0 … Float.max: losses, means of magnitudes, σ.
    case nonNegative = "non-negative"
    /// 0 … Double.max: values the optimizer computes in Double (learning rate, global gradient norm).
    case nonNegativeDouble = "non-negative double"
    /// 0 … 1: shares of counts, accuracies.
    case fraction
    /// −1 … 1 (with 1e-9 of rounding): cosines.
    case cosine
    /// 0 … Float.max · √(rows · width): an L2 norm over a step's elements.
    case norm
    /// 0 … Float.max²: a variance of engine elements.
    case variance
    /// 0 … 10⁹ s: wall-clock seconds.
    case seconds

    /// The largest magnitude a Float32 engine can produce for one element.
    public static let floatMax = Double(Float.greatestFiniteMagnitude)

    /// The closed interval; for `.norm`, its upper bound for one element (`scalesWithElements`).
    public var bounds: (lower: Double, upper: Double) {
        switch self {
        case .count: (0, Double.greatestFiniteMagnitude)
        case .finite: (-Self.floatMax, Self.floatMax)
        case .nonNegative: (0, Self.floatMax)
        case .nonNegativeDouble: (0, Double.greatestFiniteMagnitude)
        case .fraction: (0, 1)
        case .cosine: (-1 - 1e-9, 1 + 1e-9)
        case .norm: (0, Self.floatMax)
        case .variance: (0, Self.floatMax * Self.floatMax)
        case .seconds: (0, 1e9)
        }
    }

    /// Whether the upper bound grows with √(rows · width), the elements a norm is taken over.
    public var scalesWithElements: Bool { self == .norm }

    /// How the docs and the schema export write the range.
    public var text: String {
        switch self {
        case .count: "≥ 0"
        case .finite: "finite (magnitude ≤ Float32 max)"
        case .nonNegative: "0 … Float32 max"
        case .nonNegativeDouble: "≥ 0, finite"
        case .fraction: "0 … 1"
        case .cosine: "−1 … 1"
        case .norm: "0 … Float32 max · √(rows·width)"
        case .variance: "0 … (Float32 max)²"
        case .seconds: "0 … 10⁹"
        }
    }
}
