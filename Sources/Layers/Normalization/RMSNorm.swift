extension NormConfiguration {
    /// RMSNorm: division by the root mean square, no centering, with a gain (Zhang & Sennrich 2019).
    ///
    /// Concretely, in the default `torch` convention (the LLaMA/T5 form):
    ///
    /// ```
    /// forward:   s = sqrt(⟨x²⟩ + ε),  y = x/s,  h = γ ⊙ y
    /// backward:  ĝ = γ ⊙ g,  ∂ℓ/∂x = ĝ/s − y·⟨ĝ ⊙ y⟩/s        direct and re-scaling; no re-centering part
    /// ```
    ///
    /// In the `paper` convention (the official RMSNorm code: ε added to the RMS r) `d = r + ε` and the re-scaling
    /// part is `−y·⟨ĝ ⊙ y⟩/r`. A contrast to `detach-mean`: no re-centering in backward, but no centering in forward
    /// either.
    ///
    /// - Parameters:
    ///   - convention: `torch` (default) or `paper`.
    ///   - epsilon: ε.
    ///
    /// ### References
    /// - Zhang, Sennrich, "Root Mean Square Layer Normalization", NeurIPS 2019,
    ///   [arXiv 1910.07467](https://arxiv.org/abs/1910.07467).
    public static func rmsNorm(convention: SpreadConvention = .torch, epsilon: Double = 1e-5) -> NormConfiguration {
        NormConfiguration(centering: .none, convention: convention, epsilon: epsilon, affine: .gainOnly)
    }
}
