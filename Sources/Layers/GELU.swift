import Tensors

/// Which form of the Gaussian error linear unit ``GELU`` computes; PyTorch's `approximate` argument.
public enum GELUApproximation: Sendable, Hashable {
    /// The exact form through the error function, `x · Φ(x)`; PyTorch's `approximate='none'`.
    case exact
    /// The tanh approximation of Hendrycks & Gimpel (eq. 2), as in BERT and GPT-2; PyTorch's `approximate='tanh'`.
    case tanh
}

/// The Gaussian error linear unit, element-wise: the input weighted by the probability that a standard normal
/// variable falls below it.
///
/// Concretely, exact (the default), with `Φ` the standard normal CDF and `φ` its density:
///
/// ```
/// forward:   y = x · Φ(x),            Φ(x) = ½ (1 + erf(x / √2))
/// backward:  gradInput = gradY · (Φ(x) + x · φ(x)),   φ(x) = exp(−x² / 2) / √(2π)
/// ```
///
/// and with the tanh approximation, `c = 0.044715`:
///
/// ```
/// forward:   u = √(2/π) · (x + c · x³),   t = tanh(u),   y = ½ x (1 + t)
/// backward:  gradInput = gradY · (½ (1 + t) + ½ x (1 − t²) · √(2/π) · (1 + 3c · x²))
/// ```
///
/// ### References
///
/// - D. Hendrycks, K. Gimpel, "Gaussian Error Linear Units (GELUs)", 2016, https://arxiv.org/abs/1606.08415
public final class GELU<Scalar: MatrixScalar>: Layer {
    /// The form computed: exact or the tanh approximation.
    public let approximation: GELUApproximation

    /// The input, which both derivative formulas need.
    public typealias Saved = Matrix<Scalar>

    /// A GELU layer.
    ///
    /// - Parameter approximation: Which form to compute; defaults to ``GELUApproximation/exact``.
    public init(approximation: GELUApproximation = .exact) {
        self.approximation = approximation
    }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    // The constants of both forms, rounded once to Scalar.
    private static var inverseSquareRootOfTwo: Scalar { Scalar(0.707_106_781_186_547_524_4) }
    private static var inverseSquareRootOfTwoPi: Scalar { Scalar(0.398_942_280_401_432_677_9) }
    private static var squareRootOfTwoOverPi: Scalar { Scalar(0.797_884_560_802_865_355_9) }
    private static var cubicCoefficient: Scalar { Scalar(0.044_715) }

    // MARK: - Forward

    /// GELU of each element.
    ///
    /// - Parameters:
    ///   - x: The input, any shape.
    ///   - mode: Unused; the layer behaves the same in training and evaluation.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Matrix<Scalar>) {
        var y = x
        y.withUnsafeMutableBufferPointer { y in
            switch approximation {
            case .exact:
                let r = Self.inverseSquareRootOfTwo
                for i in y.indices {
                    let x = y[i]
                    let Phi = (1 + Scalar.erf(x * r)) / 2
                    y[i] = x * Phi
                }
            case .tanh:
                let s = Self.squareRootOfTwoOverPi
                let c = Self.cubicCoefficient
                for i in y.indices {
                    let x = y[i]
                    let t = Scalar.tanh(s * (x + c * x * x * x))
                    y[i] = x * (1 + t) / 2
                }
            }
        }
        return (y, x)
    }

    // MARK: - Backward

    /// `gradY` times GELU's derivative at each input element.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, shaped like the input.
    ///   - saved: The input of the matching forward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved x: Matrix<Scalar>) -> Matrix<Scalar> {
        precondition(
            gradOutput.rows == x.rows && gradOutput.columns == x.columns,
            "GELU expects an output gradient of \(x.rows) × \(x.columns), "
                + "got \(gradOutput.rows) × \(gradOutput.columns)")
        var gradInput = gradOutput
        x.withUnsafeBufferPointer { input in
            gradInput.withUnsafeMutableBufferPointer { g in
                switch approximation {
                case .exact:
                    let r = Self.inverseSquareRootOfTwo
                    let d = Self.inverseSquareRootOfTwoPi
                    for i in g.indices {
                        let x = input[i]
                        let Phi = (1 + Scalar.erf(x * r)) / 2
                        let phi = d * Scalar.exp(-x * x / 2)
                        g[i] *= Phi + x * phi
                    }
                case .tanh:
                    let s = Self.squareRootOfTwoOverPi
                    let c = Self.cubicCoefficient
                    for i in g.indices {
                        let x = input[i]
                        let x2 = x * x
                        let t = Scalar.tanh(s * (x + c * x2 * x))
                        let dudx = s * (1 + 3 * c * x2)
                        g[i] *= (1 + t) / 2 + x * (1 - t * t) * dudx / 2
                    }
                }
            }
        }
        return gradInput
    }
}
