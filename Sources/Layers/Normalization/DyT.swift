extension NormConfiguration {
    /// DyT, Dynamic Tanh: no normalization, an element-wise `tanh(α·x)` with a learned scalar α in its place, then
    /// gain and bias (Zhu, Chen, He, LeCun, Liu 2025).
    ///
    /// Concretely, per row x of H features (the official `DynamicTanh` module):
    ///
    /// ```
    /// forward:   z = tanh(α·x),   h = γ ⊙ z + β          α starts at 0.5, γ at 1, β at 0
    /// backward:  u = α(1 − z²) ⊙ γ ⊙ g,   ∂ℓ/∂x = u       direct only: no statistic, so no re-centering or
    ///                                                      re-scaling part (both recorded as 0)
    ///            ∂ℓ/∂α = Σ (1 − z²) ⊙ x ⊙ γ ⊙ g,  ∂ℓ/∂γ = Σ_rows g ⊙ z,  ∂ℓ/∂β = Σ_rows g
    /// ```
    ///
    /// The Jacobian is diagonal — no feature's gradient depends on another's — so none of Theorem 1's identities
    /// apply; the layer records α and the share of elements in tanh's saturated region |α·x| > 2 instead.
    ///
    /// - Parameter initialAlpha: α before training; the paper's 0.5.
    ///
    /// ### References
    /// - Zhu, Chen, He, LeCun, Liu, "Transformers without Normalization", CVPR 2025,
    ///   [arXiv 2503.10622](https://arxiv.org/abs/2503.10622).
    public static func dyt(initialAlpha: Double = 0.5) -> NormConfiguration {
        NormConfiguration(
            normalizes: false, affine: .gainAndBias, dynamicTanh: DynamicTanh(initialAlpha: initialAlpha))
    }
}

/// DyT's element-wise squashing `z = tanh(α·y)` with one learned scalar α per layer (Zhu et al. 2025).
///
/// Applied to the normalized value (to x itself when the configuration does not normalize, as in the `dyt` preset),
/// after AdaNorm's factor if both are set. Its derivative `α(1 − z²)` scales the gradient reaching y element-wise,
/// as Φ(y) does for AdaNorm, so the three parts act on `u = α(1 − z²) ⊙ γ ⊙ g`.
public struct DynamicTanh: Sendable, Hashable, Codable {
    /// α's value before training; the paper's default is 0.5.
    public var initialAlpha: Double

    /// A squashing whose α starts at `initialAlpha`.
    public init(initialAlpha: Double = 0.5) {
        self.initialAlpha = initialAlpha
    }

    /// |α·y| beyond which tanh counts as saturated (tanh′ < 0.071) in ``NormForwardStatistics/saturatedShare``.
    public static let saturationLimit = 2.0
}

/// How a configuration's squashing is named in a trace's `norm_transform` setting.
public enum TransformKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// DyT's `tanh(α·y)`.
    case dynamicTanh = "dynamic-tanh"
    /// No squashing.
    case none

    /// The kind of `squashing` (nil: none).
    public init(_ squashing: DynamicTanh?) {
        self = squashing == nil ? .none : .dynamicTanh
    }
}
