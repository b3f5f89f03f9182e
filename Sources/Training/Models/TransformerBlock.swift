import Layers
import Recording
import Tensors

/// One Transformer block: multi-head self-attention and a feed-forward network, each on a residual branch with
/// dropout on its output and a ``NormLayer`` before it (pre-norm) or after the sum (post-norm).
///
/// Concretely, with `A` the self-attention, `F(x) = act(x·W₁ᵀ + b₁)·W₂ᵀ + b₂` the feed-forward network and `D` the
/// dropout:
///
/// ```
/// postNorm forward:   s = x + D(A(x)),        x₁ = N_attn(s)
///                     s₁ = x₁ + D(F(x₁)),     y = N_ffn(s₁)
/// postNorm backward:  gradS₁ = N_ffn′(gradY),   gradX₁ = gradS₁ + F′(D′(gradS₁))
///                     gradS = N_attn′(gradX₁),  gradX = gradS + A′(D′(gradS))
///
/// preNorm forward:    x₁ = x + D(A(N_attn(x))),   y = x₁ + D(F(N_ffn(x₁)))
/// preNorm backward:   gradX₁ = gradY + N_ffn′(F′(D′(gradY)))
///                     gradX = gradX₁ + N_attn′(A′(D′(gradX₁)))
/// ```
///
/// where `L′(g)` is layer `L`'s backward for output gradient `g`; the two gradients meeting at each residual sum add.
/// The block does not conform to ``Layer`` because attention must be told where each sequence ends.
///
/// Parameter names, relative to the block (the model prefixes `block{i}.`): `attn.query.weight`, `attn.query.bias`,
/// `attn.key.…`, `attn.value.…`, `attn.output.…`, `attn_norm.…`, `ffn.linear1.weight`, `ffn.linear1.bias`,
/// `ffn.linear2.…`, `ffn_norm.…`: module order, the same for both placements, as fairseq's `TransformerEncoderLayer`
/// registers them.
///
/// ### References
///
/// - A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017, https://arxiv.org/abs/1706.03762 (sections 3.1,
///   3.3 and 5.4: residual dropout)
/// - R. Xiong et al., "On Layer Normalization in the Transformer Architecture", ICML 2020,
///   https://arxiv.org/abs/2002.04745 (figure 1: the two placements)
public final class TransformerBlock<Scalar: MatrixScalar> {
    /// Where the norms sit.
    public let placement: TransformerConfiguration.Placement
    /// The self-attention sublayer, `attn`.
    public let attention: MultiHeadSelfAttention<Scalar>
    /// The norm of the attention sublayer, `attn_norm`.
    public let attentionNorm: NormLayer<Scalar>
    /// The feed-forward network's first map, `d → ffnWidth`: `ffn.linear1`.
    public let feedForwardIn: Linear<Scalar>
    /// The feed-forward network's second map, `ffnWidth → d`: `ffn.linear2`.
    public let feedForwardOut: Linear<Scalar>
    /// The norm of the feed-forward sublayer, `ffn_norm`.
    public let feedForwardNorm: NormLayer<Scalar>
    /// The feed-forward nonlinearity.
    public let activation: Activation

    private let attentionDropout: Dropout<Scalar>
    private let feedForwardDropout: Dropout<Scalar>

    /// What the forward pass keeps for the backward pass.
    public struct Saved {
        let attentionNorm: NormLayer<Scalar>.Saved
        let attention: MultiHeadSelfAttention<Scalar>.Saved
        let attentionDropout: Matrix<Scalar>?
        let feedForwardNorm: NormLayer<Scalar>.Saved
        let feedForward: FeedForwardSaved
    }

    /// What the feed-forward branch keeps: each of its layers' state.
    struct FeedForwardSaved {
        let input: Matrix<Scalar>
        let activation: Matrix<Scalar>
        let output: Matrix<Scalar>
        let dropout: Matrix<Scalar>?
    }

    /// A block whose weights are drawn from `random`.
    ///
    /// The draws are the attention's (query, key, value, output), then `ffn.linear1`'s and `ffn.linear2`'s, each by
    /// PyTorch's `nn.Linear` default, as the official code's `--init_method km` leaves them.
    ///
    /// - Parameters:
    ///   - modelWidth: The residual width `d`; a multiple of `headCount`.
    ///   - headCount: The number of attention heads.
    ///   - ffnWidth: The feed-forward inner width.
    ///   - activation: The feed-forward nonlinearity.
    ///   - dropout: The rate of the dropout on each sublayer's output, in `[0, 1)`.
    ///   - placement: Where the norms sit.
    ///   - isCausal: Whether each token attends only to itself and earlier tokens.
    ///   - norm: The variant of both norms.
    ///   - instrumentation: What each norm measures.
    ///   - random: The generator of the weights; advanced by the draws.
    ///   - dropoutSeeds: The generator of the two dropout layers' seeds; advanced by two draws.
    public init(
        modelWidth: Int,
        headCount: Int,
        ffnWidth: Int,
        activation: Activation,
        dropout: Double,
        placement: TransformerConfiguration.Placement,
        isCausal: Bool,
        norm: NormConfiguration,
        instrumentation: NormInstrumentation,
        random: inout SeededRandom,
        dropoutSeeds: inout SeededRandom
    ) {
        self.placement = placement
        self.activation = activation
        attention = MultiHeadSelfAttention(
            modelWidth: modelWidth, headCount: headCount, isCausal: isCausal, random: &random)
        feedForwardIn = Linear(inputWidth: modelWidth, outputWidth: ffnWidth, random: &random)
        feedForwardOut = Linear(inputWidth: ffnWidth, outputWidth: modelWidth, random: &random)
        attentionNorm = NormLayer(norm, width: modelWidth, instrumentation: instrumentation)
        feedForwardNorm = NormLayer(norm, width: modelWidth, instrumentation: instrumentation)
        attentionDropout = Dropout(rate: dropout, seed: dropoutSeeds.next())
        feedForwardDropout = Dropout(rate: dropout, seed: dropoutSeeds.next())
    }

    /// Every parameter with its name relative to the block, in module order.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var named: [(name: String, parameter: Parameter<Scalar>)] = []
        named += attention.parameters.map { ("attn.\($0.name)", $0) }
        named += attentionNorm.parameters.map { ("attn_norm.\($0.name)", $0) }
        named += feedForwardIn.parameters.map { ("ffn.linear1.\($0.name)", $0) }
        named += feedForwardOut.parameters.map { ("ffn.linear2.\($0.name)", $0) }
        named += feedForwardNorm.parameters.map { ("ffn_norm.\($0.name)", $0) }
        return named
    }

    /// `attn_norm` then `ffn_norm`: forward order in both placements.
    public var normLayers: [(name: String, layer: NormLayer<Scalar>)] {
        [("attn_norm", attentionNorm), ("ffn_norm", feedForwardNorm)]
    }

    // MARK: - Forward

    /// The block's output for each token, and what backward needs.
    ///
    /// - Parameters:
    ///   - x: The residual stream: whole sequences of `sequenceLength` tokens, one per row, `d` wide.
    ///   - sequenceLength: The number of tokens in each sequence.
    ///   - mode: ``ForwardMode/training`` applies dropout and keeps what backward needs.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(
        _ x: Matrix<Scalar>, sequenceLength: Int, mode: ForwardMode
    ) -> (output: Matrix<Scalar>, saved: Saved) {
        switch placement {
        case .postNorm:
            let (a, attentionSaved, attentionDropoutSaved) = attentionBranch(x, sequenceLength, mode)
            let (x1, attentionNormSaved) = attentionNorm.forward(Residual.add(x, a), mode: mode)
            let (f, ffn) = feedForwardBranch(x1, mode)
            let (y, feedForwardNormSaved) = feedForwardNorm.forward(Residual.add(x1, f), mode: mode)
            let saved = Saved(
                attentionNorm: attentionNormSaved, attention: attentionSaved, attentionDropout: attentionDropoutSaved,
                feedForwardNorm: feedForwardNormSaved, feedForward: ffn)
            return (y, saved)
        case .preNorm:
            let (n, attentionNormSaved) = attentionNorm.forward(x, mode: mode)
            let (a, attentionSaved, attentionDropoutSaved) = attentionBranch(n, sequenceLength, mode)
            let x1 = Residual.add(x, a)
            let (n1, feedForwardNormSaved) = feedForwardNorm.forward(x1, mode: mode)
            let (f, ffn) = feedForwardBranch(n1, mode)
            let saved = Saved(
                attentionNorm: attentionNormSaved, attention: attentionSaved, attentionDropout: attentionDropoutSaved,
                feedForwardNorm: feedForwardNormSaved, feedForward: ffn)
            return (Residual.add(x1, f), saved)
        }
    }

    /// `D(A(x))` and the states of `A` and `D`.
    private func attentionBranch(
        _ x: Matrix<Scalar>, _ sequenceLength: Int, _ mode: ForwardMode
    ) -> (Matrix<Scalar>, MultiHeadSelfAttention<Scalar>.Saved, Matrix<Scalar>?) {
        let (a, attentionSaved) = attention.forward(x, sequenceLength: sequenceLength, mode: mode)
        let (dropped, dropoutSaved) = attentionDropout.forward(a, mode: mode)
        return (dropped, attentionSaved, dropoutSaved)
    }

    /// `D(F(x))` and the states of `F`'s layers and `D`.
    private func feedForwardBranch(
        _ x: Matrix<Scalar>, _ mode: ForwardMode
    ) -> (Matrix<Scalar>, FeedForwardSaved) {
        let (u, inSaved) = feedForwardIn.forward(x, mode: mode)
        let (v, activationSaved) = activation.forward(u)
        let (f, outSaved) = feedForwardOut.forward(v, mode: mode)
        let (dropped, dropoutSaved) = feedForwardDropout.forward(f, mode: mode)
        return (
            dropped,
            FeedForwardSaved(input: inSaved, activation: activationSaved, output: outSaved, dropout: dropoutSaved)
        )
    }

    // MARK: - Backward

    /// The gradient with respect to the block's input, after adding every parameter's gradient.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the block's output.
    ///   - saved: What a ``ForwardMode/training`` forward pass returned.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved: Saved) -> Matrix<Scalar> {
        switch placement {
        case .postNorm:
            let gradS1 = feedForwardNorm.backward(gradOutput, saved: saved.feedForwardNorm)
            var gradX1 = feedForwardBranchBackward(gradS1, saved)
            Residual.accumulate(gradS1, into: &gradX1)
            let gradS = attentionNorm.backward(gradX1, saved: saved.attentionNorm)
            var gradX = attentionBranchBackward(gradS, saved)
            Residual.accumulate(gradS, into: &gradX)
            return gradX
        case .preNorm:
            var gradX1 = feedForwardNorm.backward(
                feedForwardBranchBackward(gradOutput, saved), saved: saved.feedForwardNorm)
            Residual.accumulate(gradOutput, into: &gradX1)
            var gradX = attentionNorm.backward(attentionBranchBackward(gradX1, saved), saved: saved.attentionNorm)
            Residual.accumulate(gradX1, into: &gradX)
            return gradX
        }
    }

    /// `A′(D′(g))`.
    private func attentionBranchBackward(_ gradOutput: Matrix<Scalar>, _ saved: Saved) -> Matrix<Scalar> {
        let gradA = attentionDropout.backward(gradOutput, saved: saved.attentionDropout)
        return attention.backward(gradA, saved: saved.attention)
    }

    /// `F′(D′(g))`.
    private func feedForwardBranchBackward(_ gradOutput: Matrix<Scalar>, _ saved: Saved) -> Matrix<Scalar> {
        let ffn = saved.feedForward
        let gradF = feedForwardDropout.backward(gradOutput, saved: ffn.dropout)
        let gradV = feedForwardOut.backward(gradF, saved: ffn.output)
        let gradU = activation.backward(gradV, saved: ffn.activation)
        return feedForwardIn.backward(gradU, saved: ffn.input)
    }
}
