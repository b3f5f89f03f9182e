import Layers
import Tensors
import TestSupport
import Testing

@Suite("GradientClipping")
struct GradientClippingTests {
    /// Two parameters whose gradients (3, 4) and (12) have a global norm of exactly 13.
    private func parameters<Scalar: MatrixScalar>(as: Scalar.Type = Scalar.self) -> [Parameter<Scalar>] {
        let a = Parameter(name: "a", value: Matrix<Scalar>(rows: 1, columns: 2))
        let b = Parameter(name: "b", value: Matrix<Scalar>(rows: 1, columns: 1))
        a.gradient = Matrix([[3, -4]])
        b.gradient = Matrix([[12]])
        return [a, b]
    }

    private func globalNorm<Scalar: MatrixScalar>(_ parameters: [Parameter<Scalar>]) -> Double {
        parameters.flatMap(\.gradient.scalars).reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    }

    @Test("clipping by norm returns the norm before clipping and scales by maximumNorm / (norm + 1e-6)")
    func clipsAboveThreshold() {
        let parameters = parameters(as: Double.self)
        let norm = GradientClipping.clipByGlobalNorm(parameters, maximumNorm: 6.5)
        #expect(norm == 13)
        let c = 6.5 / (13 + 1e-6)
        #expect(parameters[0].gradient.scalars == [3 * c, -4 * c])
        #expect(parameters[1].gradient.scalars == [12 * c])
        #expect(isApproximatelyEqual(globalNorm(parameters), 6.5, relativeTolerance: 1e-6))
        #expect(globalNorm(parameters) < 6.5)
    }

    @Test("Float gradients are summed in Double and clipped to the maximum norm within 1e-6")
    func clipsFloat() {
        let parameters = parameters(as: Float.self)
        #expect(GradientClipping.clipByGlobalNorm(parameters, maximumNorm: 1) == 13)
        #expect(isApproximatelyEqual(globalNorm(parameters), 1, relativeTolerance: 1e-6))
        // The direction is kept.
        #expect(isApproximatelyEqual(Double(parameters[1].gradient.scalars[0] / parameters[0].gradient.scalars[0]), 4))
    }

    @Test("gradients below the threshold are left exactly as they were", arguments: [13.5, 100])
    func untouchedBelowThreshold(maximumNorm: Double) {
        let parameters = parameters(as: Double.self)
        #expect(GradientClipping.clipByGlobalNorm(parameters, maximumNorm: maximumNorm) == 13)
        #expect(parameters[0].gradient.scalars == [3, -4] && parameters[1].gradient.scalars == [12])
    }

    @Test("a non-finite norm is returned and the gradients are left for the caller to inspect")
    func nonFiniteNorm() {
        let parameters = parameters(as: Float.self)
        parameters[1].gradient = Matrix([[.nan]])
        #expect(GradientClipping.clipByGlobalNorm(parameters, maximumNorm: 1).isNaN)
        #expect(parameters[0].gradient.scalars == [3, -4])
    }

    @Test("clipping by value clamps each element to [−c, c] and keeps NaN")
    func clipsByValue() {
        let parameters = parameters(as: Double.self)
        parameters[1].gradient = Matrix([[.nan]])
        GradientClipping.clipByValue(parameters, maximumMagnitude: 3.5)
        #expect(parameters[0].gradient.scalars == [3, -3.5])
        #expect(parameters[1].gradient.scalars[0].isNaN)
    }

    @Test("a large gradient's norm is the Double sum to 1e-12 and the same bits on one, two and three tasks")
    func largeGradientNormIsCoreCountIndependent() {
        let weight = Parameter(name: "w", value: Matrix<Float>(rows: 512, columns: 517))
        weight.gradient = sampleMatrix(512, 517, seed: 9, as: Float.self)
        let bias = Parameter(name: "b", value: Matrix<Float>(rows: 1, columns: 517))
        bias.gradient = sampleMatrix(1, 517, seed: 10, as: Float.self)
        let saved = RowParallel.defaultTaskCount
        defer { RowParallel.defaultTaskCount = saved }
        let norms = [1, 2, 3].map { tasks in
            RowParallel.defaultTaskCount = tasks
            return GradientClipping.clipByGlobalNorm([weight, bias], maximumNorm: .infinity)
        }
        #expect(norms.allSatisfy { $0.bitPattern == norms[0].bitPattern }, "\(norms)")
        let reference = globalNorm([weight, bias])
        #expect(abs(norms[0] - reference) <= 1e-12 * reference, "\(norms[0]) against \(reference)")
    }
}
