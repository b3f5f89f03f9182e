/// The `model` setting: what a run trains.
public enum ModelKind: String, SettingChoice, CustomStringConvertible {
    /// A multilayer perceptron over feature vectors (``MLP``).
    case mlp
    /// A Transformer classifier over feature vectors cut into tokens (``Transformer``).
    case transformer
    /// A causal character-level language model (``Transformer``) over a text.
    case charLM = "char-lm"

    public var description: String { rawValue }

    /// The placements of the normalization this model has.
    public var placements: [PlacementKind] {
        switch self {
        case .mlp: [.beforeActivation, .afterActivation]
        case .transformer, .charLM: [.pre, .post]
        }
    }

    /// Whether the model reads a text (else a table of features).
    public var readsText: Bool { self == .charLM }
}

/// The `placement` setting: where the normalization sits, in the words of the model it applies to.
public enum PlacementKind: String, SettingChoice, CustomStringConvertible {
    /// MLP: `Linear → Norm → act` (the MLP's default).
    case beforeActivation = "before-activation"
    /// MLP: `Linear → act → Norm`.
    case afterActivation = "after-activation"
    /// Transformer: `x ← x + F(Norm(x))` (the Transformers' default).
    case pre
    /// Transformer: `x ← Norm(x + F(x))`.
    case post

    public var description: String { rawValue }

    /// The MLP's placement: this one, or the default for none (or for a Transformer's word, which
    /// ``RunConfiguration/validate()`` refuses for an MLP).
    static func mlp(_ placement: PlacementKind?) -> MLPConfiguration.NormPlacement {
        placement == .afterActivation ? .afterActivation : .beforeActivation
    }

    /// A Transformer's placement: this one, or the default (pre-norm) for none.
    static func transformer(_ placement: PlacementKind?) -> TransformerConfiguration.Placement {
        placement == .post ? .postNorm : .preNorm
    }
}
