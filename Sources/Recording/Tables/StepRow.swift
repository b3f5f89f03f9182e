import HDF5

/// One training step: `runs/<run>/steps`. Each table is a compound row, so h5py reads a structured array and pandas
/// a DataFrame in one line; field names are the pandas column names.
public struct StepRow: DeclaredRow, Equatable, Sendable {
    public var step: Int64
    public var loss: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var seconds: Double

    public init(step: Int64, loss: Double, learningRate: Double, gradientNorm: Double, seconds: Double) {
        self.step = step
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.seconds = seconds
    }

    public static let tableName = TraceFormat.Names.steps
    public static let location = "/runs/<run>/steps"
    public static let declaration: [DeclaredField<StepRow>] = [
        .init("step", \.step, unit: "step", range: .count, "the optimizer step, from 0"),
        .init(
            "loss", \.loss, unit: "nats", range: .nonNegative,
            "the minibatch's mean cross-entropy before the update (natural log)"),
        .init(
            "learning_rate", \.learningRate, range: .nonNegativeDouble,
            "the learning rate the update used (after warm-up and schedule)"),
        .init(
            "grad_norm", \.gradientNorm, range: .nonNegativeDouble,
            "the global L2 norm of all parameter gradients, before clipping"),
        .init("seconds", \.seconds, unit: "s", range: .seconds, "wall-clock time since the run started"),
    ]
    public static let fields = declaration.map(\.column)
}
