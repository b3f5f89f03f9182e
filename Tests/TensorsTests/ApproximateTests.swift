import Foundation
import TestSupport
import Testing

@testable import Tensors

// TestSupport has no test target of its own; its helpers are checked here, next to their first users.
@Suite("Approximate comparisons and finite differences")
struct ApproximateTests {
    @Test("Scalars compare with relative and absolute tolerances")
    func scalars() {
        #expect(isApproximatelyEqual(1.0, 1.0 + 5e-6))
        #expect(!isApproximatelyEqual(1.0, 1.0 + 5e-5))
        #expect(isApproximatelyEqual(1e-9, -1e-9))  // within atol 1e-8
        #expect(!isApproximatelyEqual(1e-7, -1e-7))
        #expect(isApproximatelyEqual(Float(100), Float(100.0009)))
        #expect(!isApproximatelyEqual(Float(100), Float(100.01)))
        #expect(isApproximatelyEqual(2.0, 2.2, relativeTolerance: 0.1))
        #expect(isApproximatelyEqual(1e6, 1e6 + 1) == isApproximatelyEqual(1e6 + 1, 1e6))  // symmetric
    }

    @Test("NaN equals nothing, infinities only themselves")
    func specialValues() {
        #expect(!isApproximatelyEqual(Double.nan, .nan))
        #expect(isApproximatelyEqual(Double.infinity, .infinity))
        #expect(!isApproximatelyEqual(Double.infinity, -.infinity))
        #expect(!isApproximatelyEqual(Double.greatestFiniteMagnitude, .infinity))
    }

    @Test("Arrays and tensors compare element by element and by length or shape")
    func collections() {
        #expect(isApproximatelyEqual([1.0, 2.0], [1.0, 2.000001]))
        #expect(!isApproximatelyEqual([1.0, 2.0], [1.0, 2.1]))
        #expect(!isApproximatelyEqual([1.0], [1.0, 2.0]))
        let t = Tensor(shape: [2], scalars: [1, 2])
        #expect(isApproximatelyEqual(t, [1.0, 2.0000001]))
        #expect(!isApproximatelyEqual(t, t.reshaped(to: [1, 2])))
        #expect(isApproximatelyEqual(t, t))
    }

    @Test("Error measures report the worst element")
    func errorMeasures() {
        #expect(maxAbsoluteError([1.0, 2.0, 3.0], [1.0, 2.5, 2.9]) == 0.5)
        #expect(isApproximatelyEqual(maxRelativeError([1.0, 2.0, 10.0], [1.0, 2.5, 10.0]), 0.2))
        #expect(maxRelativeError([1.0], [.nan]) == .infinity)
        #expect(maxRelativeError([Double](), []) == 0)
    }

    @Test("numericalGradient matches analytic gradients")
    func finiteDifferences() {
        // f(x) = Σ xᵢ² + x₀·x₁ + 10·sin(x₂)  ⇒  ∇f = (2x₀ + x₁, 2x₁ + x₀, 2x₂ + 10·cos x₂)
        let f: ([Double]) -> Double = { x in x.reduce(0) { $0 + $1 * $1 } + x[0] * x[1] + 10 * sin(x[2]) }
        let x = [0.3, -1.7, 2.5]
        let gradient = numericalGradient(of: f, at: x)
        let expected = [2 * x[0] + x[1], 2 * x[1] + x[0], 2 * x[2] + 10 * cos(x[2])]
        #expect(
            isApproximatelyEqual(gradient, expected, relativeTolerance: 1e-8, absoluteTolerance: 1e-9),
            "max relative error \(maxRelativeError(gradient, expected))")
    }

    @Test("numericalGradient steps relative to each coordinate's magnitude")
    func relativeStep() {
        // At x = 10⁴, f = x² ≈ 10⁸ carries rounding errors of ~10⁻⁸; an absolute step of 10⁻⁶ would turn them into a
        // gradient error of ~10⁻², a relative step of 10⁻² into ~10⁻⁶ (a 5e-11 relative error of 2·10⁴).
        let gradient = numericalGradient(of: { $0[0] * $0[0] }, at: [1e4], step: 1e-6)
        #expect(isApproximatelyEqual(gradient[0], 2e4, relativeTolerance: 1e-9, absoluteTolerance: 0))
    }
}
