extension NormConfiguration {
    /// LayerNorm-simple: LayerNorm without gain and bias (Xu et al. 2019, §3).
    ///
    /// Concretely, per row x of H features, in the default `paper` convention (the official `lnv='nowb'`):
    ///
    /// ```
    /// forward:   μ = ⟨x⟩,  σ_u = sqrt(Σ(x − μ)²/(H − 1)),  d = σ_u + ε,  y = (x − μ)/d
    /// backward:  ∂ℓ/∂x = g/d  −  ⟨g⟩/d  −  (H/(H − 1))·y·⟨g ⊙ y⟩/σ_u
    ///                    direct  re-centering  re-scaling
    /// ```
    ///
    /// The re-scaling part divides by σ_u, not d. In the `torch` convention the backward is
    /// `(g − ⟨g⟩ − y·⟨g ⊙ y⟩)/s`. At ε = 0 both are `(1/σ)·P g`, P the projection orthogonal to 1 and y
    /// (Theorem 1: zero row mean, reduced variance).
    ///
    /// - Parameters:
    ///   - convention: `paper` (default) or `torch`.
    ///   - epsilon: ε; 1e-5 in the official code.
    ///
    /// ### References
    /// - Xu et al., "Understanding and Improving Layer Normalization", NeurIPS 2019,
    ///   [arXiv 1911.07013](https://arxiv.org/abs/1911.07013).
    public static func layerNormSimple(convention: SpreadConvention = .paper, epsilon: Double = 1e-5)
        -> NormConfiguration
    {
        NormConfiguration(convention: convention, epsilon: epsilon)
    }
}
