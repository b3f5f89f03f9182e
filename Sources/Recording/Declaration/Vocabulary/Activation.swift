/// The element-wise nonlinearity of an MLP's hidden layers and of a Transformer's feed-forward sublayer.
///
/// Concretely (the formulas and their derivatives live with the layers, Layers' `ReLU` and `GELU`):
///
/// ```
/// relu:  y = max(x, 0)
/// gelu:  y = x · Φ(x)        (the exact form, through erf; PyTorch's and fairseq's `gelu`)
/// ```
///
/// ReLU is the original Transformer's and fairseq's default (`--activation-fn relu`), which the official AdaNorm
/// runs keep; GELU is the BERT/GPT choice, offered as a contrast.
///
/// ### References
///
/// - V. Nair, G. Hinton, "Rectified Linear Units Improve Restricted Boltzmann Machines", ICML 2010
/// - D. Hendrycks, K. Gimpel, "Gaussian Error Linear Units (GELUs)", 2016, https://arxiv.org/abs/1606.08415
public enum Activation: String, Sendable, Codable, Hashable, CaseIterable {
    /// The rectified linear unit, `max(x, 0)`.
    case relu
    /// The exact Gaussian error linear unit, `x · Φ(x)`.
    case gelu
}

