import Recording

// The model settings' words are declared with the trace format (Recording); here, what they choose.
extension ModelKind: SettingChoice {}

extension PlacementKind: SettingChoice {
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
