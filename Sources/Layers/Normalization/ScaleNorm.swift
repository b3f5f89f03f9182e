extension NormConfiguration {
    /// ScaleNorm: the row scaled to length g, one learned scalar per layer (Nguyen & Salazar 2019).
    ///
    /// Concretely, per row x of H features, in the default `paper` convention:
    ///
    /// ```
    /// forward:   D = ‖x‖ + ε,  y = x/D,  h = g·y                g starts at √H (so h starts at unit RMS)
    /// backward:  u = g·gₒ,  ∂ℓ/∂x = u/D − H·y·⟨u ⊙ y⟩/‖x‖      direct and re-scaling; no re-centering part
    ///            ∂ℓ/∂g = Σ gₒ ⊙ y  (over rows and features)
    /// ```
    ///
    /// The authors' code divides by `‖x‖.clamp(min=ε)`; here ε is added to the length, as RMSNorm's authors add it
    /// to the RMS, so ScaleNorm sits in the same two conventions as every other variant. The two agree to a
    /// relative ε/‖x‖ on any row longer than ε, and differ only for a row of length ≈ ε, which the clamp divides
    /// by ε with no re-scaling part at all. In the `torch` convention D = sqrt(‖x‖² + ε). At ε = 0 this is RMSNorm
    /// with the scalar gain g/√H: the same direction, so the same identities (analysis/METHODS.md, "Theorem 1").
    ///
    /// - Parameters:
    ///   - convention: `paper` (default) or `torch`.
    ///   - epsilon: ε; 1e-5 in the authors' code.
    ///
    /// ### References
    /// - Nguyen, Salazar, "Transformers without Tears: Improving the Normalization of Self-Attention", IWSLT 2019,
    ///   [arXiv 1910.05895](https://arxiv.org/abs/1910.05895).
    public static func scaleNorm(convention: SpreadConvention = .paper, epsilon: Double = 1e-5) -> NormConfiguration {
        NormConfiguration(
            centering: .none, convention: convention, spread: .norm, epsilon: epsilon, affine: .scalarGain)
    }
}
