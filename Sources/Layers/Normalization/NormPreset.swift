/// The named normalization variants: the paper's, its baseline, RMSNorm and ScaleNorm as contrasts without
/// centering, DyT without normalization, and no normalization.
///
/// | preset | centering | convention | spread | detach | affine | adaptive / squashing |
/// | --- | --- | --- | --- | --- | --- | --- |
/// | `layernorm` | mean | torch | rms | — | gain + bias | — |
/// | `layernorm-simple` | mean | paper | rms | — | — | — |
/// | `detachnorm` | mean | paper | rms | mean and σ | — | — |
/// | `detach-mean` | mean | paper | rms | mean | — | — |
/// | `detach-std` | mean | paper | rms | σ | — | — |
/// | `adanorm` | mean | paper | rms | — | — | Φ(y) = C(1 − k·y), detached, C = 2, k = 0.1 |
/// | `rmsnorm` | none | torch | rms | — | gain | — |
/// | `scalenorm` | none | paper | norm (‖x‖) | — | scalar g, starting at √H | — |
/// | `dyt` | no statistic | | | | gain + bias | tanh(α·x), α starting at 0.5 |
/// | `none` | identity (the paper's "w/o Norm") | | | | | |
///
/// The defaults follow the code that is the reference for each: `layernorm` is `torch.nn.LayerNorm` (the official
/// code's baseline, `lnv='origin'`), the paper's variants are its `nowb`/`adanorm` modes (unbiased std, ε = 1e-5
/// added to it). Every choice can be overridden on the returned ``NormConfiguration``.
///
/// ### References
/// - Xu et al., "Understanding and Improving Layer Normalization", NeurIPS 2019,
///   [arXiv 1911.07013](https://arxiv.org/abs/1911.07013).
/// - Ba, Kiros, Hinton, "Layer Normalization", 2016, [arXiv 1607.06450](https://arxiv.org/abs/1607.06450).
/// - Zhang, Sennrich, "Root Mean Square Layer Normalization", NeurIPS 2019,
///   [arXiv 1910.07467](https://arxiv.org/abs/1910.07467).
/// - Nguyen, Salazar, "Transformers without Tears: Improving the Normalization of Self-Attention", IWSLT 2019,
///   [arXiv 1910.05895](https://arxiv.org/abs/1910.05895).
/// - Zhu, Chen, He, LeCun, Liu, "Transformers without Normalization", CVPR 2025,
///   [arXiv 2503.10622](https://arxiv.org/abs/2503.10622).
public enum NormPreset: String, Sendable, Hashable, Codable, CaseIterable {
    /// LayerNorm with gain and bias, PyTorch's convention.
    case layerNorm = "layernorm"
    /// LayerNorm without gain and bias.
    case layerNormSimple = "layernorm-simple"
    /// Mean and σ detached.
    case detachNorm = "detachnorm"
    /// Only the mean detached.
    case detachMean = "detach-mean"
    /// Only σ detached.
    case detachStd = "detach-std"
    /// LayerNorm-simple times the detached factor Φ(y) = C(1 − k·y).
    case adaNorm = "adanorm"
    /// Root-mean-square normalization with a gain: no re-centering part.
    case rmsNorm = "rmsnorm"
    /// The row scaled to a learned length g: no re-centering part.
    case scaleNorm = "scalenorm"
    /// Dynamic Tanh, tanh(α·x) with gain and bias: no statistic, the whole gradient is the direct part.
    case dyt
    /// The identity.
    case none

    /// The preset's configuration with its reference defaults.
    public var configuration: NormConfiguration {
        switch self {
        case .layerNorm: .layerNorm()
        case .layerNormSimple: .layerNormSimple()
        case .detachNorm: .detachNorm()
        case .detachMean: .detachMean()
        case .detachStd: .detachStd()
        case .adaNorm: .adaNorm()
        case .rmsNorm: .rmsNorm()
        case .scaleNorm: .scaleNorm()
        case .dyt: .dyt()
        case .none: .identity
        }
    }

    /// The preset named `name` (its raw value, such as `layernorm-simple`), or `nil`.
    public static func named(_ name: String) -> NormPreset? {
        NormPreset(rawValue: name.lowercased())
    }

    /// Every preset's name, comma-separated, for error messages and help.
    public static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension NormConfiguration {
    /// No normalization: the paper's "w/o Norm" baseline (official `no_norm`).
    ///
    /// Its backward is the identity, reported entirely as the direct part.
    public static let identity = NormConfiguration(normalizes: false)
}
