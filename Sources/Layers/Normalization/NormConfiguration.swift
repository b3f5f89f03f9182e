/// Whether a normalization subtracts the row mean before dividing.
public enum Centering: String, Sendable, Hashable, Codable, CaseIterable {
    /// `x − μ` with `μ = ⟨x⟩`: LayerNorm and its variants.
    case mean
    /// No centering: the statistic is the root mean square of `x` itself (RMSNorm).
    case none
}

/// How the spread statistic and ε are computed: the two conventions of analysis/METHODS.md.
///
/// With centering (`x̂ = x − μ`, H features per row):
///
/// ```
/// torch:  s = sqrt(⟨x̂²⟩ + ε)                 y = x̂ / s      (biased variance, ε inside the root)
/// paper:  σ_u = sqrt(Σ x̂² / (H − 1)),  d = σ_u + ε   y = x̂ / d   (unbiased std, ε added to it)
/// ```
///
/// Without centering (RMSNorm) there is no estimated mean to correct for, so both use `⟨x²⟩`:
/// `torch` is `sqrt(⟨x²⟩ + ε)` (the LLaMA/T5 form) and `paper` is `sqrt(⟨x²⟩) + ε` (the official RMSNorm code).
public enum SpreadConvention: String, Sendable, Hashable, Codable, CaseIterable {
    /// `torch.nn.LayerNorm`: biased variance, ε inside the square root.
    case torch
    /// The official AdaNorm code (`input.std(-1)`): unbiased standard deviation, ε added to it.
    case paper
}

/// Whether the spread is an average over the row's features or the row's whole length.
///
/// `rms` divides the sum of squares by the feature count (H, or H − 1 in the centred `paper` convention): σ with
/// centering, the root mean square without. `norm` does not divide: the statistic is the Euclidean length
/// `‖x̂‖ = sqrt(Σ x̂²)`, ScaleNorm's, so that ε (placed per ``SpreadConvention``, with `Σ x̂²` in place of
/// `⟨x̂²⟩`) is added to, or under the root of, the length itself.
public enum SpreadMeasure: String, Sendable, Hashable, Codable, CaseIterable {
    /// The root mean square (of the deviations, with centering): LayerNorm, RMSNorm and their variants.
    case rms
    /// The Euclidean length of the row: ScaleNorm.
    case norm
}

/// Which statistics are treated as constants in the backward pass (the paper's θ(·) "special copy function").
///
/// Detaching changes only the backward pass: the forward value is identical, and the matching gradient part
/// (re-centering for the mean, re-scaling for the spread) is exactly zero.
public struct Detachment: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The mean: drops the re-centering part (official flag `--mean_detach 1`).
    public static let mean = Detachment(rawValue: 1)
    /// The spread (σ): drops the re-scaling part (official flag `--std_detach 1`).
    public static let spread = Detachment(rawValue: 2)
    /// Both: DetachNorm.
    public static let both: Detachment = [.mean, .spread]
}

/// The learnable element-wise transform after normalization.
public enum Affine: String, Sendable, Hashable, Codable, CaseIterable {
    /// `h = γ ⊙ z + β`, with γ initialized to 1 and β to 0.
    case gainAndBias = "gain-and-bias"
    /// `h = γ ⊙ z` (RMSNorm's scale).
    case gainOnly = "gain-only"
    /// `h = z`: LayerNorm-simple and the paper's other variants.
    case none
    /// `h = g·z` with one learned scalar g per layer (ScaleNorm), initialized where the output has unit RMS: √H
    /// after the ``SpreadMeasure/norm`` statistic, 1 after the ``SpreadMeasure/rms`` one.
    case scalarGain = "scalar-gain"
}

/// AdaNorm's adaptive factor `Φ(y) = C(1 − k·y)`, applied as `z = Φ(y) ⊙ y`.
///
/// The paper (and its official code) detaches the factor: `z = C(1 − sg[k·y]) ⊙ y`, so the gradient reaching the
/// normalization is `g̃ = C(1 − k·y) ⊙ g`. Undetached, `z = C(y − k·y²)` and `g̃ = C(1 − 2k·y) ⊙ g`.
public struct AdaptiveFactor: Sendable, Hashable, Codable {
    /// C, the average scaling weight: `⟨Φ(y)⟩ = C` exactly when `⟨y⟩ = 0`.
    public var scale: Double
    /// k, the slope; the paper fixes it at 1/10.
    public var slope: Double
    /// Whether `Φ(y)` is treated as a constant in backward, as in the paper.
    public var detached: Bool

    /// An adaptive factor.
    ///
    /// - Parameters:
    ///   - scale: C; the official code's default is 2.
    ///   - slope: k; the paper uses 0.1.
    ///   - detached: Whether the factor is detached; the paper's AdaNorm is.
    public init(scale: Double = 2, slope: Double = 0.1, detached: Bool = true) {
        self.scale = scale
        self.slope = slope
        self.detached = detached
    }
}

/// Every choice that defines a normalization layer; presets (``NormPreset``) are named points in this space.
public struct NormConfiguration: Sendable, Hashable, Codable {
    /// Whether to normalize at all; `false` is the paper's "w/o Norm" (the identity).
    public var normalizes: Bool
    /// Mean subtraction or none.
    public var centering: Centering
    /// How σ and ε are computed.
    public var convention: SpreadConvention
    /// An average over the features (σ, RMS) or the row's length (ScaleNorm).
    public var spread: SpreadMeasure
    /// ε, the stabilizer (placed per ``convention``).
    public var epsilon: Double
    /// Statistics treated as constants in backward.
    public var detach: Detachment
    /// Gain and bias.
    public var affine: Affine
    /// AdaNorm's factor, or `nil`.
    public var adaptive: AdaptiveFactor?
    /// DyT's `tanh(α·y)`, or `nil`.
    public var dynamicTanh: DynamicTanh?

    /// A configuration from its orthogonal choices.
    ///
    /// - Parameters:
    ///   - normalizes: `false` for no row statistic: the identity ("w/o Norm"), or DyT's `tanh(α·x)` alone when
    ///     `dynamicTanh` is set; the statistics' choices are then ignored, and so is the affine without DyT.
    ///   - centering: Mean subtraction or none.
    ///   - convention: `torch` or `paper`.
    ///   - spread: The root mean square or the row's length.
    ///   - epsilon: ε (1e-5 in both reference codes).
    ///   - detach: Statistics treated as constants in backward.
    ///   - affine: Gain and bias.
    ///   - adaptive: AdaNorm's factor, or `nil`.
    ///   - dynamicTanh: DyT's squashing, or `nil`.
    public init(
        normalizes: Bool = true,
        centering: Centering = .mean,
        convention: SpreadConvention = .torch,
        spread: SpreadMeasure = .rms,
        epsilon: Double = 1e-5,
        detach: Detachment = [],
        affine: Affine = .none,
        adaptive: AdaptiveFactor? = nil,
        dynamicTanh: DynamicTanh? = nil
    ) {
        precondition(epsilon >= 0, "NormConfiguration expects a non-negative epsilon, got \(epsilon)")
        self.normalizes = normalizes
        self.centering = centering
        self.convention = convention
        self.spread = spread
        self.epsilon = epsilon
        self.detach = detach
        self.affine = affine
        self.adaptive = adaptive
        self.dynamicTanh = dynamicTanh
    }

    /// Whether the layer computes anything: it normalizes, or squashes with DyT's tanh.
    public var transforms: Bool { normalizes || dynamicTanh != nil }

    /// Whether the backward pass has a re-centering part at all.
    public var hasRecentering: Bool { normalizes && centering == .mean && !detach.contains(.mean) }
    /// Whether the backward pass has a re-scaling part at all.
    public var hasRescaling: Bool { normalizes && !detach.contains(.spread) }

    /// Every setting as flat key–value pairs, for trace attributes and run names.
    public var settings: [(key: String, value: String)] {
        [
            ("normalizes", "\(normalizes)"),
            ("centering", centering.rawValue),
            ("convention", convention.rawValue),
            ("spread", spread.rawValue),
            ("epsilon", "\(epsilon)"),
            ("detach_mean", "\(detach.contains(.mean))"),
            ("detach_std", "\(detach.contains(.spread))"),
            ("affine", affine.rawValue),
            ("adaptive", AdaptiveKind(adaptive).rawValue),
            ("adanorm_scale", adaptive.map { "\($0.scale)" } ?? ""),
            ("adanorm_k", adaptive.map { "\($0.slope)" } ?? ""),
            ("transform", TransformKind(dynamicTanh).rawValue),
            ("dyt_alpha", dynamicTanh.map { "\($0.initialAlpha)" } ?? ""),
        ]
    }
}
