import Layers
import Tensors

/// A Transformer encoder stack, as a classifier of feature vectors or as a causal character-level language model,
/// with every norm a named ``NormLayer`` of the run's variant.
///
/// Concretely, for `T` tokens per sequence, blocks `B₁ … B_L` (``TransformerBlock``) and dropout `D`:
///
/// ```
/// classifier:      e = tokens(x) · W_inᵀ + b_in        (each example's features read as T tokens)
/// language model:  e = E[t]                             (token embedding)
///                  h₀ = D(e + P[position])              (learned positions)
///                  h_L = B_L(… B₁(h₀))
///                  h = N_final(h_L)  (pre-norm)   or   h = h_L  (post-norm, whose last norm already closes B_L)
/// classifier:      logits = mean_over_tokens(h) · W_outᵀ + b_out       (one row per example)
/// language model:  logits = h · W_outᵀ + b_out                         (one row per token)
///
/// backward:        each step's own backward in reverse; mean pooling hands every token gradPooled / T, the
///                  classifier's input gradient is gradE · W_in read back as examples × features
/// ```
///
/// Pre-norm's final norm is the official code's `self.layer_norm` (present because of `--encoder-normalize-before`);
/// it is what keeps the residual stream, which pre-norm never normalizes, from reaching the logits unscaled.
///
/// Initialization follows fairseq with the official code's `--init_method km`: linear maps (attention included)
/// keep PyTorch's `nn.Linear` default; token embeddings are N(0, 1) (fairseq draws N(0, 1/d) and multiplies by
/// `√d` on the way in); learned positions are N(0, 1/d). The output map is not tied to the token embedding.
///
/// Names (``namedParameters``): the classifier's `input.linear.weight`, `input.linear.bias`, or the language
/// model's `token_embedding.weight`; then `position_embedding.weight`; each block's parameters prefixed
/// `block{i}.` (see ``TransformerBlock``); `final_norm.…` (pre-norm, those the variant has); `output.linear.weight`,
/// `output.linear.bias`. Norms (``normLayers``): `block1.attn_norm`, `block1.ffn_norm`, …, `final_norm`.
///
/// ### References
///
/// - A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017, https://arxiv.org/abs/1706.03762
/// - R. Xiong et al., "On Layer Normalization in the Transformer Architecture", ICML 2020,
///   https://arxiv.org/abs/2002.04745
/// - A. Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021, https://arxiv.org/abs/2010.11929 (features
///   read as a sequence of patches)
public final class Transformer<Scalar: MatrixScalar>: Model {
    /// The task, widths, depth, dropout and norm placement.
    public let configuration: TransformerConfiguration
    /// The variant of every norm.
    public let normConfiguration: NormConfiguration
    /// The classifier's map from each token's features to the model width, `input.linear`; `nil` for a language
    /// model.
    public let inputProjection: Linear<Scalar>?
    /// The language model's token embedding, `token_embedding`; `nil` for a classifier.
    public let tokenEmbedding: Embedding<Scalar>?
    /// The learned positions, `position_embedding`.
    public let positionEmbedding: PositionalEmbedding<Scalar>
    /// The blocks, `block1` first.
    public let blocks: [TransformerBlock<Scalar>]
    /// The norm after the last block, `final_norm`; pre-norm only.
    public let finalNorm: NormLayer<Scalar>?
    /// The map to the logits, `output.linear`.
    public let outputLinear: Linear<Scalar>

    private let embeddingDropout: Dropout<Scalar>

    /// What the last training forward pass kept, until ``backward(_:)`` consumes it.
    private struct Pass {
        /// The classifier's projection input (tokens × token features), or `nil` for a language model.
        var projectionInput: Matrix<Scalar>?
        /// The language model's ids, empty for a classifier.
        var ids: [Int]
        /// The number of examples, whose input gradient the classifier reshapes back to.
        var exampleCount: Int
        var sequenceLength: Int
        var embeddingDropout: Matrix<Scalar>?
        var blocks: [TransformerBlock<Scalar>.Saved]
        var finalNorm: NormLayer<Scalar>.Saved?
        var output: Matrix<Scalar>
    }

    private var lastTrainingPass: Pass?

    /// A Transformer whose weights and dropout masks are fixed by `seed`.
    ///
    /// The weights are drawn from one generator in the order of ``namedParameters`` (norms aside, which start at
    /// γ = 1, β = 0), after it has given a seed for a second generator that seeds the dropout layers (embedding,
    /// then each block's attention and feed-forward); so the same seed gives the same weights and masks.
    ///
    /// - Parameters:
    ///   - configuration: The task, widths, depth, dropout and norm placement.
    ///   - norm: The variant of every norm, usually a preset's ``NormPreset/configuration``.
    ///   - instrumentation: What each norm measures; defaults to its statistics.
    ///   - seed: The seed of the weights and dropout masks.
    public init(
        configuration: TransformerConfiguration,
        norm: NormConfiguration,
        instrumentation: NormInstrumentation = .statistics,
        seed: UInt64
    ) {
        let d = configuration.modelWidth
        precondition(
            configuration.headCount >= 1 && d >= 2 && d % configuration.headCount == 0,
            "Transformer expects a model width of at least 2 that is a multiple of the head count, got width \(d) "
                + "with \(configuration.headCount) heads")
        precondition(
            configuration.ffnWidth >= 1 && configuration.layerCount >= 1,
            "Transformer expects at least one block and a positive feed-forward width, got \(configuration.layerCount) "
                + "blocks of feed-forward width \(configuration.ffnWidth)")
        precondition(
            (0..<1).contains(configuration.dropout),
            "Transformer expects a dropout rate in [0, 1), got \(configuration.dropout)")
        self.configuration = configuration
        self.normConfiguration = norm

        var random = SeededRandom(seed: seed)
        var dropoutSeeds = SeededRandom(seed: random.next())
        let positionDeviation = 1 / Double(d).squareRoot()
        let isCausal: Bool
        switch configuration.task {
        case .classifier(let classCount, let inputWidth, let sequenceLength):
            precondition(
                classCount >= 1 && sequenceLength >= 1 && inputWidth >= sequenceLength
                    && inputWidth % sequenceLength == 0,
                "Transformer classifier expects at least one class and an input width that is a positive multiple "
                    + "of the sequence length, got \(classCount) classes and \(inputWidth) features as "
                    + "\(sequenceLength) tokens")
            inputProjection = Linear(inputWidth: inputWidth / sequenceLength, outputWidth: d, random: &random)
            tokenEmbedding = nil
            positionEmbedding = PositionalEmbedding(
                maxLength: sequenceLength, width: d, standardDeviation: positionDeviation, random: &random)
            isCausal = false
        case .languageModel(let vocabularySize, let maxLength):
            precondition(
                vocabularySize >= 1 && maxLength >= 1,
                "Transformer language model expects a positive vocabulary size and maximum length, got "
                    + "\(vocabularySize) and \(maxLength)")
            inputProjection = nil
            tokenEmbedding = Embedding(vocabularySize: vocabularySize, width: d, random: &random)
            positionEmbedding = PositionalEmbedding(
                maxLength: maxLength, width: d, standardDeviation: positionDeviation, random: &random)
            isCausal = true
        }
        embeddingDropout = Dropout(rate: configuration.dropout, seed: dropoutSeeds.next())
        blocks = (0..<configuration.layerCount).map { _ in
            TransformerBlock(
                modelWidth: d, headCount: configuration.headCount, ffnWidth: configuration.ffnWidth,
                activation: configuration.activation, dropout: configuration.dropout,
                placement: configuration.placement, isCausal: isCausal, norm: norm, instrumentation: instrumentation,
                random: &random, dropoutSeeds: &dropoutSeeds)
        }
        finalNorm =
            configuration.placement == .preNorm
            ? NormLayer(norm, width: d, instrumentation: instrumentation) : nil
        outputLinear = Linear(inputWidth: d, outputWidth: configuration.outputWidth, random: &random)
    }

    /// Every parameter in forward order, each block's in module order (see ``TransformerBlock``).
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var named: [(name: String, parameter: Parameter<Scalar>)] = []
        if let inputProjection {
            named += inputProjection.parameters.map { ("input.linear.\($0.name)", $0) }
        }
        if let tokenEmbedding {
            named += tokenEmbedding.parameters.map { ("token_embedding.\($0.name)", $0) }
        }
        named += positionEmbedding.parameters.map { ("position_embedding.\($0.name)", $0) }
        for (index, block) in blocks.enumerated() {
            named += block.namedParameters.map { ("block\(index + 1).\($0.name)", $0.parameter) }
        }
        if let finalNorm {
            named += finalNorm.parameters.map { ("final_norm.\($0.name)", $0) }
        }
        named += outputLinear.parameters.map { ("output.linear.\($0.name)", $0) }
        return named
    }

    /// `block1.attn_norm`, `block1.ffn_norm`, `block2.attn_norm`, …, then `final_norm` for pre-norm.
    public var normLayers: [(name: String, layer: NormLayer<Scalar>)] {
        var named: [(name: String, layer: NormLayer<Scalar>)] = []
        for (index, block) in blocks.enumerated() {
            named += block.normLayers.map { ("block\(index + 1).\($0.name)", $0.layer) }
        }
        if let finalNorm { named.append(("final_norm", finalNorm)) }
        return named
    }

    // MARK: - Forward

    /// The logits: one row per example for a classifier, one row per token for a language model.
    ///
    /// A training pass replaces the state kept for ``backward(_:)``; an evaluation pass leaves it alone.
    ///
    /// - Parameters:
    ///   - input: ``ModelInput/features(_:)`` rows of the classifier's `inputWidth` features, or
    ///     ``ModelInput/tokens(_:sequenceLength:)`` for the language model, each sequence at most `maxLength`.
    ///   - mode: ``ForwardMode/training`` applies dropout and keeps what backward needs.
    // Specialized for the code outside this module that trains a model through the NormScope library: the generic
    // entry point would otherwise run the pooling and bookkeeping between the (specialized) layers unspecialized.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: ModelInput<Scalar>, mode: ForwardMode) -> Matrix<Scalar> {
        // Drop the previous pass first, so the norms' buffers it shares are free to be reused in place.
        if mode == .training { lastTrainingPass = nil }

        let embedded: Matrix<Scalar>
        let sequenceLength: Int
        var projectionInput: Matrix<Scalar>?
        var ids: [Int] = []
        var exampleCount = 0
        switch (configuration.task, input) {
        case (.classifier(_, let inputWidth, let length), .features(let x)):
            precondition(
                x.columns == inputWidth,
                "Transformer classifier expects \(inputWidth) features per example, got \(x.rows) × \(x.columns)")
            // Row-major storage makes each example's features its tokens' features, token after token.
            let tokens = x.reshaped(rows: x.rows * length, columns: inputWidth / length)
            embedded = inputProjection!.forward(tokens, mode: mode).output
            sequenceLength = length
            projectionInput = tokens
            exampleCount = x.rows
        case (.languageModel(_, let maxLength), .tokens(let tokenIDs, let length)):
            precondition(
                (1...maxLength).contains(length) && tokenIDs.count % length == 0,
                "Transformer language model expects whole sequences of 1...\(maxLength) tokens, got "
                    + "\(tokenIDs.count) tokens in sequences of \(length)")
            embedded = tokenEmbedding!.forward(tokenIDs)
            sequenceLength = length
            ids = tokenIDs
            exampleCount = tokenIDs.count / length
        case (.classifier, .tokens):
            preconditionFailure("Transformer classifier expects a .features input, got token sequences")
        case (.languageModel, .features):
            preconditionFailure("Transformer language model expects a .tokens input, got feature rows")
        }

        let positioned = positionEmbedding.forward(embedded, sequenceLength: sequenceLength)
        var (h, embeddingDropoutSaved) = embeddingDropout.forward(positioned, mode: mode)
        var blockSaved: [TransformerBlock<Scalar>.Saved] = []
        blockSaved.reserveCapacity(blocks.count)
        for block in blocks {
            let saved: TransformerBlock<Scalar>.Saved
            (h, saved) = block.forward(h, sequenceLength: sequenceLength, mode: mode)
            if mode == .training { blockSaved.append(saved) }
        }
        var finalNormSaved: NormLayer<Scalar>.Saved?
        if let finalNorm { (h, finalNormSaved) = finalNorm.forward(h, mode: mode) }
        if inputProjection != nil { h = Self.meanPool(h, sequenceLength: sequenceLength) }
        let (logits, outputSaved) = outputLinear.forward(h, mode: mode)

        if mode == .training {
            lastTrainingPass = Pass(
                projectionInput: projectionInput, ids: ids, exampleCount: exampleCount,
                sequenceLength: sequenceLength, embeddingDropout: embeddingDropoutSaved, blocks: blockSaved,
                finalNorm: finalNormSaved, output: outputSaved)
        }
        return logits
    }

    // MARK: - Backward

    /// Backpropagates ∂loss/∂logits of the last training forward pass; see ``backwardToInput(_:)``.
    public func backward(_ gradLogits: Matrix<Scalar>) {
        _ = backwardToInput(gradLogits)
    }

    /// Backpropagates ∂loss/∂logits of the last training forward pass, adding every parameter's gradient, and
    /// returns ∂loss/∂x for a classifier.
    ///
    /// The pass is consumed: a second backward needs a new training forward pass.
    ///
    /// - Parameter gradLogits: The gradient with respect to the logits, shaped like them.
    /// - Returns: The classifier's gradient with respect to its input features (examples × `inputWidth`), or `nil`
    ///   for a language model, whose integer input has none.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardToInput(_ gradLogits: Matrix<Scalar>) -> Matrix<Scalar>? {
        guard let pass = lastTrainingPass else {
            preconditionFailure(
                "Transformer's backward expects a training forward pass before it, and one backward per pass")
        }
        lastTrainingPass = nil
        var g = outputLinear.backward(gradLogits, saved: pass.output)
        if inputProjection != nil { g = Self.meanPoolBackward(g, sequenceLength: pass.sequenceLength) }
        if let finalNorm, let saved = pass.finalNorm { g = finalNorm.backward(g, saved: saved) }
        for (block, saved) in zip(blocks, pass.blocks).reversed() {
            g = block.backward(g, saved: saved)
        }
        g = embeddingDropout.backward(g, saved: pass.embeddingDropout)
        g = positionEmbedding.backward(g, saved: pass.sequenceLength)

        if let inputProjection, let tokens = pass.projectionInput {
            let gradTokens = inputProjection.backward(g, saved: tokens)
            // Each example's tokens, side by side again: the inverse of the forward pass's reshape.
            return gradTokens.reshaped(rows: pass.exampleCount, columns: pass.sequenceLength * gradTokens.columns)
        }
        tokenEmbedding?.backward(g, ids: pass.ids)
        return nil
    }

    // MARK: - Pooling

    /// The mean of each sequence's `T` token rows: `pooled[b] = (1/T) Σₜ h[b·T + t]`.
    private static func meanPool(_ h: Matrix<Scalar>, sequenceLength: Int) -> Matrix<Scalar> {
        let width = h.columns
        let count = h.rows / sequenceLength
        let scale = 1 / Scalar(sequenceLength)
        var pooled = Matrix<Scalar>(rows: count, columns: width)
        h.withUnsafeBufferPointer { h in
            pooled.withUnsafeMutableBufferPointer { pooled in
                for example in 0..<count {
                    let target = example * width
                    for token in 0..<sequenceLength {
                        let source = (example * sequenceLength + token) * width
                        for j in 0..<width { pooled[target + j] += h[source + j] }
                    }
                    for j in 0..<width { pooled[target + j] *= scale }
                }
            }
        }
        return pooled
    }

    /// Mean pooling's backward: every token of sequence `b` receives `gradPooled[b] / T`.
    private static func meanPoolBackward(_ gradPooled: Matrix<Scalar>, sequenceLength: Int) -> Matrix<Scalar> {
        let width = gradPooled.columns
        let scale = 1 / Scalar(sequenceLength)
        var gradH = Matrix<Scalar>(rows: gradPooled.rows * sequenceLength, columns: width)
        gradPooled.withUnsafeBufferPointer { g in
            gradH.withUnsafeMutableBufferPointer { gradH in
                for example in 0..<gradPooled.rows {
                    let source = example * width
                    for token in 0..<sequenceLength {
                        let target = (example * sequenceLength + token) * width
                        for j in 0..<width { gradH[target + j] = g[source + j] * scale }
                    }
                }
            }
        }
        return gradH
    }
}
