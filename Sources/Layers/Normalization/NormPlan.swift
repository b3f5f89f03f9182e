/// A ``NormConfiguration`` resolved into the constants the row kernels branch on, computed once per layer.
struct NormPlan: Sendable {
    let width: Int
    let normalizes: Bool
    let centered: Bool
    let convention: SpreadConvention
    /// Whether the spread is the row's length (ScaleNorm) rather than an average.
    let lengthSpread: Bool
    let epsilon: Double
    let hasGain: Bool
    /// Whether the gain is one scalar; the kernels then see it broadcast to a row (``NormLayer``).
    let scalarGain: Bool
    let hasBias: Bool
    let adaptive: Bool
    /// Whether DyT's z = tanh(α·y) follows (α is a parameter, read from ``NormBuffers/alpha``).
    let dynamicTanh: Bool
    /// C and k of Φ(y) = C(1 − k·y).
    let scale: Double
    let slope: Double
    /// The slope in the factor that multiplies the upstream gradient: k detached, 2k undetached.
    let backwardSlope: Double
    let hasRecentering: Bool
    let hasRescaling: Bool

    init(_ configuration: NormConfiguration, width: Int) {
        self.width = width
        normalizes = configuration.normalizes
        centered = configuration.normalizes && configuration.centering == .mean
        convention = configuration.convention
        lengthSpread = configuration.spread == .norm
        epsilon = configuration.epsilon
        hasGain = configuration.transforms && configuration.affine != .none
        scalarGain = hasGain && configuration.affine == .scalarGain
        hasBias = configuration.transforms && configuration.affine == .gainAndBias
        adaptive = configuration.normalizes && configuration.adaptive != nil
        dynamicTanh = configuration.dynamicTanh != nil
        scale = configuration.adaptive?.scale ?? 1
        slope = configuration.adaptive?.slope ?? 0
        backwardSlope = (configuration.adaptive?.detached ?? true) ? slope : 2 * slope
        hasRecentering = configuration.hasRecentering
        hasRescaling = configuration.hasRescaling
    }

    /// The per-row constants of the forward pass, from `Σ(x − μ)²` (or `Σx²` without centering).
    ///
    /// - Returns: The inverse denominator 1/D and the re-scaling factor κ/σ̃ (0 where σ̃ = 0, where y = 0 and the
    ///   part vanishes anyway).
    func rowConstants(sumOfSquares q: Double) -> (inverseDenominator: Double, rescaleFactor: Double) {
        guard normalizes else { return (1, 0) }
        let h = Double(width)
        let denominator: Double
        let spread: Double
        var correction = 1.0
        if lengthSpread {
            // σ̃ = ‖x̂‖ = sqrt(q) (or D itself under `torch`): ∂σ̃/∂xᵢ = x̂ᵢ/σ̃ = yᵢ·D/σ̃, so the re-scaling part is
            // −yᵢ·Σ(u ⊙ y)/σ̃ = −H·yᵢ⟨u ⊙ y⟩/σ̃, κ = H.
            spread = convention == .torch ? (q + epsilon).squareRoot() : q.squareRoot()
            denominator = convention == .torch ? spread : spread + epsilon
            let inverse = denominator > 0 ? 1 / denominator : 0
            return (inverse, spread > 0 ? h / spread : 0)
        }
        switch (convention, centered) {
        case (.torch, _):
            spread = (q / h + epsilon).squareRoot()
            denominator = spread
        case (.paper, true):
            spread = (q / (h - 1)).squareRoot()
            denominator = spread + epsilon
            correction = h / (h - 1)
        case (.paper, false):
            spread = (q / h).squareRoot()
            denominator = spread + epsilon
        }
        let inverse = denominator > 0 ? 1 / denominator : 0
        return (inverse, spread > 0 ? correction / spread : 0)
    }
}
