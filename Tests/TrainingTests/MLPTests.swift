import Layers
import Recording
import Tensors
import TestSupport
import Testing
import Training

/// The norm variants the gradient checks run over.
///
/// The `adanorm` preset detaches Φ(y), so by design its backward is not the derivative of its forward; the
/// undetached AdaNorm has the same forward and a true gradient, so it is the one finite differences can check (the
/// detached preset is checked separately below).
let checkedNorms: [String: NormConfiguration] = [
    "layernorm": NormPreset.layerNorm.configuration,
    "adanorm-undetached": .adaNorm(detached: false),
    "layernorm-simple": NormPreset.layerNormSimple.configuration,
    "rmsnorm": NormPreset.rmsNorm.configuration,
    "scalenorm": NormPreset.scaleNorm.configuration,
    "dyt": NormPreset.dyt.configuration,
    "none": NormPreset.none.configuration,
]

@Suite("MLP")
struct MLPTests {
    static let inputWidth = 4
    static let classCount = 3

    func tinyMLP(
        _ norm: NormConfiguration,
        placement: MLPConfiguration.NormPlacement = .beforeActivation,
        activation: Activation = .relu,
        dropout: Double = 0,
        seed: UInt64 = 7
    ) -> MLP<Double> {
        let configuration = MLPConfiguration(
            inputWidth: Self.inputWidth, hiddenWidths: [5, 5], classCount: Self.classCount, activation: activation,
            dropout: dropout, normPlacement: placement)
        let model = MLP<Double>(configuration: configuration, norm: norm, seed: seed)
        // Gains and biases away from 1 and 0, so that a wrong γ in the backward pass would show.
        var random = SeededRandom(seed: seed + 100)
        for norm in model.hiddenNorms {
            for parameter in norm.parameters {
                parameter.value = Matrix(rows: 1, columns: parameter.count) { _, _ in random.uniform(in: 0.5..<1.5) }
            }
        }
        return model
    }

    let x = sampleMatrix(6, inputWidth, seed: 1, in: -2..<2, as: Double.self)
    let targets = [0, 1, 2, 2, 1, 0]

    @Test(
        "the gradient of every parameter and of the input matches central differences to 1e-6",
        arguments: checkedNorms.keys.sorted(), MLPConfiguration.NormPlacement.allCases)
    func gradients(norm: String, placement: MLPConfiguration.NormPlacement) {
        // GELU in one placement, so that both activations' backward passes are wired in.
        let activation: Activation = placement == .beforeActivation ? .relu : .gelu
        let model = tinyMLP(checkedNorms[norm]!, placement: placement, activation: activation)
        let errors = modelGradientErrors(model, input: .features(x), targets: targets) {
            $0.backwardToInput($1)
        }
        #expect(errors.count == model.namedParameters.count + 1)
        for (name, error) in errors {
            #expect(error <= 1e-6, "\(norm) \(placement) \(name): \(error)")
        }
    }

    @Test(
        "with dropout, the gradient matches central differences taken under the same masks",
        arguments: MLPConfiguration.NormPlacement.allCases)
    func gradientsWithDropout(placement: MLPConfiguration.NormPlacement) {
        let make = { tinyMLP(NormPreset.layerNorm.configuration, placement: placement, dropout: 0.4) }
        let model = make()
        let errors = modelGradientErrors(model, input: .features(x), targets: targets, replica: make) {
            $0.backwardToInput($1)
        }
        // Every parameter and the input, by name: an empty or short list would pass the loop below unchecked.
        #expect(errors.map(\.name) == model.namedParameters.map(\.name) + ["input"])
        for (name, error) in errors {
            #expect(error <= 1e-6, "\(placement) \(name): \(error)")
        }
    }

    @Test("with the detached adanorm preset, only the parameters after the last norm see the true gradient")
    func detachedAdaNorm() {
        let model = tinyMLP(NormPreset.adaNorm.configuration)
        let errors = Dictionary(
            uniqueKeysWithValues: modelGradientErrors(model, input: .features(x), targets: targets) {
                $0.backwardToInput($1)
            }.map { ($0.name, $0.error) })
        // Nothing detached lies between the logits and the output layer...
        #expect(errors["output.linear.weight"]! <= 1e-6)
        #expect(errors["output.linear.bias"]! <= 1e-6)
        // ...while everything before a norm gets the gradient with Φ held constant, visibly not the derivative.
        #expect(errors["hidden1.linear.weight"]! > 1e-3)
        #expect(errors["input"]! > 1e-3)
    }

    @Test("parameters and norms have the documented names, in forward order")
    func names() {
        let model = tinyMLP(NormPreset.layerNorm.configuration)
        #expect(
            model.namedParameters.map(\.name) == [
                "hidden1.linear.weight", "hidden1.linear.bias", "hidden1.norm.gain", "hidden1.norm.bias",
                "hidden2.linear.weight", "hidden2.linear.bias", "hidden2.norm.gain", "hidden2.norm.bias",
                "output.linear.weight", "output.linear.bias",
            ])
        #expect(model.normLayers.map(\.name) == ["hidden1.norm", "hidden2.norm"])
        let shapes = model.namedParameters.map { [$0.parameter.value.rows, $0.parameter.value.columns] }
        #expect(shapes == [[5, 4], [1, 5], [1, 5], [1, 5], [5, 5], [1, 5], [1, 5], [1, 5], [3, 5], [1, 3]])
    }

    @Test("without normalization the norms still exist by name, as identities without parameters")
    func identityNorms() {
        let model = tinyMLP(NormPreset.none.configuration)
        #expect(model.normLayers.map(\.name) == ["hidden1.norm", "hidden2.norm"])
        #expect(model.normLayers.allSatisfy { $0.layer.configuration == .identity })
        #expect(
            model.namedParameters.map(\.name) == [
                "hidden1.linear.weight", "hidden1.linear.bias", "hidden2.linear.weight", "hidden2.linear.bias",
                "output.linear.weight", "output.linear.bias",
            ])
    }

    @Test("the same seed gives the same weights, a different seed different ones")
    func seeding() {
        let configuration = MLPConfiguration(inputWidth: 4, hiddenWidths: [5, 5], classCount: 3, dropout: 0.3)
        func make(_ seed: UInt64) -> MLP<Double> {
            MLP(configuration: configuration, norm: NormPreset.layerNorm.configuration, seed: seed)
        }
        let (a, b, c) = (make(11), make(11), make(12))
        #expect(parameterValues(a) == parameterValues(b))
        #expect(parameterValues(a) != parameterValues(c))
        #expect(parameterValues(a)[0] != parameterValues(c)[0])
        // The dropout masks come from the seed too: equal for equal seeds (first training pass of each)...
        #expect(a.forward(.features(x), mode: .training) == b.forward(.features(x), mode: .training))
        // ...and different for another seed even with the same weights.
        let d = make(11)
        for (source, target) in zip(d.namedParameters, c.namedParameters) {
            target.parameter.value = source.parameter.value
        }
        #expect(d.forward(.features(x), mode: .evaluation) == c.forward(.features(x), mode: .evaluation))
        #expect(d.forward(.features(x), mode: .training) != c.forward(.features(x), mode: .training))
    }

    @Test("evaluation is deterministic, while training with dropout samples a new mask each pass")
    func dropoutModes() {
        let model = tinyMLP(NormPreset.layerNorm.configuration, dropout: 0.5)
        let evaluation = model.forward(.features(x), mode: .evaluation)
        #expect(model.forward(.features(x), mode: .evaluation) == evaluation)
        let first = model.forward(.features(x), mode: .training)
        let second = model.forward(.features(x), mode: .training)
        #expect(first != evaluation)
        #expect(first != second)
        #expect(model.forward(.features(x), mode: .evaluation) == evaluation)

        let noDropout = tinyMLP(NormPreset.layerNorm.configuration, dropout: 0)
        #expect(noDropout.forward(.features(x), mode: .training) == noDropout.forward(.features(x), mode: .evaluation))
    }

    @Test("an evaluation pass between a training pass and its backward does not change the gradients")
    func evaluationKeepsTrainingState() {
        let model = tinyMLP(NormPreset.layerNorm.configuration)
        let other = sampleMatrix(3, Self.inputWidth, seed: 9, as: Double.self)
        func gradients(interleaved: Bool) -> [Matrix<Double>] {
            for (_, parameter) in model.namedParameters { parameter.zeroGradient() }
            let logits = model.forward(.features(x), mode: .training)
            if interleaved { _ = model.forward(.features(other), mode: .evaluation) }
            model.backward(SoftmaxCrossEntropy<Double>().evaluate(logits, targets: targets).gradLogits)
            return model.namedParameters.map(\.parameter.gradient)
        }
        #expect(gradients(interleaved: true) == gradients(interleaved: false))
    }

    @Test("100 Adam steps fit a separable toy problem to near-zero loss", arguments: ["layernorm", "adanorm"])
    func learnsToyProblem(norm: String) {
        // Three well-separated Gaussian blobs in 4 dimensions, 10 examples each.
        var random = SeededRandom(seed: 5)
        let centers: [[Double]] = [[3, 0, 0, 1], [0, 3, -1, 0], [-3, -3, 1, -1]]
        var rows: [[Double]] = []
        var labels: [Int] = []
        for example in 0..<30 {
            let label = example % 3
            rows.append(centers[label].map { $0 + random.normal(standardDeviation: 0.5) })
            labels.append(label)
        }
        let features = Matrix(rows)
        let configuration = MLPConfiguration(inputWidth: 4, hiddenWidths: [16, 16], classCount: 3)
        let model = MLP<Double>(configuration: configuration, norm: NormPreset.named(norm)!.configuration, seed: 3)
        let optimizer = Adam<Double>()
        let loss = SoftmaxCrossEntropy<Double>()
        let initial = loss(model.forward(.features(features), mode: .evaluation), targets: labels).loss
        for _ in 0..<100 {
            let result = loss(model.forward(.features(features), mode: .training), targets: labels)
            model.backward(result.gradLogits)
            optimizer.step(model.namedParameters.map(\.parameter), learningRate: 0.01)
        }
        let final = loss(model.forward(.features(features), mode: .evaluation), targets: labels)
        #expect(initial > 0.5)
        #expect(final.loss < 0.02, "\(norm): loss \(initial) → \(final.loss)")
        #expect(final.accuracy == 1)
    }
}
