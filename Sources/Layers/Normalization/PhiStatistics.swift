/// The fixed bins of AdaNorm's Φ(y) histogram.
///
/// Fixed, and recorded with the trace, so that histograms of different steps, layers and runs can be compared
/// bin by bin. The default spans Φ ∈ [0, 2C] in 40 bins — y ∈ [−1/k, 1/k] — with values outside counted
/// separately; Φ ≤ 0 (y ≥ 1/k) is also counted exactly.
public struct PhiBins: Sendable, Hashable, Codable {
    /// The lower edge of the first bin.
    public var lower: Double
    /// The upper edge of the last bin.
    public var upper: Double
    /// The number of equal-width bins.
    public var count: Int

    /// Bins of equal width between `lower` and `upper`.
    public init(lower: Double, upper: Double, count: Int) {
        precondition(
            upper > lower && count > 0, "PhiBins expects lower < upper and count > 0, got \(lower), \(upper), \(count)")
        self.lower = lower
        self.upper = upper
        self.count = count
    }

    /// The default bins for a factor: [0, 2C] in 40 bins.
    public static func standard(for factor: AdaptiveFactor) -> PhiBins {
        let (a, b) = (0.0, 2 * factor.scale)
        return PhiBins(lower: min(a, b), upper: max(a, b) == min(a, b) ? min(a, b) + 1 : max(a, b), count: 40)
    }

    /// The `count + 1` bin edges.
    public var edges: [Double] {
        (0...count).map { lower + (upper - lower) * Double($0) / Double(count) }
    }
}

/// The distribution of AdaNorm's factor Φ(y) = C(1 − k·y) over every element of one forward pass.
public struct PhiStatistics: Sendable, Hashable, Codable {
    /// The quantile levels reported in ``quantiles``.
    public static let quantileLevels: [Double] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]

    /// The bins of ``counts``.
    public var bins: PhiBins
    /// Elements per bin.
    public var counts: [Int64]
    /// Elements below the first bin.
    public var below: Int64
    /// Elements at or above the last edge.
    public var above: Int64
    /// The number of elements.
    public var elementCount: Int64
    /// The mean of Φ; equals C when the rows are centred.
    public var mean: Double
    /// The (population) standard deviation of Φ.
    public var standardDeviation: Double
    /// The smallest Φ.
    public var minimum: Double
    /// The largest Φ.
    public var maximum: Double
    /// Elements with Φ ≤ 0 (y ≥ 1/k), as a fraction of all.
    public var fractionNonPositive: Double

    /// Φ's quantiles at ``quantileLevels``, interpolated linearly within the histogram's bins (clamped to the exact
    /// minimum and maximum), so accurate to one bin width.
    public var quantiles: [Double] {
        Self.quantileLevels.map(quantile)
    }

    /// The quantile at `level` ∈ [0, 1] from the histogram.
    public func quantile(_ level: Double) -> Double {
        guard elementCount > 0 else { return .nan }
        let target = level * Double(elementCount)
        var cumulative = Double(below)
        if target <= cumulative { return minimum }
        let width = (bins.upper - bins.lower) / Double(bins.count)
        for (index, count) in counts.enumerated() where count > 0 {
            let next = cumulative + Double(count)
            if target <= next {
                // The part of the bin the values can occupy: clamping its edges, not shifting the bin, keeps
                // each bin's quantiles below the next bin's (a bin starting at the minimum once ran past its edge).
                let edge = bins.lower + Double(index) * width
                let low = min(max(edge, minimum), maximum)
                let high = max(low, min(edge + width, maximum))
                return low + (high - low) * (target - cumulative) / Double(count)
            }
            cumulative = next
        }
        return maximum
    }

    /// Statistics with every field given.
    public init(
        bins: PhiBins, counts: [Int64], below: Int64, above: Int64, elementCount: Int64, mean: Double,
        standardDeviation: Double, minimum: Double, maximum: Double, fractionNonPositive: Double
    ) {
        self.bins = bins
        self.counts = counts
        self.below = below
        self.above = above
        self.elementCount = elementCount
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
        self.fractionNonPositive = fractionNonPositive
    }
}

/// Forward-pass statistics of one normalization layer for one step.
public struct NormForwardStatistics: Sendable, Hashable, Codable {
    /// The mean over rows of the row mean μ (0 without centering).
    public var meanMu: Double
    /// The mean over rows of the denominator each row was divided by (s, or σ_u + ε).
    public var meanSigma: Double
    /// Φ(y)'s distribution, for adaptive variants with the histogram enabled.
    public var phi: PhiStatistics?
    /// DyT's α in this forward pass, or `nil` without DyT.
    public var alpha: Double?
    /// DyT: the share of elements with |α·y| > ``DynamicTanh/saturationLimit``, where tanh′ < 0.071 and the
    /// gradient barely passes; `nil` without DyT.
    public var saturatedShare: Double?
    /// How much the forward pass re-centres: the mean over the input's rows of |μᵣ|/σᵣ (population σ, no ε), constant
    /// rows left out; NaN when every row is constant. It describes the input, so every variant has it.
    public var absMeanOverStd: Double

    /// Statistics with the given values.
    public init(
        meanMu: Double, meanSigma: Double, phi: PhiStatistics?, alpha: Double? = nil, saturatedShare: Double? = nil,
        absMeanOverStd: Double = .nan
    ) {
        self.meanMu = meanMu
        self.meanSigma = meanSigma
        self.phi = phi
        self.alpha = alpha
        self.saturatedShare = saturatedShare
        self.absMeanOverStd = absMeanOverStd
    }
}
