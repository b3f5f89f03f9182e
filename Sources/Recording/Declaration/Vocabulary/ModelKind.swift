// The words of the trace's settings, declared with the settings (`TraceFormat.settings`) so that the recorder, the
// readers and the exported schema share one spelling; what each word does lives with the code that does it.

/// The `model` setting: what a run trains.
public enum ModelKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// A multilayer perceptron over feature vectors (Training's `MLP`).
    case mlp
    /// A Transformer classifier over feature vectors cut into tokens (Training's `Transformer`).
    case transformer
    /// A causal character-level language model (Training's `Transformer`) over a text.
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
public enum PlacementKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// MLP: `Linear → Norm → act` (the MLP's default).
    case beforeActivation = "before-activation"
    /// MLP: `Linear → act → Norm`.
    case afterActivation = "after-activation"
    /// Transformer: `x ← x + F(Norm(x))` (the Transformers' default).
    case pre
    /// Transformer: `x ← Norm(x + F(x))`.
    case post

    public var description: String { rawValue }
}
