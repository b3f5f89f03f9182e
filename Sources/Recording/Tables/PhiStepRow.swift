import HDF5
import Layers

/// AdaNorm's Φ(y) summary for one layer and step: `runs/<run>/norms/<layer>/phi`; the histogram counts of the same
/// step are the matching row of `phi_hist`.
public struct PhiStepRow: DeclaredRow, Equatable, Sendable {
    public var step: Int64
    public var mean: Double
    public var standardDeviation: Double
    public var minimum: Double
    public var maximum: Double
    public var fractionNonPositive: Double
    public var q01: Double, q05: Double, q25: Double, q50: Double, q75: Double, q95: Double, q99: Double

    /// The quantiles' levels, in the order of `q01` … `q99`: those the layers compute.
    public static var quantileLevels: [Double] { PhiStatistics.quantileLevels }

    public init(
        step: Int64, mean: Double, standardDeviation: Double, minimum: Double, maximum: Double,
        fractionNonPositive: Double, quantiles: [Double]
    ) {
        precondition(quantiles.count == 7, "PhiStepRow expects 7 quantiles (1, 5, 25, 50, 75, 95, 99%)")
        self.step = step
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
        self.fractionNonPositive = fractionNonPositive
        (q01, q05, q25, q50, q75, q95, q99) = (
            quantiles[0], quantiles[1], quantiles[2], quantiles[3], quantiles[4], quantiles[5], quantiles[6]
        )
    }

    public static let tableName = TraceFormat.Names.phi
    public static let location = "/runs/<run>/norms/<layer>/phi"
    private static let quantile =
        "interpolated within the histogram's bins (accurate to one bin width, clamped to `min`/`max`)"
    public static let declaration: [DeclaredField<PhiStepRow>] = [
        .init("step", \.step, unit: "step", range: .count, "the optimizer step"),
        .init("mean", \.mean, range: .finite, "mean of Φ (equals C when rows are centred)"),
        .init("sd", \.standardDeviation, range: .nonNegative, "population standard deviation of Φ"),
        .init("min", \.minimum, range: .finite, "exact minimum of Φ"),
        .init("max", \.maximum, range: .finite, "exact maximum of Φ"),
        .init(
            "fraction_nonpositive", \.fractionNonPositive, unit: "fraction", range: .fraction,
            "share of elements with Φ ≤ 0 (y ≥ 1/k), exact"),
        .init("q01", \.q01, range: .finite, "1 % quantile, " + quantile),
        .init("q05", \.q05, range: .finite, "5 % quantile"),
        .init("q25", \.q25, range: .finite, "25 % quantile"),
        .init("q50", \.q50, range: .finite, "median"),
        .init("q75", \.q75, range: .finite, "75 % quantile"),
        .init("q95", \.q95, range: .finite, "95 % quantile"),
        .init("q99", \.q99, range: .finite, "99 % quantile"),
    ]
    public static let fields = declaration.map(\.column)
    public static let rules: [RowRule] = [
        .ordered(["min", "q01", "q05", "q25", "q50", "q75", "q95", "q99", "max"]),
        .between("mean", lower: "min", upper: "max"),
        .spreadAtMost("sd", lower: "min", upper: "max"),
    ]
}
