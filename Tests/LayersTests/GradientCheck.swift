import Tensors
import TestSupport

// Shared by every layer's tests: the central-difference reference and the one error measure the 1e-6 bound
// is stated in.

/// The gradient of `f` at `x` by central differences in Double, shaped like `x`.
func numericalGradient(of f: (Matrix<Double>) -> Double, at x: Matrix<Double>, step: Double = 1e-6) -> Matrix<Double> {
    let flat = numericalGradient(
        of: { f(Matrix(rows: x.rows, columns: x.columns, scalars: $0)) }, at: x.scalars, step: step)
    return Matrix(rows: x.rows, columns: x.columns, scalars: flat)
}

/// The gradient of the scalar probe `Σ gradOutput ⊙ layer(x)` with respect to `x`, by central differences: what a
/// layer's backward must return for that `gradOutput`.
func numericalInputGradient(
    of forward: (Matrix<Double>) -> Matrix<Double>, at x: Matrix<Double>, gradOutput: Matrix<Double>
) -> Matrix<Double> {
    numericalGradient(of: { dot(forward($0), gradOutput) }, at: x)
}

/// `Σ a ⊙ b` in Double.
func dot(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
    precondition(a.count == b.count, "dot expects equal sizes, got \(a.count) and \(b.count)")
    return zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 }
}

/// The largest absolute difference relative to the largest reference magnitude: `‖a − b‖∞ / ‖b‖∞`.
///
/// Element-wise relative errors blow up where the true gradient is near zero (which Theorem 1 makes common), so the
/// bound is taken against the scale of the whole reference gradient.
func gradientError(_ a: Matrix<Double>, _ reference: Matrix<Double>) -> Double {
    precondition(
        a.rows == reference.rows && a.columns == reference.columns,
        "gradientError expects equal shapes, got \(a.rows) × \(a.columns) and \(reference.rows) × \(reference.columns)")
    let scale = reference.scalars.reduce(0) { max($0, abs($1)) }
    let difference = zip(a.scalars, reference.scalars).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return scale == 0 ? difference : difference / scale
}
