extension NormConfiguration {
    /// LayerNorm (Ba et al. 2016) with gain γ and bias β.
    ///
    /// Concretely, per row x of H features, in the default `torch` convention:
    ///
    /// ```
    /// forward:   μ = ⟨x⟩,  s = sqrt(⟨(x − μ)²⟩ + ε),  y = (x − μ)/s,  h = γ ⊙ y + β
    /// backward:  ĝ = γ ⊙ g,  ∂ℓ/∂β = Σ_rows g,  ∂ℓ/∂γ = Σ_rows g ⊙ y,
    ///            ∂ℓ/∂x = ĝ/s  −  ⟨ĝ⟩/s  −  y·⟨ĝ ⊙ y⟩/s
    ///                    direct  re-centering  re-scaling
    /// ```
    ///
    /// This is `torch.nn.LayerNorm(H, eps=ε)`, the official AdaNorm code's baseline (`lnv='origin'`).
    ///
    /// - Parameters:
    ///   - convention: `torch` (default) or `paper`.
    ///   - epsilon: ε; PyTorch's default 1e-5.
    ///
    /// ### References
    /// - Ba, Kiros, Hinton, "Layer Normalization", 2016, [arXiv 1607.06450](https://arxiv.org/abs/1607.06450).
    public static func layerNorm(convention: SpreadConvention = .torch, epsilon: Double = 1e-5) -> NormConfiguration {
        NormConfiguration(convention: convention, epsilon: epsilon, affine: .gainAndBias)
    }
}
