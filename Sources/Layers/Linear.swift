import Tensors

/// How a ``Linear`` layer draws its initial weight and bias.
public enum LinearInitialization: Sendable, Hashable {
    /// PyTorch's default for `nn.Linear`: `kaiming_uniform_(a: √5)` for the weight, which works out to
    /// `U(−1/√inputWidth, 1/√inputWidth)`, and the same range for the bias.
    case pytorchDefault
    /// Glorot & Bengio's uniform initialization for the weight, `U(−a, a)` with `a = √(6 / (inputWidth +
    /// outputWidth))`, and a zero bias (as transformer code that uses Xavier, fairseq for one, sets it).
    ///
    /// ### References
    ///
    /// - X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural networks",
    ///   AISTATS 2010
    case xavierUniform
}

/// A fully connected layer: an affine map of each row.
///
/// The weight is stored as PyTorch's `nn.Linear` stores it, `outputWidth × inputWidth` (one row per output
/// feature), so checkpoints map one to one and `weight[o, i]` reads as "from input `i` to output `o`".
///
/// Concretely, for an input `x` of `n × inputWidth`, weight `W` of `outputWidth × inputWidth` and bias `b` of
/// `1 × outputWidth` (broadcast over rows):
///
/// ```
/// forward:   y = x · Wᵀ + b
/// backward:  gradInput = gradY · W
///            gradW    += gradYᵀ · x
///            gradB    += Σ_rows gradY
/// ```
///
/// All three products go to BLAS through ``Matrix/multiply(_:transposeA:_:transposeB:alpha:beta:into:)``; the
/// weight gradient accumulates in place (`beta = 1`) so a layer applied twice collects both contributions.
public final class Linear<Scalar: MatrixScalar>: Layer {
    /// The number of input features.
    public let inputWidth: Int
    /// The number of output features.
    public let outputWidth: Int
    /// The weight, `outputWidth × inputWidth`.
    public let weight: Parameter<Scalar>
    /// The bias, `1 × outputWidth`, or `nil` for a layer built without one.
    public let bias: Parameter<Scalar>?

    /// The input, which the weight gradient needs.
    public typealias Saved = Matrix<Scalar>

    /// A linear layer with weights drawn from `random`.
    ///
    /// The weight is drawn row by row first, then the bias, each value as a Double rounded to `Scalar`, so a Float
    /// and a Double layer built from equal generators hold the same values up to Float rounding.
    ///
    /// - Parameters:
    ///   - inputWidth: The number of input features; at least 1.
    ///   - outputWidth: The number of output features; at least 1.
    ///   - bias: Whether to add a learned bias; defaults to `true`.
    ///   - initialization: How to draw the initial values; defaults to PyTorch's.
    ///   - random: The generator to draw from; advanced by the draws.
    // Specialized because a model in another module builds its layers through the generic entry point, which would
    // otherwise draw and convert each of the inputWidth × outputWidth values through witness tables.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(
        inputWidth: Int,
        outputWidth: Int,
        bias: Bool = true,
        initialization: LinearInitialization = .pytorchDefault,
        random: inout SeededRandom
    ) {
        precondition(
            inputWidth >= 1 && outputWidth >= 1,
            "Linear expects at least one input and one output feature, got \(inputWidth) → \(outputWidth)")
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth

        let weightBound: Double
        let biasBound: Double
        switch initialization {
        case .pytorchDefault:
            // kaiming_uniform_ with a = √5: gain √(2 / (1 + a²)) = √(1/3), bound gain · √(3 / fanIn) = 1/√fanIn.
            weightBound = 1 / Double(inputWidth).squareRoot()
            biasBound = weightBound
        case .xavierUniform:
            weightBound = (6 / Double(inputWidth + outputWidth)).squareRoot()
            biasBound = 0
        }
        let weightValue = Matrix<Scalar>(rows: outputWidth, columns: inputWidth) { _, _ in
            Scalar(random.uniform(in: -weightBound..<weightBound))
        }
        self.weight = Parameter(name: "weight", value: weightValue)
        if bias {
            let biasValue = Matrix<Scalar>(rows: 1, columns: outputWidth) { _, _ in
                biasBound == 0 ? 0 : Scalar(random.uniform(in: -biasBound..<biasBound))
            }
            self.bias = Parameter(name: "bias", value: biasValue)
        } else {
            self.bias = nil
        }
    }

    /// A linear layer with the given weight (`outputWidth × inputWidth`) and optional bias (`1 × outputWidth`).
    ///
    /// - Parameters:
    ///   - weight: The initial weight, one row per output feature.
    ///   - bias: The initial bias, or `nil` for none.
    public init(weight: Matrix<Scalar>, bias: Matrix<Scalar>?) {
        precondition(
            weight.rows >= 1 && weight.columns >= 1,
            "Linear expects a non-empty weight, got \(weight.rows) × \(weight.columns)")
        if let bias {
            precondition(
                bias.rows == 1 && bias.columns == weight.rows,
                "Linear expects a bias of 1 × \(weight.rows) (one per output feature), "
                    + "got \(bias.rows) × \(bias.columns)")
        }
        self.inputWidth = weight.columns
        self.outputWidth = weight.rows
        self.weight = Parameter(name: "weight", value: weight)
        self.bias = bias.map { Parameter(name: "bias", value: $0) }
    }

    /// The weight, then the bias if there is one.
    public var parameters: [Parameter<Scalar>] {
        if let bias { [weight, bias] } else { [weight] }
    }

    // MARK: - Forward

    /// `x · Wᵀ + b` for each row of `x`.
    ///
    /// - Parameters:
    ///   - x: The input, rows by `inputWidth` features.
    ///   - mode: Unused; a linear layer behaves the same in training and evaluation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Matrix<Scalar>) {
        precondition(
            x.columns == inputWidth,
            "Linear expects inputs with \(inputWidth) features per row, got \(x.rows) × \(x.columns)")
        var y = Matrix<Scalar>(rows: 0, columns: 0)
        Matrix.multiply(x, weight.value, transposeB: true, into: &y)
        if let bias { RowBroadcast.add(bias.value, toEveryRowOf: &y) }
        return (y, x)
    }

    // MARK: - Backward

    /// `gradY · W`, after adding `gradYᵀ · x` into the weight's gradient and the column sums of `gradY` into the
    /// bias's.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, rows by `outputWidth`.
    ///   - saved: The input of the matching forward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved x: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(
            gradOutput.rows == x.rows && gradOutput.columns == outputWidth,
            "Linear expects an output gradient of \(x.rows) × \(outputWidth), "
                + "got \(gradOutput.rows) × \(gradOutput.columns)")
        Matrix.multiply(gradOutput, transposeA: true, x, beta: 1, into: &weight.gradient)
        if let bias { RowBroadcast.addColumnSums(of: gradOutput, into: &bias.gradient) }
        var gradInput = Matrix<Scalar>(rows: 0, columns: 0)
        Matrix.multiply(gradOutput, weight.value, into: &gradInput)
        return gradInput
    }
}
