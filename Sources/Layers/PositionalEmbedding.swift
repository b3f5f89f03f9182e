import Tensors

/// A learned positional embedding: adds a trained vector for each position in a sequence.
///
/// The input holds sequences of `sequenceLength` tokens laid end to end, so its rows are
/// `batch × sequenceLength` and row `r` is the token at position `p = r mod sequenceLength`.
///
/// Concretely, for a table `P` of `maxLength × width`:
///
/// ```
/// forward:   y[r] = x[r] + P[r mod L]
/// backward:  gradInput = gradY
///            gradP[p] += Σ_b gradY[b · L + p]      (every sequence's token at position p)
/// ```
///
/// This is GPT's and BERT's learned absolute position embedding. The table starts as N(0, σ²) with σ = 1 by
/// default, the same as ``Embedding`` and PyTorch's `nn.Embedding`, which is how such tables are usually built.
///
/// ### References
///
/// - J. Gehring et al., "Convolutional Sequence to Sequence Learning", 2017, https://arxiv.org/abs/1705.03122
/// - A. Vaswani et al., "Attention Is All You Need", 2017, https://arxiv.org/abs/1706.03762 (section 3.5 compares
///   learned and sinusoidal positions)
public final class PositionalEmbedding<Scalar: MatrixScalar>: Layer {
    /// The longest sequence the table covers.
    public let maxLength: Int
    /// The number of features per token.
    public let width: Int
    /// The length of the sequences ``forward(_:mode:)`` expects; at most ``maxLength``.
    public var sequenceLength: Int {
        didSet {
            precondition(
                (1...maxLength).contains(sequenceLength),
                "PositionalEmbedding expects a sequence length in 1...\(maxLength), got \(sequenceLength)")
        }
    }
    /// The table, `maxLength × width`, one row per position.
    public let weight: Parameter<Scalar>

    /// The sequence length the forward pass used, so backward pairs rows with the same positions.
    public typealias Saved = Int

    /// A positional embedding table drawn from N(0, standardDeviation²).
    ///
    /// - Parameters:
    ///   - maxLength: The longest sequence; at least 1.
    ///   - width: The number of features per token; at least 1.
    ///   - sequenceLength: The length of the sequences ``forward(_:mode:)`` expects; defaults to `maxLength`.
    ///   - standardDeviation: The spread of the initial values; defaults to 1.
    ///   - random: The generator to draw from; advanced by the draws.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public convenience init(
        maxLength: Int,
        width: Int,
        sequenceLength: Int? = nil,
        standardDeviation: Double = 1,
        random: inout SeededRandom
    ) {
        let table = Matrix<Scalar>(rows: maxLength, columns: width) { _, _ in
            Scalar(random.normal(standardDeviation: standardDeviation))
        }
        self.init(table: table, sequenceLength: sequenceLength)
    }

    /// A positional embedding with the given table, one row per position.
    ///
    /// - Parameters:
    ///   - table: The initial table, `maxLength × width`.
    ///   - sequenceLength: The length of the sequences ``forward(_:mode:)`` expects; defaults to the table's rows.
    public init(table: Matrix<Scalar>, sequenceLength: Int? = nil) {
        precondition(
            table.rows >= 1 && table.columns >= 1,
            "PositionalEmbedding expects a non-empty table, got \(table.rows) × \(table.columns)")
        let length = sequenceLength ?? table.rows
        precondition(
            (1...table.rows).contains(length),
            "PositionalEmbedding expects a sequence length in 1...\(table.rows), got \(length)")
        self.maxLength = table.rows
        self.width = table.columns
        self.sequenceLength = length
        self.weight = Parameter(name: "weight", value: table)
    }

    /// The table.
    public var parameters: [Parameter<Scalar>] { [weight] }

    // MARK: - Forward

    /// `x[r] + P[r mod sequenceLength]` for each row, with the stored ``sequenceLength``.
    ///
    /// - Parameters:
    ///   - x: Sequences laid end to end: `batch · sequenceLength` rows by `width` features.
    ///   - mode: Unused; the layer behaves the same in training and evaluation.
    public func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Int) {
        (forward(x, sequenceLength: sequenceLength), sequenceLength)
    }

    /// `x[r] + P[r mod sequenceLength]` for each row, for sequences of the given length.
    ///
    /// - Parameters:
    ///   - x: Sequences laid end to end: `batch · sequenceLength` rows by `width` features.
    ///   - sequenceLength: The length of each sequence, in `1...maxLength`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, sequenceLength: Int) -> Matrix<Scalar> {
        checkShape(rows: x.rows, columns: x.columns, sequenceLength: sequenceLength, of: "input")
        var y = x
        let rowLength = width * sequenceLength
        weight.value.withUnsafeBufferPointer { table in
            y.withUnsafeMutableBufferPointer { y in
                // Positions 0 ..< L of one sequence are the first L · width table entries, contiguous, so each
                // sequence adds that one block.
                var start = 0
                while start < y.count {
                    for k in 0..<rowLength { y[start + k] += table[k] }
                    start += rowLength
                }
            }
        }
        return y
    }

    // MARK: - Backward

    /// `gradY` unchanged, after adding each sequence's rows into the table gradient's first `sequenceLength` rows.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, shaped like the input.
    ///   - saved: The sequence length of the matching forward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved sequenceLength: Int) -> Matrix<Scalar> {
        checkShape(
            rows: gradOutput.rows, columns: gradOutput.columns, sequenceLength: sequenceLength,
            of: "output gradient")
        let rowLength = width * sequenceLength
        gradOutput.withUnsafeBufferPointer { g in
            weight.gradient.withUnsafeMutableBufferPointer { gradTable in
                var start = 0
                while start < g.count {
                    for k in 0..<rowLength { gradTable[k] += g[start + k] }
                    start += rowLength
                }
            }
        }
        return gradOutput
    }

    private func checkShape(rows: Int, columns: Int, sequenceLength: Int, of role: String) {
        precondition(
            (1...maxLength).contains(sequenceLength),
            "PositionalEmbedding expects a sequence length in 1...\(maxLength), got \(sequenceLength)")
        precondition(
            columns == width && rows % sequenceLength == 0,
            "PositionalEmbedding expects an \(role) of whole sequences of \(sequenceLength) rows by \(width) "
                + "features, got \(rows) × \(columns)")
    }
}
