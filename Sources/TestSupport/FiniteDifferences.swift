// Central finite differences in Double, the reference every hand-written backward pass is checked against.

/// The gradient of a scalar function by central differences.
///
/// Concretely, for each coordinate i:
///
/// ```
/// ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / (2h)
/// ```
///
/// The truncation error is O(h²) (the third derivative times h²/6) and the rounding error about ε·|f|/h, so in Double
/// a step near ∛ε ≈ 6e-6 (times the scale of x) balances the two at roughly 1e-10 relative accuracy. The step is
/// relative to each coordinate's magnitude, `h·max(1, |xᵢ|)`, so large inputs are not stepped by less than they can
/// resolve.
///
/// - Parameters:
///   - f: The scalar function, typically a layer's forward pass followed by `Σ gradOutput ⊙ output`.
///   - x: The point at which to differentiate.
///   - h: The relative step; defaults to 1e-6.
/// - Returns: One partial derivative per coordinate of `x`.
public func numericalGradient(of f: ([Double]) -> Double, at x: [Double], step h: Double = 1e-6) -> [Double] {
    precondition(h > 0, "numericalGradient expects a positive step, got \(h)")
    var point = x
    var gradient = [Double](repeating: 0, count: x.count)
    for i in x.indices {
        let step = h * max(1, x[i].magnitude)
        point[i] = x[i] + step
        let forward = f(point)
        point[i] = x[i] - step
        let backward = f(point)
        point[i] = x[i]
        // Divide by the step actually taken, which rounding may have changed.
        gradient[i] = (forward - backward) / ((x[i] + step) - (x[i] - step))
    }
    return gradient
}
