import Tensors

/// How much the forward pass re-centres (analysis/METHODS.md, "How much the forward pass re-centres"): the mean over
/// the input's rows of |μᵣ|/σᵣ, σᵣ the population standard deviation without ε, in Double.
///
/// Computed from the input rather than from the row values the kernel saves: those are μ (0 for the variants that do
/// not centre, and summed in Float lanes) and 1/D, where D carries ε, Bessel's correction or the RMS, depending on
/// the preset — none of them the σ defined here. Only a recorded step pays for it.
enum ForwardCentering {
    /// |μ|/σ of the row of `width` elements at `x`: NaN when the row is constant (σ = 0), +∞ when it holds a value
    /// that is not finite (a finite row's ratio is finite: Float's range divided in Double cannot overflow), so that
    /// ``mean(_:)`` can refuse the step instead of averaging the rows that happen to be left.
    ///
    /// The forward kernel calls it on each row it has just read, so the row comes from cache: a separate pass over
    /// the input made a recorded step of `bench norm` at 16384×1024 a quarter slower. Float rows, what training
    /// records, take ``DoubleAccumulator``'s vectorized two-pass sums (converting lanes through the generic SIMD
    /// initializer ran scalar). A Float row of equal elements has an exact Double sum, hence deviations of exactly
    /// 0: σ = 0 finds the constant rows. A Double row's rounded mean can leave deviations of 1e-17, so there the
    /// elements decide.
    @inline(__always)
    static func ratio<S: MatrixScalar>(_ x: UnsafePointer<S>, width: Int) -> Double {
        let h = Double(width)
        if S.self == Float.self {
            let row = UnsafeBufferPointer(start: UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), count: width)
            let mu = DoubleAccumulator.sum(row) / h
            let sigma = (DoubleAccumulator.sumOfSquaredDeviations(row, from: mu) / h).squareRoot()
            guard mu.isFinite, sigma.isFinite else { return .infinity }
            return sigma > 0 ? abs(mu) / sigma : .nan
        }
        let row = UnsafeBufferPointer(start: x, count: width)
        guard row.allSatisfy({ $0.isFinite }) else { return .infinity }
        guard row.contains(where: { $0 != row[0] }) else { return .nan }
        let mu = row.reduce(0.0) { $0 + Double($1) } / h
        let sigma = (row.reduce(0.0) { $0 + (Double($1) - mu) * (Double($1) - mu) } / h).squareRoot()
        return sigma > 0 ? abs(mu) / sigma : .nan
    }

    /// The mean of the ratios that are not NaN, in row order so that it does not depend on how rows were split over
    /// threads; NaN when every row was constant (or there are no rows), or when any row was not finite: the mean of
    /// the rows left would look like a measurement of a step that blew up.
    static func mean(_ ratios: UnsafeBufferPointer<Double>) -> Double {
        var total = 0.0
        var count = 0
        for ratio in ratios where !ratio.isNaN {
            guard ratio.isFinite else { return .nan }
            total += ratio
            count += 1
        }
        return count > 0 ? total / Double(count) : .nan
    }
}
