import Layers
import Tensors

/// A multilayer perceptron classifier with a named ``NormLayer`` in every hidden layer.
///
/// Concretely, for input rows `x` and hidden layers `i = 1 … depth` (with the default
/// ``MLPConfiguration/NormPlacement/beforeActivation``; the other placement swaps `Norm` and `act`):
///
/// ```
/// forward:   aᵢ = hᵢ₋₁ · Wᵢᵀ + bᵢ,   nᵢ = Normᵢ(aᵢ),   hᵢ = Dropout(act(nᵢ)),   h₀ = x
///            logits = h_depth · W_outᵀ + b_out
/// backward:  gradH_depth = gradLogits · W_out
///            gradNᵢ = act′ ⊙ Dropout′(gradHᵢ),   gradAᵢ = Normᵢ.backward(gradNᵢ),   gradHᵢ₋₁ = gradAᵢ · Wᵢ
/// ```
///
/// each step being that layer's own hand-written backward, which also adds its parameters' gradients.
///
/// Every hidden layer has a norm, even for the `none` preset, whose configuration is the identity: the layer still
/// exists under its name, so every run's trace has the same groups and "w/o Norm" differs from the others only in
/// what the group measures.
///
/// Names (``namedParameters``, ``normLayers``): `hidden{i}.linear.weight`, `hidden{i}.linear.bias`,
/// `hidden{i}.norm.gain`, `hidden{i}.norm.bias` (those the variant has), …, `output.linear.weight`,
/// `output.linear.bias`; norms `hidden1.norm`, `hidden2.norm`, ….
///
/// Weights follow PyTorch's `nn.Linear` default, as the official code's `--init_method km` leaves them.
public final class MLP<Scalar: MatrixScalar>: Model {
    /// The widths, activation, dropout and norm placement.
    public let configuration: MLPConfiguration
    /// The variant of every hidden layer's norm.
    public let normConfiguration: NormConfiguration
    /// The hidden layers' linear maps, `hidden1.linear` first.
    public let hiddenLinears: [Linear<Scalar>]
    /// The hidden layers' norms, `hidden1.norm` first.
    public let hiddenNorms: [NormLayer<Scalar>]
    /// The map from the last hidden layer (or the input, at depth 0) to the logits, `output.linear`.
    public let outputLinear: Linear<Scalar>

    private let dropouts: [Dropout<Scalar>]

    /// What one hidden layer's forward pass keeps for its backward pass.
    private struct HiddenSaved {
        var linear: Matrix<Scalar>
        var norm: NormLayer<Scalar>.Saved
        var activation: Matrix<Scalar>
        var dropout: Matrix<Scalar>?
    }

    /// What the last training forward pass kept, until ``backward(_:)`` consumes it.
    private struct Pass {
        var hidden: [HiddenSaved]
        var output: Matrix<Scalar>
    }

    private var lastTrainingPass: Pass?

    /// An MLP whose weights and dropout masks are fixed by `seed`.
    ///
    /// The weights are drawn layer by layer (each weight row by row, then its bias) from one generator, after it
    /// has given a seed for a second generator that seeds the dropout layers in order; so the same seed gives the
    /// same weights and masks, and the weights do not depend on the dropout rate.
    ///
    /// - Parameters:
    ///   - configuration: The widths, activation, dropout and norm placement.
    ///   - norm: The variant of every hidden layer's norm, usually a preset's ``NormPreset/configuration``.
    ///   - instrumentation: What each norm measures; defaults to its statistics.
    ///   - seed: The seed of the weights and dropout masks.
    public init(
        configuration: MLPConfiguration,
        norm: NormConfiguration,
        instrumentation: NormInstrumentation = .statistics,
        seed: UInt64
    ) {
        precondition(
            configuration.inputWidth >= 1 && configuration.classCount >= 1,
            "MLP expects at least one input feature and one class, got \(configuration.inputWidth) features and "
                + "\(configuration.classCount) classes")
        precondition(
            configuration.hiddenWidths.allSatisfy { $0 >= 1 },
            "MLP expects positive hidden widths, got \(configuration.hiddenWidths)")
        precondition(
            (0..<1).contains(configuration.dropout),
            "MLP expects a dropout rate in [0, 1), got \(configuration.dropout)")
        self.configuration = configuration
        self.normConfiguration = norm

        var random = SeededRandom(seed: seed)
        var dropoutSeeds = SeededRandom(seed: random.next())
        var linears: [Linear<Scalar>] = []
        var norms: [NormLayer<Scalar>] = []
        var dropouts: [Dropout<Scalar>] = []
        var width = configuration.inputWidth
        for hiddenWidth in configuration.hiddenWidths {
            linears.append(Linear(inputWidth: width, outputWidth: hiddenWidth, random: &random))
            norms.append(NormLayer(norm, width: hiddenWidth, instrumentation: instrumentation))
            dropouts.append(Dropout(rate: configuration.dropout, seed: dropoutSeeds.next()))
            width = hiddenWidth
        }
        hiddenLinears = linears
        hiddenNorms = norms
        self.dropouts = dropouts
        outputLinear = Linear(inputWidth: width, outputWidth: configuration.classCount, random: &random)
    }

    /// Every parameter in forward order: each hidden layer's linear then norm parameters, then the output layer's.
    public var namedParameters: [(name: String, parameter: Parameter<Scalar>)] {
        var named: [(name: String, parameter: Parameter<Scalar>)] = []
        for (index, (linear, norm)) in zip(hiddenLinears, hiddenNorms).enumerated() {
            let prefix = "hidden\(index + 1)"
            named += linear.parameters.map { ("\(prefix).linear.\($0.name)", $0) }
            named += norm.parameters.map { ("\(prefix).norm.\($0.name)", $0) }
        }
        named += outputLinear.parameters.map { ("output.linear.\($0.name)", $0) }
        return named
    }

    /// `hidden1.norm`, `hidden2.norm`, …
    public var normLayers: [(name: String, layer: NormLayer<Scalar>)] {
        hiddenNorms.enumerated().map { ("hidden\($0.offset + 1).norm", $0.element) }
    }

    // MARK: - Forward

    /// The logits of each example, one row per row of the input.
    ///
    /// A training pass replaces the state kept for ``backward(_:)``; an evaluation pass leaves it alone, so an
    /// evaluation may sit between a training forward and its backward.
    ///
    /// - Parameters:
    ///   - input: ``ModelInput/features(_:)``, examples × ``MLPConfiguration/inputWidth``.
    ///   - mode: ``ForwardMode/training`` applies dropout and keeps what backward needs.
    // Specialized for the code outside this module that trains a model through the NormScope library: the generic
    // entry point would otherwise run the bookkeeping between the (specialized) layers unspecialized.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: ModelInput<Scalar>, mode: ForwardMode) -> Matrix<Scalar> {
        guard case .features(let x) = input else {
            preconditionFailure("MLP expects a .features input of examples × features, got token sequences")
        }
        precondition(
            x.columns == configuration.inputWidth,
            "MLP expects \(configuration.inputWidth) features per example, got \(x.rows) × \(x.columns)")
        // Drop the previous pass first, so the norms' buffers it shares are free to be reused in place.
        if mode == .training { lastTrainingPass = nil }

        let activation = configuration.activation
        let normFirst = configuration.normPlacement == .beforeActivation
        var h = x
        var hidden: [HiddenSaved] = []
        hidden.reserveCapacity(configuration.depth)
        for index in hiddenLinears.indices {
            let (a, linearSaved) = hiddenLinears[index].forward(h, mode: mode)
            let n: Matrix<Scalar>
            let normSaved: NormLayer<Scalar>.Saved
            let activationSaved: Matrix<Scalar>
            if normFirst {
                (n, normSaved) = hiddenNorms[index].forward(a, mode: mode)
                (h, activationSaved) = activation.forward(n)
            } else {
                (n, activationSaved) = activation.forward(a)
                (h, normSaved) = hiddenNorms[index].forward(n, mode: mode)
            }
            let dropoutSaved: Matrix<Scalar>?
            (h, dropoutSaved) = dropouts[index].forward(h, mode: mode)
            if mode == .training {
                hidden.append(
                    HiddenSaved(
                        linear: linearSaved, norm: normSaved, activation: activationSaved, dropout: dropoutSaved))
            }
        }
        let (logits, outputSaved) = outputLinear.forward(h, mode: mode)
        if mode == .training { lastTrainingPass = Pass(hidden: hidden, output: outputSaved) }
        return logits
    }

    // MARK: - Backward

    /// Backpropagates ∂loss/∂logits of the last training forward pass; see ``backwardToInput(_:)``.
    public func backward(_ gradLogits: Matrix<Scalar>) {
        _ = backwardToInput(gradLogits)
    }

    /// Backpropagates ∂loss/∂logits of the last training forward pass, adding every parameter's gradient, and
    /// returns ∂loss/∂x.
    ///
    /// The pass is consumed: a second backward needs a new training forward pass.
    ///
    /// - Parameter gradLogits: The gradient with respect to the logits, examples × classes.
    /// - Returns: The gradient with respect to the input features, examples × ``MLPConfiguration/inputWidth``.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backwardToInput(_ gradLogits: Matrix<Scalar>) -> Matrix<Scalar> {
        guard let pass = lastTrainingPass else {
            preconditionFailure("MLP's backward expects a training forward pass before it, and one backward per pass")
        }
        lastTrainingPass = nil
        let activation = configuration.activation
        let normFirst = configuration.normPlacement == .beforeActivation
        var g = outputLinear.backward(gradLogits, saved: pass.output)
        for index in hiddenLinears.indices.reversed() {
            let saved = pass.hidden[index]
            g = dropouts[index].backward(g, saved: saved.dropout)
            if normFirst {
                g = activation.backward(g, saved: saved.activation)
                g = hiddenNorms[index].backward(g, saved: saved.norm)
            } else {
                g = hiddenNorms[index].backward(g, saved: saved.norm)
                g = activation.backward(g, saved: saved.activation)
            }
            g = hiddenLinears[index].backward(g, saved: saved.linear)
        }
        return g
    }
}
