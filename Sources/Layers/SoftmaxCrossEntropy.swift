import Tensors

/// The softmax cross-entropy loss over rows of logits with integer class targets, its gradient with respect to the
/// logits, and the number of rows classified correctly, all from one pass over the logits.
///
/// The semantics are PyTorch's `CrossEntropyLoss(ignore_index:, reduction: 'mean', label_smoothing:)`: each
/// counted row's target distribution is `q = (1 − ε) · onehot(t) + ε / K`, rows whose target is the ignore index
/// contribute neither loss nor gradient, and the loss is the mean over the counted rows.
///
/// Concretely, for a row of logits `z` over `K` classes with target `t`, among `N` counted rows:
///
/// ```
/// m = maxₖ zₖ,   S = Σₖ exp(zₖ − m),   pₖ = exp(zₖ − m) / S
/// lossᵢ = −Σₖ qₖ log pₖ = log S − (1 − ε)(z_t − m) − (ε / K) Σₖ (zₖ − m)
/// loss  = (1 / N) Σᵢ lossᵢ
/// gradZₖ = (pₖ − qₖ) / N          (0 for ignored rows)
/// ```
///
/// Subtracting the row maximum keeps every exponential in (0, 1], so no logit overflows, and the loss is formed
/// from `log S` and the shifted logits rather than from `log pₖ`, which would underflow for very unlikely classes.
/// The loss and `S` accumulate in Double whatever `Scalar` is.
///
/// ### References
///
/// - C. Szegedy, V. Vanhoucke, S. Ioffe, J. Shlens, Z. Wojna, "Rethinking the Inception Architecture for Computer
///   Vision", 2016, https://arxiv.org/abs/1512.00567 (section 7, label smoothing)
public struct SoftmaxCrossEntropy<Scalar: MatrixScalar>: Sendable {
    /// The label-smoothing weight ε in `[0, 1]`: the share of the target mass spread uniformly over all classes.
    public var labelSmoothing: Double
    /// The target value whose rows are skipped (padding), or `nil` to count every row.
    public var ignoreIndex: Int?

    /// What one evaluation of the loss returns.
    public struct Result: Sendable {
        /// The mean loss over the counted rows; 0 when no row counts (where PyTorch gives NaN).
        public var loss: Double
        /// The gradient of ``loss`` with respect to the logits, shaped like them; zero in ignored rows.
        public var gradLogits: Matrix<Scalar>
        /// The number of counted rows whose largest logit (the first, on ties) is at the target class.
        public var correctCount: Int
        /// The number of rows whose target is not the ignore index: the `N` the loss is averaged over.
        public var countedRows: Int

        /// `correctCount / countedRows`, or 0 when no row counts.
        public var accuracy: Double {
            countedRows == 0 ? 0 : Double(correctCount) / Double(countedRows)
        }
    }

    /// A softmax cross-entropy loss.
    ///
    /// - Parameters:
    ///   - labelSmoothing: The weight ε in `[0, 1]` of the uniform part of the target distribution; defaults to 0.
    ///   - ignoreIndex: A target value marking rows to skip, such as padding; defaults to `nil` (none).
    public init(labelSmoothing: Double = 0, ignoreIndex: Int? = nil) {
        precondition(
            (0...1).contains(labelSmoothing),
            "SoftmaxCrossEntropy expects a label smoothing in [0, 1], got \(labelSmoothing)")
        self.labelSmoothing = labelSmoothing
        self.ignoreIndex = ignoreIndex
    }

    /// The loss, its gradient and the correct count; the same as ``evaluate(_:targets:)``.
    public func callAsFunction(_ logits: Matrix<Scalar>, targets: [Int]) -> Result {
        evaluate(logits, targets: targets)
    }

    /// The mean loss over the counted rows, its gradient with respect to `logits`, and the correct count.
    ///
    /// - Parameters:
    ///   - logits: One row per example, one column per class.
    ///   - targets: One class per row, each in `0 ..< logits.columns` or equal to ``ignoreIndex``.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(_ logits: Matrix<Scalar>, targets: [Int]) -> Result {
        let classCount = logits.columns
        precondition(
            targets.count == logits.rows,
            "SoftmaxCrossEntropy expects one target per row of logits, got \(targets.count) targets "
                + "for \(logits.rows) rows")
        precondition(classCount >= 1, "SoftmaxCrossEntropy expects at least one class, got 0 columns")
        var countedRows = 0
        for (row, target) in targets.enumerated() where target != ignoreIndex {
            precondition(
                (0..<classCount).contains(target),
                "SoftmaxCrossEntropy expects targets in 0..<\(classCount) or the ignore index, "
                    + "got \(target) in row \(row)")
            countedRows += 1
        }
        var gradLogits = Matrix<Scalar>(rows: logits.rows, columns: classCount)
        guard countedRows > 0 else {
            return Result(loss: 0, gradLogits: gradLogits, correctCount: 0, countedRows: 0)
        }

        let epsilon = labelSmoothing
        let inverseCount = 1 / Double(countedRows)
        let constants = RowConstants(
            classCount: classCount, epsilon: epsilon, uniformShare: epsilon / Double(classCount),
            inverseCount: inverseCount,
            // qₖ/N splits into ε/(K·N) for every class plus (1 − ε)/N for the target.
            uniformGradient: Scalar(epsilon / Double(classCount) * inverseCount),
            targetGradient: Scalar((1 - epsilon) * inverseCount))
        let ignoreIndex = ignoreIndex
        // Rows are shared among the cores; each row's loss is kept and the losses summed afterwards in row order,
        // so the total does not depend on the split (an ignored row's 0 adds nothing).
        var rowLosses = [Double](repeating: 0, count: targets.count)
        var rowCorrect = [Bool](repeating: false, count: targets.count)
        targets.withUnsafeBufferPointer { targets in
            logits.withUnsafeBufferPointer { z in
                gradLogits.withUnsafeMutableBufferPointer { grad in
                    rowLosses.withUnsafeMutableBufferPointer { losses in
                        rowCorrect.withUnsafeMutableBufferPointer { correct in
                            let shared = (
                                targets: SharedMutableBuffer(readOnly: targets), z: SharedMutableBuffer(readOnly: z),
                                grad: SharedMutableBuffer(grad), losses: SharedMutableBuffer(losses),
                                correct: SharedMutableBuffer(correct)
                            )
                            RowParallel.automatic.parallelRows(count: targets.count, columns: classCount * 8) {
                                rows in
                                for row in rows where shared.targets.readOnly[row] != ignoreIndex {
                                    let base = row * classCount
                                    (shared.losses.base[row], shared.correct.base[row]) = Self.row(
                                        logits: shared.z.readOnly + base, gradient: shared.grad.base + base,
                                        target: shared.targets.readOnly[row], constants)
                                }
                            }
                        }
                    }
                }
            }
        }
        let lossSum = rowLosses.reduce(0, +)
        let correctCount = rowCorrect.lazy.filter { $0 }.count
        return Result(
            loss: lossSum * inverseCount, gradLogits: gradLogits, correctCount: correctCount,
            countedRows: countedRows)
    }

    /// What every row's loss and gradient need.
    struct RowConstants: Sendable {
        let classCount: Int
        let epsilon, uniformShare, inverseCount: Double
        let uniformGradient, targetGradient: Scalar
    }

    /// One row's loss (not yet divided by the counted rows) and whether its argmax is the target; writes the row's
    /// gradient into `gradient`.
    @inline(__always)
    static func row(
        logits z: UnsafePointer<Scalar>, gradient grad: UnsafeMutablePointer<Scalar>, target: Int,
        _ c: RowConstants
    ) -> (loss: Double, correct: Bool) {
        // The maximum, and the first class attaining it, for the shift and the accuracy.
        var m = z[0]
        var argmax = 0
        for k in 1..<c.classCount where z[k] > m {
            m = z[k]
            argmax = k
        }
        // Unnormalized probabilities go into the gradient's row, scaled in place below.
        let S = Exponentials.shifted(z, minus: m, into: grad, count: c.classCount)
        var shiftedSum = 0.0
        if c.uniformShare != 0 {  // only label smoothing reads it
            for k in 0..<c.classCount { shiftedSum += Double(z[k] - m) }
        }
        let loss = Double.log(S) - (1 - c.epsilon) * Double(z[target] - m) - c.uniformShare * shiftedSum
        let probabilityScale = Scalar(c.inverseCount / S)
        for k in 0..<c.classCount { grad[k] = grad[k] * probabilityScale - c.uniformGradient }
        grad[target] -= c.targetGradient
        return (loss, argmax == target)
    }
}
