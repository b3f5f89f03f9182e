import Recording

/// The shape of an ``MLP``: its widths, activation, dropout and where each hidden layer's normalization sits.
///
/// Each hidden layer `i` (1-based) is, with ``NormPlacement/beforeActivation`` (the default),
///
/// ```
/// hᵢ = Dropout(act(Norm(Linearᵢ(hᵢ₋₁))))        h₀ = x
/// ```
///
/// and with ``NormPlacement/afterActivation`` `hᵢ = Dropout(Norm(act(Linearᵢ(hᵢ₋₁))))`; the logits are
/// `Linear_out(h_depth)`.
public struct MLPConfiguration: Sendable, Codable, Hashable {
    /// Where a hidden layer's normalization sits relative to its activation.
    public enum NormPlacement: String, Sendable, Codable, Hashable, CaseIterable {
        /// `Linear → Norm → act`: the normalization sees the pre-activations, as batch and layer normalization were
        /// introduced (Ioffe & Szegedy 2015, Ba et al. 2016, https://arxiv.org/abs/1607.06450).
        case beforeActivation
        /// `Linear → act → Norm`: the normalization sees the activations.
        case afterActivation
    }

    /// The number of features per example.
    public var inputWidth: Int
    /// The width of each hidden layer, first to last; the depth is their count.
    public var hiddenWidths: [Int]
    /// The number of classes, the width of the logits.
    public var classCount: Int
    /// The nonlinearity of every hidden layer.
    public var activation: Activation
    /// The probability of zeroing each hidden activation in training, in `[0, 1)`.
    public var dropout: Double
    /// Where each hidden layer's normalization sits.
    public var normPlacement: NormPlacement

    /// The number of hidden layers.
    public var depth: Int { hiddenWidths.count }

    /// An MLP shape.
    ///
    /// - Parameters:
    ///   - inputWidth: The number of features per example; at least 1.
    ///   - hiddenWidths: The width of each hidden layer; each at least 1 (at least 2 for the `paper` spread
    ///     convention, whose unbiased σ needs two features). Empty gives a linear classifier.
    ///   - classCount: The number of classes; at least 1.
    ///   - activation: The hidden nonlinearity; defaults to ReLU.
    ///   - dropout: The dropout rate after each hidden layer, in `[0, 1)`; defaults to 0.
    ///   - normPlacement: Where each normalization sits; defaults to before the activation.
    public init(
        inputWidth: Int,
        hiddenWidths: [Int],
        classCount: Int,
        activation: Activation = .relu,
        dropout: Double = 0,
        normPlacement: NormPlacement = .beforeActivation
    ) {
        self.inputWidth = inputWidth
        self.hiddenWidths = hiddenWidths
        self.classCount = classCount
        self.activation = activation
        self.dropout = dropout
        self.normPlacement = normPlacement
    }
}
