import Foundation
import Layers
import Tensors
import TestSupport
import Testing

@Suite("SoftmaxCrossEntropy")
struct SoftmaxCrossEntropyTests {
    /// `−Σₖ qₖ log softmax(z)ₖ` averaged over the counted rows, written the naive way as an independent reference.
    private static func referenceLoss(
        _ logits: Matrix<Double>, targets: [Int], labelSmoothing epsilon: Double, ignoreIndex: Int?
    ) -> Double {
        let classCount = logits.columns
        var total = 0.0
        var counted = 0
        for row in 0..<logits.rows where targets[row] != ignoreIndex {
            let z = Array(logits.row(row))
            let normalizer = z.map { exp($0) }.reduce(0, +)
            for k in 0..<classCount {
                let q = (k == targets[row] ? 1 - epsilon : 0) + epsilon / Double(classCount)
                total -= q * log(exp(z[k]) / normalizer)
            }
            counted += 1
        }
        return total / Double(counted)
    }

    @Test("uniform logits over K classes give log K, with or without smoothing", arguments: [0.0, 0.2])
    func uniformLogits(labelSmoothing: Double) {
        let logits = Matrix<Double>(rows: 3, columns: 5, repeating: 0.7)
        let result = SoftmaxCrossEntropy<Double>(labelSmoothing: labelSmoothing)(logits, targets: [0, 3, 4])
        #expect(isApproximatelyEqual(result.loss, log(5.0), relativeTolerance: 1e-14))
    }

    @Test("logits (1, 2, 3) with target 0: log(e + e² + e³) − 1, and 0.2 less with ε = 0.1")
    func handComputed() {
        let logits = Matrix<Double>([[1, 2, 3]])
        let plain = SoftmaxCrossEntropy<Double>()(logits, targets: [0])
        #expect(isApproximatelyEqual(plain.loss, 2.40760596444438, relativeTolerance: 1e-13))
        // With ε = 0.1 and K = 3: log S − 0.9 · z₀ − (0.1/3) · (z₀ + z₁ + z₂), shifted or not the same.
        let smoothed = SoftmaxCrossEntropy<Double>(labelSmoothing: 0.1)(logits, targets: [0])
        #expect(isApproximatelyEqual(smoothed.loss, 3.40760596444438 - 0.9 - 0.2, relativeTolerance: 1e-13))
        // Gradient pₖ − qₖ, with softmax(1, 2, 3) = (0.0900, 0.2447, 0.6652).
        let p = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]
        #expect(isApproximatelyEqual(plain.gradLogits.scalars, [p[0] - 1, p[1], p[2]], relativeTolerance: 1e-12))
        let q = [0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3]
        #expect(
            isApproximatelyEqual(
                smoothed.gradLogits.scalars, [p[0] - q[0], p[1] - q[1], p[2] - q[2]], relativeTolerance: 1e-12))
    }

    @Test(
        "loss matches the naive −Σ q log p and the gradient matches central differences",
        arguments: [0.0, 0.1, 0.3])
    func gradientCheck(labelSmoothing: Double) {
        let logits = sampleMatrix(6, 5, seed: 61, in: -3..<3, as: Double.self)
        let targets = [2, -100, 0, 4, -100, 1]
        let criterion = SoftmaxCrossEntropy<Double>(labelSmoothing: labelSmoothing, ignoreIndex: -100)
        let result = criterion(logits, targets: targets)
        let reference = Self.referenceLoss(
            logits, targets: targets, labelSmoothing: labelSmoothing, ignoreIndex: -100)
        #expect(isApproximatelyEqual(result.loss, reference, relativeTolerance: 1e-12))
        #expect(result.countedRows == 4)

        let numerical = numericalGradient(of: { criterion($0, targets: targets).loss }, at: logits)
        #expect(gradientError(result.gradLogits, numerical) <= 1e-6)
        // p and q both sum to 1, so every counted row's gradient sums to 0.
        for row in 0..<logits.rows {
            #expect(abs(result.gradLogits.row(row).reduce(0, +)) < 1e-14)
        }
    }

    @Test("ignored rows add no loss and no gradient, and the mean is over the counted rows only")
    func ignoreIndex() {
        let logits = sampleMatrix(4, 3, seed: 62, in: -2..<2, as: Double.self)
        let criterion = SoftmaxCrossEntropy<Double>(labelSmoothing: 0.1, ignoreIndex: 0)
        let result = criterion(logits, targets: [0, 2, 0, 1])
        #expect(result.gradLogits.row(0).allSatisfy { $0 == 0 } && result.gradLogits.row(2).allSatisfy { $0 == 0 })
        #expect(result.gradLogits.row(1).contains { $0 != 0 })

        let kept = Matrix(rows: 2, columns: 3, scalars: Array(logits.row(1)) + Array(logits.row(3)))
        let alone = SoftmaxCrossEntropy<Double>(labelSmoothing: 0.1)(kept, targets: [2, 1])
        #expect(isApproximatelyEqual(result.loss, alone.loss, relativeTolerance: 1e-14))
        #expect(isApproximatelyEqual(Array(result.gradLogits.row(3)), Array(alone.gradLogits.row(1))))

        let none = criterion(logits, targets: [0, 0, 0, 0])
        #expect(none.loss == 0 && none.countedRows == 0 && none.gradLogits.scalars.allSatisfy { $0 == 0 })
        #expect(none.accuracy == 0)
    }

    @Test("accuracy counts rows whose first largest logit is the target, skipping ignored rows")
    func accuracy() {
        let logits = Matrix<Float>([[0.1, 2, 0.3], [5, 1, 1], [1, 1, 0], [0, 0, 9], [3, 0, 0]])
        let result = SoftmaxCrossEntropy<Float>(ignoreIndex: -1)(logits, targets: [1, 2, 0, 2, -1])
        // Row 0 right, row 1 wrong, row 2 a tie resolved to class 0 (right), row 3 right, row 4 ignored.
        #expect(result.correctCount == 3 && result.countedRows == 4)
        #expect(result.accuracy == 0.75)
    }

    @Test("huge logits stay finite: the row maximum is subtracted before exponentiating")
    func numericalStability() {
        let logits = Matrix<Float>([[1000, 0, -1000], [0, 1e4, 0]])
        let result = SoftmaxCrossEntropy<Float>()(logits, targets: [1, 1])
        // Row 0: −log softmax₁ = 1000 + log(1 + e⁻¹⁰⁰⁰ + e⁻²⁰⁰⁰) ≈ 1000; row 1: ≈ 0.
        #expect(isApproximatelyEqual(result.loss, 500, relativeTolerance: 1e-6))
        #expect(result.gradLogits.scalars.allSatisfy { $0.isFinite })
        #expect(isApproximatelyEqual(result.gradLogits[0, 0], 0.5, relativeTolerance: 1e-6))
        #expect(isApproximatelyEqual(result.gradLogits[0, 1], -0.5, relativeTolerance: 1e-6))
    }

    @Test("Float and Double instantiations agree to 1e-5")
    func floatMatchesDouble() {
        let logits = sampleMatrix(8, 10, seed: 63, in: -5..<5, as: Double.self)
        let targets = [3, 9, 0, 1, 1, 7, 5, 2]
        let double = SoftmaxCrossEntropy<Double>(labelSmoothing: 0.1)(logits, targets: targets)
        let float = SoftmaxCrossEntropy<Float>(labelSmoothing: 0.1)(Matrix(logits), targets: targets)
        #expect(isApproximatelyEqual(float.loss, double.loss, relativeTolerance: 1e-5))
        #expect(
            isApproximatelyEqual(
                float.gradLogits.scalars.map(Double.init), double.gradLogits.scalars, absoluteTolerance: 1e-5))
        #expect(float.correctCount == double.correctCount)
    }
}
