import Tensors

/// Multi-head scaled dot-product self-attention over the tokens of each sequence, optionally causal.
///
/// The input holds `sequenceCount × sequenceLength` tokens as rows, sequence after sequence, each `modelWidth`
/// wide. Every token is projected to a query, a key and a value; each of the `headCount` heads takes its own
/// `headWidth = modelWidth / headCount` consecutive columns of those, attends within one sequence at a time, and the
/// heads' results, side by side, go through an output projection. Tokens never attend across sequences.
///
/// Concretely, for one sequence `x` (`T × d` with `T = sequenceLength`, `d = modelWidth`), head `j` taking columns
/// `j·dₕ ..< (j+1)·dₕ` of `Q`, `K`, `V`, and `mask[s, t] = −∞` for `t > s` when causal and 0 otherwise:
///
/// ```
/// forward:   Q = x·W_qᵀ + b_q     K = x·W_kᵀ + b_k     V = x·W_vᵀ + b_v
///            Sⱼ = Qⱼ·Kⱼᵀ / √dₕ + mask
///            Pⱼ = softmax(Sⱼ) row by row          (masked entries exactly 0)
///            Cⱼ = Pⱼ·Vⱼ,   C = [C₀ C₁ … C_{h−1}]
///            y = C·W_oᵀ + b_o
///
/// backward:  gradC = gradY·W_o            gradW_o += gradYᵀ·C      gradB_o += Σ_rows gradY
///            gradPⱼ = gradCⱼ·Vⱼᵀ          gradVⱼ = Pⱼᵀ·gradCⱼ
///            gradSⱼ = Pⱼ ⊙ (gradPⱼ − rowsum(gradPⱼ ⊙ Pⱼ))          (the softmax Jacobian, row by row)
///            gradQⱼ = gradSⱼ·Kⱼ / √dₕ     gradKⱼ = gradSⱼᵀ·Qⱼ / √dₕ
///            gradW_q += gradQᵀ·x          gradB_q += Σ_rows gradQ          (likewise for k and v)
///            gradInput = gradQ·W_q + gradK·W_k + gradV·W_v
/// ```
///
/// The projections are whole-matrix BLAS products over all tokens; `Q`, `K` and `V` come from one product with the
/// three weights stacked (`[Q K V]`, tokens × `3d`), and so do their three weight gradients and the input gradient.
/// The per-head products (`Q·Kᵀ`, `P·V` and their four backward counterparts) are BLAS products too, one per
/// (sequence, head) pair, shared among the cores, that read and write the head's columns in place through a leading
/// dimension (`3d` or `d`), so no head is ever copied out. Softmax subtracts each
/// row's maximum before exponentiating; a causal row never reads the scores above the diagonal, so a later token
/// cannot change an earlier output even by rounding. There is no attention dropout.
///
/// Weights are stored as PyTorch's `nn.Linear` stores them, output by input (`d × d`), and biases as `1 × d`. The
/// key bias `b_k` adds the same `q_s·b_k` to every score of row `s`, which the softmax cancels, so its gradient is
/// zero up to rounding; it is kept so that the parameters map one to one onto PyTorch's.
///
/// This layer does not conform to ``Layer``, whose forward pass cannot be told where one sequence ends: its
/// forward pass takes the sequence length as an extra argument, and its backward pass is shaped like ``Layer``'s.
///
/// ### References
///
/// - A. Vaswani, N. Shazeer, N. Parmar, J. Uszkoreit, L. Jones, A. N. Gomez, Ł. Kaiser, I. Polosukhin, "Attention
///   Is All You Need", NeurIPS 2017, https://arxiv.org/abs/1706.03762 (section 3.2)
public final class MultiHeadSelfAttention<Scalar: MatrixScalar> {
    /// The width `d` of each token's input and output.
    public let modelWidth: Int
    /// The number of heads `h`; it divides ``modelWidth``.
    public let headCount: Int
    /// Whether a token attends only to itself and the tokens before it in its sequence.
    public let isCausal: Bool

    /// The query projection, parameters `query.weight` and `query.bias`.
    public let query: Projection
    /// The key projection, parameters `key.weight` and `key.bias`.
    public let key: Projection
    /// The value projection, parameters `value.weight` and `value.bias`.
    public let value: Projection
    /// The output projection, parameters `output.weight` and `output.bias`.
    public let output: Projection

    /// The width `dₕ = d / h` of each head's queries, keys and values.
    public var headWidth: Int { modelWidth / headCount }

    /// A layer whose projections are drawn from `random` by PyTorch's `nn.Linear` default.
    ///
    /// Each weight and bias is drawn from `U(−1/√d, 1/√d)`, in the order query, key, value, output and, within
    /// each, the weight row by row and then the bias; every value is drawn as a Double and rounded to `Scalar`, so
    /// a Float and a Double layer built from equal generators hold the same values up to Float rounding.
    /// (PyTorch's `nn.MultiheadAttention` instead draws its input projections by Xavier and zeroes its biases.)
    ///
    /// - Parameters:
    ///   - modelWidth: The width `d` of each token; at least 1 and a multiple of `headCount`.
    ///   - headCount: The number of heads; at least 1.
    ///   - isCausal: Whether each token is masked from the tokens after it.
    ///   - random: The generator to draw from; advanced by the `4 · (d² + d)` draws.
    public init(modelWidth: Int, headCount: Int, isCausal: Bool, random: inout SeededRandom) {
        precondition(
            headCount >= 1 && modelWidth >= 1 && modelWidth % headCount == 0,
            "MultiHeadSelfAttention expects a model width that is a positive multiple of the head count, got "
                + "width \(modelWidth) with \(headCount) heads")
        self.modelWidth = modelWidth
        self.headCount = headCount
        self.isCausal = isCausal
        // kaiming_uniform_ with a = √5 gives a bound of 1/√fanIn for the weight, and nn.Linear uses it for the bias.
        let bound = 1 / Double(modelWidth).squareRoot()
        query = Projection(name: "query", width: modelWidth, bound: bound, random: &random)
        key = Projection(name: "key", width: modelWidth, bound: bound, random: &random)
        value = Projection(name: "value", width: modelWidth, bound: bound, random: &random)
        output = Projection(name: "output", width: modelWidth, bound: bound, random: &random)
    }

    /// Every weight and bias: query, key, value, output, each weight before its bias.
    public var parameters: [Parameter<Scalar>] {
        [query, key, value, output].flatMap { [$0.weight, $0.bias] }
    }

    /// What the forward pass keeps for the backward pass.
    public struct Saved: Sendable {
        /// The number of tokens in each sequence.
        public let sequenceLength: Int
        /// The mode of the forward pass; only a training pass keeps what backward needs.
        public let mode: ForwardMode
        /// The attention probabilities `Pⱼ` of a training pass, one `T × T` block per (sequence, head) pair, the
        /// block of sequence `s` and head `j` at rows `(s·h + j)·T ..< (s·h + j + 1)·T`; empty after evaluation.
        public let probabilities: Matrix<Scalar>
        /// The input `x`.
        let input: Matrix<Scalar>
        /// `Q`, `K` and `V` side by side, tokens by `3d`.
        let queriesKeysValues: Matrix<Scalar>
        /// The heads' results side by side, `C`, tokens by `d`.
        let context: Matrix<Scalar>
    }

    /// The evaluation-mode output, without keeping anything for backward.
    ///
    /// - Parameters:
    ///   - x: The tokens of whole sequences, one per row, `modelWidth` wide.
    ///   - sequenceLength: The number of tokens in each sequence.
    public func callAsFunction(_ x: Matrix<Scalar>, sequenceLength: Int) -> Matrix<Scalar> {
        forward(x, sequenceLength: sequenceLength, mode: .evaluation).output
    }

    // MARK: - Forward

    /// The attention output for each token, and what backward needs.
    ///
    /// - Parameters:
    ///   - x: The tokens of whole sequences, sequence after sequence, one per row, `modelWidth` wide; the row count
    ///     is a multiple of `sequenceLength`.
    ///   - sequenceLength: The number of tokens `T` in each sequence; at least 1.
    ///   - mode: ``ForwardMode/training`` keeps every head's probabilities for backward (`h·T²` scalars per
    ///     sequence); ``ForwardMode/evaluation`` reuses one `T × T` buffer and gives a `Saved` backward refuses.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(
        _ x: Matrix<Scalar>, sequenceLength: Int, mode: ForwardMode
    ) -> (output: Matrix<Scalar>, saved: Saved) {
        precondition(
            x.columns == modelWidth,
            "MultiHeadSelfAttention expects tokens with \(modelWidth) features per row, got \(x.rows) × \(x.columns)")
        precondition(
            sequenceLength >= 1 && x.rows % sequenceLength == 0,
            "MultiHeadSelfAttention expects a row count that is a multiple of the sequence length, got \(x.rows) "
                + "rows for sequences of \(sequenceLength)")
        let geometry = HeadGeometry(
            sequenceCount: x.rows / sequenceLength, sequenceLength: sequenceLength, modelWidth: modelWidth,
            headCount: headCount)
        let keepsProbabilities = mode == .training
        // [Q K V] = x·[W_Q; W_K; W_V]ᵀ + [b_Q b_K b_V]: one product, which packs x once (three took half again as
        // long, x being as large as the products are cheap at these widths).
        let qkv = fusedProjection.apply(to: x)

        // Every square and every context slice is overwritten below, so neither is filled first.
        let t = sequenceLength
        var probabilities = Matrix<Scalar>(
            unspecifiedRows: keepsProbabilities ? geometry.blockCount * t : 0, columns: t)
        var context = Matrix<Scalar>(unspecifiedRows: x.rows, columns: modelWidth)
        let scale = 1 / Scalar(headWidth).squareRoot()
        let isCausal = isCausal
        let (qLayout, kLayout, vLayout, plain) = (
            geometry.fused(0), geometry.fused(1), geometry.fused(2), geometry.plain
        )
        qkv.withUnsafeBufferPointer { qkvElements in
            let inputs = SharedMutableBuffer(readOnly: qkvElements)
            probabilities.withUnsafeMutableBufferPointer { probabilities in
                context.withUnsafeMutableBufferPointer { context in
                    let outputs = [SharedMutableBuffer(probabilities), SharedMutableBuffer(context)]
                    Self.forEachBlockRange(geometry) { blocks in
                        let qkv = UnsafeBufferPointer(inputs.unsafeBuffer)
                        let (probabilities, context) = (outputs[0].unsafeBuffer, outputs[1].unsafeBuffer)
                        // Evaluation keeps no probabilities: each task reuses one square of its own.
                        var scratch = [Scalar](repeating: 0, count: keepsProbabilities ? 0 : t * t)
                        scratch.withUnsafeMutableBufferPointer { scratch in
                            for block in blocks {
                                let (squares, square) = keepsProbabilities ? (probabilities, block) : (scratch, 0)
                                // Sⱼ = Qⱼ·Kⱼᵀ / √dₕ, turned into Pⱼ in place.
                                geometry.multiplySlices(
                                    qkv, qLayout, qkv, kLayout, slice: block, alpha: scale, into: squares,
                                    square: square)
                                MaskedSoftmax.forward(squares, square: square, size: t, isCausal: isCausal)
                                // Cⱼ = Pⱼ·Vⱼ, straight into head j's columns of C.
                                geometry.multiplySquare(
                                    UnsafeBufferPointer(squares), square: square, transposeSquare: false, qkv,
                                    vLayout, slice: block, alpha: 1, into: context, plain)
                            }
                        }
                    }
                }
            }
        }
        let y = output.apply(to: context)
        let saved = Saved(
            sequenceLength: sequenceLength, mode: mode,
            probabilities: probabilities,
            input: x, queriesKeysValues: qkv, context: context)
        return (y, saved)
    }

    // MARK: - Backward

    /// The gradient with respect to the input, after adding every projection's weight and bias gradient into its
    /// parameter.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, shaped like the input of the forward pass.
    ///   - saved: What a ``ForwardMode/training`` forward pass returned.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved: Saved) -> Matrix<Scalar> {
        precondition(
            saved.mode == .training,
            "MultiHeadSelfAttention's backward expects the saved state of a training forward pass, got evaluation")
        let x = saved.input
        precondition(
            gradOutput.rows == x.rows && gradOutput.columns == modelWidth,
            "MultiHeadSelfAttention expects an output gradient of \(x.rows) × \(modelWidth), got "
                + "\(gradOutput.rows) × \(gradOutput.columns)")
        let geometry = HeadGeometry(
            sequenceCount: x.rows / saved.sequenceLength, sequenceLength: saved.sequenceLength,
            modelWidth: modelWidth, headCount: headCount)

        output.accumulateGradients(gradOutput: gradOutput, input: saved.context)
        let gradContext = Matrix.product(gradOutput, output.weight.value)

        // [gradQ gradK gradV], tokens by 3d: each (sequence, head) pair overwrites its own slices of the three
        // blocks, and together the slices cover the matrix, so it is not filled first.
        var gradQKV = Matrix<Scalar>(unspecifiedRows: x.rows, columns: 3 * modelWidth)
        let t = saved.sequenceLength
        let scale = 1 / Scalar(headWidth).squareRoot()
        let isCausal = isCausal
        let (qLayout, kLayout, vLayout, plain) = (
            geometry.fused(0), geometry.fused(1), geometry.fused(2), geometry.plain
        )
        let inputs = [gradContext, saved.queriesKeysValues, saved.probabilities]
        Matrix.withSharedElements(of: inputs) { inputs in
            gradQKV.withUnsafeMutableBufferPointer { gradQKV in
                let output = SharedMutableBuffer(gradQKV)
                Self.forEachBlockRange(geometry) { blocks in
                    let read = inputs.map { UnsafeBufferPointer($0.unsafeBuffer) }
                    let (gradContext, qkv, probabilities) = (read[0], read[1], read[2])
                    let gradQKV = output.unsafeBuffer
                    // One T × T square per task: gradPⱼ, then gradSⱼ in place.
                    var scratch = [Scalar](repeating: 0, count: t * t)
                    scratch.withUnsafeMutableBufferPointer { gradScores in
                        for block in blocks {
                            // gradPⱼ = gradCⱼ·Vⱼᵀ and gradVⱼ = Pⱼᵀ·gradCⱼ.
                            geometry.multiplySlices(
                                gradContext, plain, qkv, vLayout, slice: block, alpha: 1, into: gradScores, square: 0)
                            geometry.multiplySquare(
                                probabilities, square: block, transposeSquare: true, gradContext, plain, slice: block,
                                alpha: 1, into: gradQKV, vLayout)
                            MaskedSoftmax.backward(
                                gradScores, probabilities: probabilities, square: block, size: t, isCausal: isCausal)
                            // gradQⱼ = gradSⱼ·Kⱼ / √dₕ and gradKⱼ = gradSⱼᵀ·Qⱼ / √dₕ.
                            let scores = UnsafeBufferPointer(gradScores)
                            geometry.multiplySquare(
                                scores, square: 0, transposeSquare: false, qkv, kLayout, slice: block, alpha: scale,
                                into: gradQKV, qLayout)
                            geometry.multiplySquare(
                                scores, square: 0, transposeSquare: true, qkv, qLayout, slice: block, alpha: scale,
                                into: gradQKV, kLayout)
                        }
                    }
                }
            }
        }

        let fused = fusedProjection
        fused.accumulateGradients(gradOutput: gradQKV, input: x)
        fused.distributeGradients(to: [query, key, value])
        return Matrix.product(gradQKV, fused.weight.value)
    }

    /// Calls `body` on disjoint ranges of the (sequence, head) pairs, concurrently: a pair is a few small products
    /// and a softmax, tens of microseconds, so even a pair per task pays for waking a core.
    private static func forEachBlockRange(_ geometry: HeadGeometry, _ body: @Sendable (Range<Int>) -> Void) {
        RowParallel.automatic.parallelRows(count: geometry.blockCount, minimumRowsPerTask: 1, body: body)
    }
}
