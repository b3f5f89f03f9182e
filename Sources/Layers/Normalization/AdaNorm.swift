extension NormConfiguration {
    /// AdaNorm: LayerNorm-simple scaled by the adaptive, detached factor Φ(y) = C(1 − k·y) (Xu et al. 2019, §5).
    ///
    /// Concretely, per row, in the `paper` convention of the official code (`lnv='adanorm'`):
    ///
    /// ```
    /// forward:   y = (x − μ)/(σ_u + ε),   z = C·(1 − sg[k·y]) ⊙ y
    /// backward:  g̃ = C(1 − k·y) ⊙ g,  then LayerNorm-simple's three parts acting on g̃:
    ///            ∂ℓ/∂x = g̃/d − ⟨g̃⟩/d − (H/(H − 1))·y·⟨g̃ ⊙ y⟩/σ_u
    /// ```
    ///
    /// Identities at ε = 0: ⟨Φ(y)⟩ = C, ⟨z⟩ = −C·k·⟨y²⟩, z and ∂ℓ/∂x linear in C. Undetached (`detached: false`)
    /// the factor's own derivative doubles the k-term: `g̃ = C(1 − 2k·y) ⊙ g`. Φ(y) ≤ 0 exactly where y ≥ 1/k.
    ///
    /// - Parameters:
    ///   - scale: C; the official default 2.
    ///   - slope: k; the paper's 1/10.
    ///   - detached: Whether Φ is detached (the paper's choice).
    ///   - convention: `paper` (default) or `torch`.
    ///   - epsilon: ε.
    ///
    /// ### References
    /// - Xu et al., "Understanding and Improving Layer Normalization", NeurIPS 2019,
    ///   [arXiv 1911.07013](https://arxiv.org/abs/1911.07013).
    public static func adaNorm(
        scale: Double = 2,
        slope: Double = 0.1,
        detached: Bool = true,
        convention: SpreadConvention = .paper,
        epsilon: Double = 1e-5
    ) -> NormConfiguration {
        NormConfiguration(
            convention: convention, epsilon: epsilon,
            adaptive: AdaptiveFactor(scale: scale, slope: slope, detached: detached))
    }
}
