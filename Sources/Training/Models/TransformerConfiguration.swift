import Recording

/// The shape of a ``Transformer``: its task, widths, depth, dropout and where the norms sit.
///
/// The two placements, for a sublayer `F` (self-attention or the feed-forward network) and the residual stream `x`:
///
/// ```
/// postNorm:  x ← Norm(x + Dropout(F(x)))                          (Vaswani et al. 2017)
/// preNorm:   x ← x + Dropout(F(Norm(x))),   and Norm once more after the last block (`final_norm`)
/// ```
///
/// Pre-norm is the official AdaNorm code's (`--encoder-normalize-before --decoder-normalize-before`); Xiong et al.
/// show it keeps the gradient at initialization well scaled without a learning-rate warm-up, while post-norm's
/// gradients near the output are large.
///
/// ### References
///
/// - A. Vaswani et al., "Attention Is All You Need", NeurIPS 2017, https://arxiv.org/abs/1706.03762
/// - R. Xiong et al., "On Layer Normalization in the Transformer Architecture", ICML 2020,
///   https://arxiv.org/abs/2002.04745
public struct TransformerConfiguration: Sendable, Codable, Hashable {
    /// What the network reads and predicts.
    public enum Task: Sendable, Codable, Hashable {
        /// One class per example, from ``ModelInput/features(_:)`` rows of `inputWidth` features.
        ///
        /// Each example's features are read as `sequenceLength` tokens of `inputWidth / sequenceLength`
        /// consecutive features (for an 8 × 8 image stored row by row, 8 tokens that are its rows), projected to
        /// the model width by a linear map, given learned positions, attended over without a mask, mean-pooled
        /// and mapped to the logits: ViT's recipe with mean pooling instead of a class token.
        case classifier(classCount: Int, inputWidth: Int, sequenceLength: Int)
        /// Next-token logits for every position, from ``ModelInput/tokens(_:sequenceLength:)`` sequences of at
        /// most `maxLength` ids in `0..<vocabularySize`, with causal attention.
        case languageModel(vocabularySize: Int, maxLength: Int)
    }

    /// Where each block's norms sit.
    public enum Placement: String, Sendable, Codable, Hashable, CaseIterable {
        /// `x ← Norm(x + F(x))`: the original Transformer.
        case postNorm
        /// `x ← x + F(Norm(x))`, with a final norm after the last block: the official AdaNorm code.
        case preNorm
    }

    /// What the network reads and predicts.
    public var task: Task
    /// The width `d` of every token in the residual stream.
    public var modelWidth: Int
    /// The number of attention heads; it divides ``modelWidth``.
    public var headCount: Int
    /// The inner width of each feed-forward network.
    public var ffnWidth: Int
    /// The number of blocks.
    public var layerCount: Int
    /// The rate of the dropout on the input embedding and on each sublayer's output, in `[0, 1)`.
    public var dropout: Double
    /// Where the norms sit.
    public var placement: Placement
    /// The feed-forward network's nonlinearity.
    public var activation: Activation

    /// The number of logits per prediction: classes, or the vocabulary.
    public var outputWidth: Int {
        switch task {
        case .classifier(let classCount, _, _): classCount
        case .languageModel(let vocabularySize, _): vocabularySize
        }
    }

    /// A Transformer shape.
    ///
    /// - Parameters:
    ///   - task: A classifier of feature vectors or a causal language model.
    ///   - modelWidth: The residual width `d`; at least 2 and a multiple of `headCount`.
    ///   - headCount: The number of attention heads; at least 1.
    ///   - ffnWidth: The feed-forward inner width; at least 1 (fairseq's IWSLT model uses `2d`, the original
    ///     `4d`).
    ///   - layerCount: The number of blocks; at least 1.
    ///   - dropout: The dropout rate, in `[0, 1)`; defaults to 0.
    ///   - placement: Where the norms sit; defaults to pre-norm, as in the official code.
    ///   - activation: The feed-forward nonlinearity; defaults to ReLU, as in the official code.
    public init(
        task: Task,
        modelWidth: Int,
        headCount: Int,
        ffnWidth: Int,
        layerCount: Int,
        dropout: Double = 0,
        placement: Placement = .preNorm,
        activation: Activation = .relu
    ) {
        self.task = task
        self.modelWidth = modelWidth
        self.headCount = headCount
        self.ffnWidth = ffnWidth
        self.layerCount = layerCount
        self.dropout = dropout
        self.placement = placement
        self.activation = activation
    }
}
