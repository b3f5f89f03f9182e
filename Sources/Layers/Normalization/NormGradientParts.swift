import Tensors

/// The gradient of a normalization layer with respect to its input, split by the path it flows through.
///
/// Concretely, for each row, with `u` the gradient reaching the normalized value y (`γ ⊙ g` with a gain,
/// `C(1 − k·y) ⊙ g` for AdaNorm, `g` otherwise), `D` the denominator and `σ̃`, κ the spread statistic and its
/// correction (analysis/METHODS.md, "The gradient split"):
///
/// ```
/// direct       = u / D                      the path through the numerator x − μ
/// recentering  = −⟨u⟩ / D                   the path through μ         (zero when μ is detached or not used)
/// rescaling    = −κ·y·⟨u ⊙ y⟩ / σ̃           the path through σ         (zero when σ is detached)
/// total        = direct + recentering + rescaling  =  ∂ℓ/∂x
/// ```
///
/// The parts are materialized only when a caller asks for them (``NormInstrumentation/keepsParts``); the per-step
/// statistics of each part (``NormGradientStatistics``) never need them.
public struct NormGradientParts<Scalar: MatrixScalar>: Sendable {
    /// `u / D`, one row per input row.
    public var direct: Matrix<Scalar>
    /// `−⟨u⟩ / D` (constant within a row).
    public var recentering: Matrix<Scalar>
    /// `−κ·y·⟨u ⊙ y⟩ / σ̃`.
    public var rescaling: Matrix<Scalar>

    /// Zero parts of the given shape.
    @inlinable
    public init(rows: Int, columns: Int) {
        direct = Matrix(rows: rows, columns: columns)
        recentering = Matrix(rows: rows, columns: columns)
        rescaling = Matrix(rows: rows, columns: columns)
    }

    /// `direct + recentering + rescaling`, the gradient itself (up to the rounding of one addition).
    @inlinable
    public var total: Matrix<Scalar> {
        var sum = direct
        for i in 0..<sum.count {
            sum.scalars[i] += recentering.scalars[i] + rescaling.scalars[i]
        }
        return sum
    }
}

/// Per-row sums from which every statistic of the three parts follows in closed form.
///
/// Within a row the parts are `d = a·u`, `c = b` (a constant) and `s = β·y`, so the sums, squares and cross products
/// of d, c, s and t = d + c + s are all polynomials in five sums the backward pass accumulates anyway (Σu, Σu², Σuy,
/// Σy, Σy²) and the three coefficients a, b, β. Reducing those in Double costs no pass over the parts.
struct NormRowSums {
    static let count = 8
    var sumU = 0.0, sumU2 = 0.0, sumUY = 0.0, sumY = 0.0, sumY2 = 0.0
    /// a = 1/D, b = the re-centering constant, β = the re-scaling coefficient.
    var a = 0.0, b = 0.0, beta = 0.0

    init(sumU: Double, sumU2: Double, sumUY: Double, sumY: Double, sumY2: Double, a: Double, b: Double, beta: Double) {
        (self.sumU, self.sumU2, self.sumUY, self.sumY, self.sumY2) = (sumU, sumU2, sumUY, sumY, sumY2)
        (self.a, self.b, self.beta) = (a, b, beta)
    }

    /// Reads the eight values stored at `base`.
    init(_ base: UnsafePointer<Double>) {
        self.init(
            sumU: base[0], sumU2: base[1], sumUY: base[2], sumY: base[3], sumY2: base[4],
            a: base[5], b: base[6], beta: base[7])
    }

    /// Stores the eight values at `base`.
    func store(_ base: UnsafeMutablePointer<Double>) {
        (base[0], base[1], base[2], base[3], base[4]) = (sumU, sumU2, sumUY, sumY, sumY2)
        (base[5], base[6], base[7]) = (a, b, beta)
    }
}
