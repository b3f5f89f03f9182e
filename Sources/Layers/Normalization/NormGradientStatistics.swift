/// Three reductions of one gradient tensor over the R rows of a step, in Double (analysis/METHODS.md, "Recorded statistics").
public struct PartStatistics: Sendable, Hashable, Codable {
    /// `sqrt(Σ_rows Σ_i v_i²)`, the Frobenius norm over the batch.
    public var norm: Double
    /// `(1/R) Σ_rows |⟨v⟩|`: the re-centering measure (0 for LayerNorm-simple's total gradient).
    public var rowMeanAbs: Double
    /// `(1/R) Σ_rows (⟨v²⟩ − ⟨v⟩²)`: the mean within-row (population) variance, Theorem 1's D.
    public var rowVariance: Double

    /// Statistics with the given values.
    public init(norm: Double, rowMeanAbs: Double, rowVariance: Double) {
        self.norm = norm
        self.rowMeanAbs = rowMeanAbs
        self.rowVariance = rowVariance
    }

    /// All zero.
    public static let zero = PartStatistics(norm: 0, rowMeanAbs: 0, rowVariance: 0)
}

/// What a normalization layer's backward pass records per step: how its input gradient splits into direct,
/// re-centering and re-scaling parts, reduced over the step's rows.
///
/// Computed in closed form from per-row sums that the backward pass accumulates in Double while it computes the
/// gradient, so recording them costs no extra pass over memory (``NormGradientParts`` has the formulas).
public struct NormGradientStatistics: Sendable, Hashable, Codable {
    /// The number of rows reduced over (batch × positions).
    public var rows: Int
    /// The feature width H.
    public var width: Int
    /// The total gradient t = d + c + s, i.e. ∂ℓ/∂x.
    public var total: PartStatistics
    /// The direct part d.
    public var direct: PartStatistics
    /// The re-centering part c (through μ).
    public var recentering: PartStatistics
    /// The re-scaling part s (through σ).
    public var rescaling: PartStatistics
    /// The gradient u the parts act on (∂ℓ/∂y: γ ⊙ g, or C(1 − k·y) ⊙ g for AdaNorm): ḡ and D_g of Theorem 1.
    public var upstream: PartStatistics
    /// Mean within-row variance of d + c, the gradient without the re-scaling part.
    public var directPlusRecenteringRowVariance: Double
    /// `Σ t ⊙ d` over the step, for the cosine.
    public var totalDotDirect: Double

    /// `rowMeanAbs(t) / rowMeanAbs(d)`: 0 when re-centering removes the row mean entirely.
    public var recenterRatio: Double { ratio(total.rowMeanAbs, direct.rowMeanAbs) }
    /// `rowVariance(d + c + s) / rowVariance(d + c)`: ≤ 1 where the σ-derivative is kept.
    public var rescaleRatio: Double { ratio(total.rowVariance, directPlusRecenteringRowVariance) }
    /// `cos(t, d)` over the whole step.
    public var cosineTotalDirect: Double { ratio(totalDotDirect, total.norm * direct.norm) }
    /// `‖c‖ / ‖d‖`.
    public var recenteringShare: Double { ratio(recentering.norm, direct.norm) }
    /// `‖s‖ / ‖d‖`.
    public var rescalingShare: Double { ratio(rescaling.norm, direct.norm) }

    private func ratio(_ numerator: Double, _ denominator: Double) -> Double {
        denominator == 0 ? (numerator == 0 ? 0 : .infinity) : numerator / denominator
    }

    /// Reduces the per-row sums of a step, in row order (so the result does not depend on how rows were split
    /// across threads).
    init(rowSums: UnsafeBufferPointer<Double>, rows: Int, width: Int) {
        precondition(rowSums.count >= rows * NormRowSums.count, "NormGradientStatistics expects \(rows) rows of sums")
        let h = Double(width)
        // Σ over rows of: Σv², |⟨v⟩|, var(v) for t, d, c, s, u; var(d + c); Σ t·d.
        var squares = [Double](repeating: 0, count: 5)
        var meanAbs = [Double](repeating: 0, count: 5)
        var variances = [Double](repeating: 0, count: 5)
        var varianceDC = 0.0
        var dotTD = 0.0
        for row in 0..<rows {
            let r = NormRowSums(rowSums.baseAddress! + row * NormRowSums.count)
            let sumD = r.a * r.sumU, sumD2 = r.a * r.a * r.sumU2
            let sumC = h * r.b, sumC2 = h * r.b * r.b
            let sumS = r.beta * r.sumY, sumS2 = r.beta * r.beta * r.sumY2
            let sumDC = r.b * sumD, sumDS = r.a * r.beta * r.sumUY, sumCS = r.b * sumS
            let sumT = sumD + sumC + sumS
            let sumT2 = sumD2 + sumC2 + sumS2 + 2 * (sumDC + sumDS + sumCS)
            let sumDCsum = sumD + sumC, sumDC2 = sumD2 + sumC2 + 2 * sumDC
            func add(_ index: Int, _ sum: Double, _ sumSquares: Double) {
                let mean = sum / h
                squares[index] += sumSquares
                meanAbs[index] += abs(mean)
                // Rounding can take a variance of ~0 slightly below zero.
                variances[index] += max(0, sumSquares / h - mean * mean)
            }
            add(0, sumT, sumT2)
            add(1, sumD, sumD2)
            add(2, sumC, sumC2)
            add(3, sumS, sumS2)
            add(4, r.sumU, r.sumU2)
            varianceDC += max(0, sumDC2 / h - (sumDCsum / h) * (sumDCsum / h))
            dotTD += sumD2 + sumDC + sumDS
        }
        let n = Double(max(rows, 1))
        func part(_ index: Int) -> PartStatistics {
            PartStatistics(
                norm: squares[index].squareRoot(), rowMeanAbs: meanAbs[index] / n,
                rowVariance: variances[index] / n)
        }
        self.rows = rows
        self.width = width
        total = part(0)
        direct = part(1)
        recentering = part(2)
        rescaling = part(3)
        upstream = part(4)
        directPlusRecenteringRowVariance = varianceDC / n
        totalDotDirect = dotTD
    }

    /// Statistics with every field given, for readers of recorded traces.
    public init(
        rows: Int, width: Int, total: PartStatistics, direct: PartStatistics, recentering: PartStatistics,
        rescaling: PartStatistics, upstream: PartStatistics, directPlusRecenteringRowVariance: Double,
        totalDotDirect: Double
    ) {
        self.rows = rows
        self.width = width
        self.total = total
        self.direct = direct
        self.recentering = recentering
        self.rescaling = rescaling
        self.upstream = upstream
        self.directPlusRecenteringRowVariance = directPlusRecenteringRowVariance
        self.totalDotDirect = totalDotDirect
    }
}
