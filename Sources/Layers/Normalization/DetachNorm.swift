extension NormConfiguration {
    /// DetachNorm: LayerNorm-simple with the mean and σ treated as constants (Xu et al. 2019, §4).
    ///
    /// Concretely (`paper` convention), the forward is LayerNorm-simple's and the backward keeps only the direct part:
    ///
    /// ```
    /// forward:   y = (x − θ(μ)) / θ(d)        θ copies values and blocks gradients
    /// backward:  ∂ℓ/∂x = g/d                  re-centering = re-scaling = 0
    /// ```
    ///
    /// Theorem 1: the gradient's row mean is ḡ/σ and its variance D_g/σ² — neither re-centred nor re-scaled.
    ///
    /// - Parameters:
    ///   - convention: `paper` (default) or `torch`.
    ///   - epsilon: ε; 1e-5 in the official code.
    ///
    /// ### References
    /// - Xu et al., "Understanding and Improving Layer Normalization", NeurIPS 2019,
    ///   [arXiv 1911.07013](https://arxiv.org/abs/1911.07013).
    public static func detachNorm(convention: SpreadConvention = .paper, epsilon: Double = 1e-5) -> NormConfiguration {
        NormConfiguration(convention: convention, epsilon: epsilon, detach: .both)
    }

    /// LayerNorm-simple with only the mean detached (official `--mean_detach 1`): no re-centering part.
    ///
    /// Concretely (`paper` convention): `∂ℓ/∂x = g/d − (H/(H − 1))·y·⟨g ⊙ y⟩/σ_u`. Row mean ḡ/d; variance reduced as
    /// for LayerNorm-simple.
    ///
    /// - Parameters:
    ///   - convention: `paper` (default) or `torch`.
    ///   - epsilon: ε.
    public static func detachMean(convention: SpreadConvention = .paper, epsilon: Double = 1e-5) -> NormConfiguration {
        NormConfiguration(convention: convention, epsilon: epsilon, detach: .mean)
    }

    /// LayerNorm-simple with only σ detached (official `--std_detach 1`): no re-scaling part.
    ///
    /// Concretely (`paper` convention): `∂ℓ/∂x = (g − ⟨g⟩)/d`. Row mean 0; variance D_g/d², not reduced.
    ///
    /// - Parameters:
    ///   - convention: `paper` (default) or `torch`.
    ///   - epsilon: ε.
    public static func detachStd(convention: SpreadConvention = .paper, epsilon: Double = 1e-5) -> NormConfiguration {
        NormConfiguration(convention: convention, epsilon: epsilon, detach: .spread)
    }
}
