import HDF5

/// One evaluation, in evaluation mode, on the fixed training subset, the validation set and the held-out test set:
/// `runs/<run>/evals`. The test columns came later: tables written before them read as NaN there (not measured),
/// as does a run whose test split is empty.
public struct EvaluationRow: DeclaredRow, Equatable, Sendable {
    public var step: Int64
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validLoss: Double
    public var validAccuracy: Double
    /// `validLoss − trainLoss`, the overfitting gap.
    public var gap: Double
    public var testLoss: Double
    public var testAccuracy: Double

    public init(
        step: Int64, trainLoss: Double, trainAccuracy: Double, validLoss: Double, validAccuracy: Double,
        testLoss: Double = .nan, testAccuracy: Double = .nan
    ) {
        self.step = step
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validLoss = validLoss
        self.validAccuracy = validAccuracy
        self.gap = validLoss - trainLoss
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
    }

    public static let tableName = TraceFormat.Names.evals
    public static let location = "/runs/<run>/evals"
    public static let declaration: [DeclaredField<EvaluationRow>] = [
        .init("step", \.step, unit: "step", range: .count, "the step after which the evaluation ran"),
        .init("train_loss", \.trainLoss, unit: "nats", range: .nonNegative, "mean loss on the fixed training subset"),
        .init(
            "train_accuracy", \.trainAccuracy, unit: "fraction", range: .fraction,
            "share of the subset classified correctly"),
        .init("valid_loss", \.validLoss, unit: "nats", range: .nonNegative, "mean loss on the validation set"),
        .init(
            "valid_accuracy", \.validAccuracy, unit: "fraction", range: .fraction,
            "share of the validation set classified correctly"),
        .init("gap", \.gap, unit: "nats", range: .finite, "`valid_loss − train_loss`, the overfitting gap"),
        .init(
            "test_loss", \.testLoss, unit: "nats", range: .nonNegative, olderTracesRead: .nan,
            "mean loss on the test split; NaN when it is empty (`test_fraction` 0)"),
        .init(
            "test_accuracy", \.testAccuracy, unit: "fraction", range: .fraction, olderTracesRead: .nan,
            "share of the test split classified correctly (for `char-lm`: next bytes predicted), NaN when empty"),
    ]
    public static let fields = declaration.map(\.column)
    public static let rules: [RowRule] = [.difference("gap", minuend: "valid_loss", subtrahend: "train_loss")]

    public static func == (a: EvaluationRow, b: EvaluationRow) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.step == b.step && same(a.trainLoss, b.trainLoss) && same(a.trainAccuracy, b.trainAccuracy)
            && same(a.validLoss, b.validLoss) && same(a.validAccuracy, b.validAccuracy) && same(a.gap, b.gap)
            && same(a.testLoss, b.testLoss) && same(a.testAccuracy, b.testAccuracy)
    }
}
