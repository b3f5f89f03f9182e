/// What a ``NormLayer`` measures about itself while it trains.
public struct NormInstrumentation: Sendable, Hashable {
    /// Per-step statistics of the gradient's parts (``NormGradientStatistics``) and of the forward pass.
    public var statistics: Bool
    /// Φ(y)'s histogram and moments, for adaptive variants (one extra look at every element in forward).
    public var phiHistogram: Bool
    /// Materialize the three parts as matrices (``NormLayer/lastParts``); for raw samples and tests, off in training.
    public var keepsParts: Bool

    /// Chosen instrumentation.
    ///
    /// - Parameters:
    ///   - statistics: Whether to reduce the gradient's parts to per-step statistics.
    ///   - phiHistogram: Whether to collect Φ(y)'s distribution (adaptive variants only).
    ///   - keepsParts: Whether to keep the parts themselves.
    public init(statistics: Bool = true, phiHistogram: Bool = true, keepsParts: Bool = false) {
        self.statistics = statistics
        self.phiHistogram = phiHistogram
        self.keepsParts = keepsParts
    }

    /// No measurement: the plain layer.
    public static let off = NormInstrumentation(statistics: false, phiHistogram: false, keepsParts: false)
    /// Statistics and Φ(y), no raw parts: what the recorder uses.
    public static let statistics = NormInstrumentation()
    /// Everything, including the parts.
    public static let all = NormInstrumentation(statistics: true, phiHistogram: true, keepsParts: true)
}

/// Norms of a layer's gain and bias and of this step's gradients for them.
public struct NormAffineStatistics: Sendable, Hashable, Codable {
    /// ‖γ‖₂, or `nil` without a gain.
    public var gainNorm: Double?
    /// The mean of γ (1 at initialization), or `nil`.
    public var gainMean: Double?
    /// ‖∂ℓ/∂γ‖₂ for this backward pass, or `nil`.
    public var gainGradientNorm: Double?
    /// ‖β‖₂, or `nil` without a bias.
    public var biasNorm: Double?
    /// ‖∂ℓ/∂β‖₂ for this backward pass, or `nil`.
    public var biasGradientNorm: Double?

    /// Statistics with the given values.
    public init(
        gainNorm: Double?, gainMean: Double?, gainGradientNorm: Double?, biasNorm: Double?, biasGradientNorm: Double?
    ) {
        self.gainNorm = gainNorm
        self.gainMean = gainMean
        self.gainGradientNorm = gainGradientNorm
        self.biasNorm = biasNorm
        self.biasGradientNorm = biasGradientNorm
    }
}
