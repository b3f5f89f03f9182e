import Tensors

/// Inverted dropout: in training, zeroes each element with probability `rate` and scales the survivors by
/// `1 / (1 − rate)`, so the expected output equals the input and evaluation needs no rescaling.
///
/// Concretely, with an independent mask `mᵢ ~ Bernoulli(1 − p)` drawn on each training forward pass:
///
/// ```
/// forward (training):    yᵢ = xᵢ · mᵢ / (1 − p)
/// backward (training):   gradInputᵢ = gradYᵢ · mᵢ / (1 − p)
/// evaluation, or p = 0:  y = x,  gradInput = gradY
/// ```
///
/// The layer owns its generator, seeded at init, so a run's masks are fixed by its seed: element `i` of each
/// training pass is dropped when the generator's next ``SeededRandom/nextDouble()`` is below `p`, in row-major
/// order. Float and Double layers with the same seed therefore draw the same masks. Evaluation passes and `p = 0`
/// draw nothing and leave the generator where it was.
///
/// ### References
///
/// - N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov, "Dropout: A Simple Way to Prevent
///   Neural Networks from Overfitting", JMLR 15, 2014, https://jmlr.org/papers/v15/srivastava14a.html
public final class Dropout<Scalar: MatrixScalar>: Layer {
    /// The probability of zeroing an element, in `[0, 1)`.
    public let rate: Double
    /// The generator the masks come from; its state advances with each training forward pass.
    public private(set) var random: SeededRandom

    /// The scaled mask `mᵢ / (1 − p)` of a training pass (each entry 0 or `1 / (1 − p)`), or `nil` when the pass
    /// was the identity.
    public typealias Saved = Matrix<Scalar>?

    /// A dropout layer.
    ///
    /// - Parameters:
    ///   - rate: The probability of zeroing an element, in `[0, 1)`; 0 makes the layer the identity.
    ///   - seed: The seed of the layer's own generator.
    public init(rate: Double, seed: UInt64) {
        precondition((0..<1).contains(rate), "Dropout expects a rate in [0, 1), got \(rate)")
        self.rate = rate
        self.random = SeededRandom(seed: seed)
    }

    /// None.
    public var parameters: [Parameter<Scalar>] { [] }

    // MARK: - Forward

    /// In training, `x` with a fresh random mask applied and the survivors scaled; otherwise `x`.
    ///
    /// - Parameters:
    ///   - x: The input, any shape.
    ///   - mode: ``ForwardMode/training`` draws a mask; ``ForwardMode/evaluation`` returns `x` unchanged.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Matrix<Scalar>?) {
        guard mode == .training && rate > 0 else { return (x, nil) }
        let p = rate
        let keptScale = Scalar(1 / (1 - rate))
        var mask = Matrix<Scalar>(rows: x.rows, columns: x.columns)
        var y = x
        // A local copy of the generator, so the loop does not pay the class property's exclusivity check per draw.
        var generator = random
        mask.withUnsafeMutableBufferPointer { m in
            y.withUnsafeMutableBufferPointer { y in
                for i in y.indices {
                    m[i] = generator.nextDouble() < p ? 0 : keptScale
                    y[i] *= m[i]
                }
            }
        }
        random = generator
        return (y, mask)
    }

    // MARK: - Backward

    /// `gradY` times the saved scaled mask, or `gradY` itself after an identity pass.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, shaped like the input.
    ///   - saved: The scaled mask of the matching forward pass, or `nil`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved mask: Matrix<Scalar>?) -> Matrix<Scalar> {
        guard let mask else { return gradOutput }
        precondition(
            gradOutput.rows == mask.rows && gradOutput.columns == mask.columns,
            "Dropout expects an output gradient of \(mask.rows) × \(mask.columns), "
                + "got \(gradOutput.rows) × \(gradOutput.columns)")
        var gradInput = gradOutput
        mask.withUnsafeBufferPointer { m in
            gradInput.withUnsafeMutableBufferPointer { g in
                for i in g.indices { g[i] *= m[i] }
            }
        }
        return gradInput
    }
}
