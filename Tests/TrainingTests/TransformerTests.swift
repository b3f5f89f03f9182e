import Layers
import Recording
import Tensors
import TestSupport
import Testing
import Training

@Suite("Transformer")
struct TransformerTests {
    /// 3 examples of 12 features read as 3 tokens of 4, 3 classes.
    static let classifierTask = TransformerConfiguration.Task.classifier(
        classCount: 3, inputWidth: 12, sequenceLength: 3)
    /// 7 token ids, sequences of up to 6.
    static let languageModelTask = TransformerConfiguration.Task.languageModel(vocabularySize: 7, maxLength: 6)

    enum TaskKind: String, CaseIterable, Sendable {
        case classifier
        case languageModel
    }

    func tinyTransformer(
        _ kind: TaskKind,
        placement: TransformerConfiguration.Placement,
        norm: NormConfiguration = NormPreset.layerNorm.configuration,
        activation: Activation = .relu,
        dropout: Double = 0,
        seed: UInt64 = 7
    ) -> Transformer<Double> {
        let configuration = TransformerConfiguration(
            task: kind == .classifier ? Self.classifierTask : Self.languageModelTask, modelWidth: 8, headCount: 2,
            ffnWidth: 16, layerCount: 2, dropout: dropout, placement: placement, activation: activation)
        let model = Transformer<Double>(configuration: configuration, norm: norm, seed: seed)
        // Gains and biases away from 1 and 0, so that a wrong γ in the backward pass would show.
        var random = SeededRandom(seed: seed + 100)
        for (_, layer) in model.normLayers {
            for parameter in layer.parameters {
                parameter.value = Matrix(rows: 1, columns: parameter.count) { _, _ in random.uniform(in: 0.5..<1.5) }
            }
        }
        return model
    }

    /// A minibatch and its targets: 3 examples for the classifier; 2 sequences of 5 tokens (one short of the
    /// maximum, so the last position's embedding is unused) for the language model.
    func batch(_ kind: TaskKind) -> (input: ModelInput<Double>, targets: [Int]) {
        switch kind {
        case .classifier:
            (.features(sampleMatrix(3, 12, seed: 1, in: -2..<2, as: Double.self)), [2, 0, 1])
        case .languageModel:
            (.tokens([1, 4, 4, 0, 6, 3, 2, 5, 1, 1], sequenceLength: 5), [4, 4, 0, 6, 2, 2, 5, 1, 1, 3])
        }
    }

    @Test(
        "the gradient of every parameter (and the classifier's input) matches central differences to 1e-6",
        arguments: TaskKind.allCases, TransformerConfiguration.Placement.allCases)
    func gradients(kind: TaskKind, placement: TransformerConfiguration.Placement) {
        // ScaleNorm and DyT for their scalar g and α, reached through residual paths and the final norm.
        for norm in ["layernorm", "adanorm-undetached", "scalenorm", "dyt"] {
            // GELU for the post-norm models, so that both activations' backward passes are wired in.
            let activation: Activation = placement == .preNorm ? .relu : .gelu
            let model = tinyTransformer(kind, placement: placement, norm: checkedNorms[norm]!, activation: activation)
            let (input, targets) = batch(kind)
            let errors = modelGradientErrors(model, input: input, targets: targets) { $0.backwardToInput($1) }
            #expect(errors.count == model.namedParameters.count + (kind == .classifier ? 1 : 0))
            for (name, error) in errors {
                #expect(error <= 1e-6, "\(kind) \(placement) \(norm) \(name): \(error)")
            }
        }
    }

    @Test(
        "with dropout, the gradient matches central differences taken under the same masks",
        arguments: TaskKind.allCases, TransformerConfiguration.Placement.allCases)
    func gradientsWithDropout(kind: TaskKind, placement: TransformerConfiguration.Placement) {
        let make = { tinyTransformer(kind, placement: placement, dropout: 0.3) }
        let (input, targets) = batch(kind)
        let model = make()
        let errors = modelGradientErrors(model, input: input, targets: targets, replica: make) {
            $0.backwardToInput($1)
        }
        // Every parameter (and the classifier's input), by name: a short list would pass the loop below unchecked.
        #expect(errors.map(\.name) == model.namedParameters.map(\.name) + (kind == .classifier ? ["input"] : []))
        for (name, error) in errors {
            #expect(error <= 1e-6, "\(kind) \(placement) \(name): \(error)")
        }
    }

    @Test("a pre-norm classifier's parameters and norms have the documented names, in order")
    func classifierNames() {
        let model = tinyTransformer(.classifier, placement: .preNorm)
        var expected = ["input.linear.weight", "input.linear.bias", "position_embedding.weight"]
        for block in 1...2 {
            let prefix = "block\(block)."
            for projection in ["query", "key", "value", "output"] {
                expected += [prefix + "attn.\(projection).weight", prefix + "attn.\(projection).bias"]
            }
            expected += [prefix + "attn_norm.gain", prefix + "attn_norm.bias"]
            expected += [prefix + "ffn.linear1.weight", prefix + "ffn.linear1.bias"]
            expected += [prefix + "ffn.linear2.weight", prefix + "ffn.linear2.bias"]
            expected += [prefix + "ffn_norm.gain", prefix + "ffn_norm.bias"]
        }
        expected += ["final_norm.gain", "final_norm.bias", "output.linear.weight", "output.linear.bias"]
        #expect(model.namedParameters.map(\.name) == expected)
        #expect(
            model.normLayers.map(\.name) == [
                "block1.attn_norm", "block1.ffn_norm", "block2.attn_norm", "block2.ffn_norm", "final_norm",
            ])
        let shape = { (name: String) -> [Int] in
            let value = model.namedParameters.first { $0.name == name }!.parameter.value
            return [value.rows, value.columns]
        }
        #expect(shape("input.linear.weight") == [8, 4])
        #expect(shape("position_embedding.weight") == [3, 8])
        #expect(shape("block2.ffn.linear1.weight") == [16, 8])
        #expect(shape("output.linear.weight") == [3, 8])
    }

    @Test("a post-norm language model has no final norm and names its embeddings")
    func languageModelNames() {
        let model = tinyTransformer(.languageModel, placement: .postNorm, norm: NormPreset.adaNorm.configuration)
        var expected = ["token_embedding.weight", "position_embedding.weight"]
        for block in 1...2 {
            let prefix = "block\(block)."
            for projection in ["query", "key", "value", "output"] {
                expected += [prefix + "attn.\(projection).weight", prefix + "attn.\(projection).bias"]
            }
            // AdaNorm has no gain or bias, so its norms contribute no parameters.
            expected += [prefix + "ffn.linear1.weight", prefix + "ffn.linear1.bias"]
            expected += [prefix + "ffn.linear2.weight", prefix + "ffn.linear2.bias"]
        }
        expected += ["output.linear.weight", "output.linear.bias"]
        #expect(model.namedParameters.map(\.name) == expected)
        #expect(
            model.normLayers.map(\.name) == [
                "block1.attn_norm", "block1.ffn_norm", "block2.attn_norm", "block2.ffn_norm",
            ])
        #expect(model.normLayers.allSatisfy { $0.layer.configuration == NormPreset.adaNorm.configuration })
        #expect(model.finalNorm == nil)
        #expect(model.namedParameters[0].parameter.value.rows == 7)
        #expect(model.namedParameters[1].parameter.value.rows == 6)
    }

    @Test("the same seed gives the same weights, a different seed different ones", arguments: TaskKind.allCases)
    func seeding(kind: TaskKind) {
        let a = tinyTransformer(kind, placement: .preNorm, dropout: 0.2, seed: 11)
        let b = tinyTransformer(kind, placement: .preNorm, dropout: 0.2, seed: 11)
        let c = tinyTransformer(kind, placement: .preNorm, dropout: 0.2, seed: 12)
        #expect(parameterValues(a) == parameterValues(b))
        // Every drawn parameter differs (the norms' γ and β are not drawn; the helper sets them from the seed).
        for (first, second) in zip(a.namedParameters, c.namedParameters) where !first.name.contains("norm") {
            #expect(first.parameter.value != second.parameter.value, "\(first.name)")
        }
        let input = batch(kind).input
        #expect(a.forward(input, mode: .training) == b.forward(input, mode: .training))
    }

    @Test(
        "evaluation is deterministic, while training with dropout samples a new mask each pass",
        arguments: TaskKind.allCases, TransformerConfiguration.Placement.allCases)
    func dropoutModes(kind: TaskKind, placement: TransformerConfiguration.Placement) {
        let model = tinyTransformer(kind, placement: placement, dropout: 0.3)
        let input = batch(kind).input
        let evaluation = model.forward(input, mode: .evaluation)
        #expect(model.forward(input, mode: .evaluation) == evaluation)
        let first = model.forward(input, mode: .training)
        #expect(first != evaluation)
        #expect(model.forward(input, mode: .training) != first)

        let noDropout = tinyTransformer(kind, placement: placement, dropout: 0)
        #expect(noDropout.forward(input, mode: .training) == noDropout.forward(input, mode: .evaluation))
    }

    @Test("Float and Double models from the same seed agree to 1e-4", arguments: TaskKind.allCases)
    func floatMatchesDouble(kind: TaskKind) {
        let configuration = TransformerConfiguration(
            task: kind == .classifier ? Self.classifierTask : Self.languageModelTask, modelWidth: 8, headCount: 2,
            ffnWidth: 16, layerCount: 2)
        let norm = NormPreset.adaNorm.configuration
        let double = Transformer<Double>(configuration: configuration, norm: norm, seed: 3)
        let float = Transformer<Float>(configuration: configuration, norm: norm, seed: 3)
        let (doubleLogits, floatLogits): (Matrix<Double>, Matrix<Float>)
        switch batch(kind).input {
        case .features(let x):
            (doubleLogits, floatLogits) = (
                double.forward(.features(x), mode: .evaluation), float.forward(.features(Matrix(x)), mode: .evaluation)
            )
        case .tokens(let ids, let length):
            (doubleLogits, floatLogits) = (
                double.forward(.tokens(ids, sequenceLength: length), mode: .evaluation),
                float.forward(.tokens(ids, sequenceLength: length), mode: .evaluation)
            )
        }
        #expect(gradientError(Matrix<Double>(floatLogits).scalars, doubleLogits.scalars) <= 1e-4)
    }

    @Test(
        "the language model is causal: a later token changes only its own and later logits",
        arguments: TransformerConfiguration.Placement.allCases)
    func causality(placement: TransformerConfiguration.Placement) {
        let model = tinyTransformer(.languageModel, placement: placement)
        let ids = [1, 4, 4, 0, 6, 3, 2, 5, 1, 1]
        var changed = ids
        changed[3] = 2  // position 3 of the first sequence
        let before = model.forward(.tokens(ids, sequenceLength: 5), mode: .evaluation)
        let after = model.forward(.tokens(changed, sequenceLength: 5), mode: .evaluation)
        #expect(before.rows == 10 && before.columns == 7)
        for row in 0..<3 { #expect(before.row(row) == after.row(row), "row \(row)") }
        for row in 3..<5 { #expect(before.row(row) != after.row(row), "row \(row)") }
        // The second sequence never sees the first.
        for row in 5..<10 { #expect(before.row(row) == after.row(row), "row \(row)") }
    }

    @Test("the classifier's examples are independent: changing one example's last token changes only its logits")
    func classifierExamplesAreIndependent() {
        let model = tinyTransformer(.classifier, placement: .postNorm)
        let x = sampleMatrix(3, 12, seed: 1, in: -2..<2, as: Double.self)
        var changed = x
        for column in 8..<12 { changed[0, column] += 0.5 }  // the third token of example 0
        let before = model.forward(.features(x), mode: .evaluation)
        let after = model.forward(.features(changed), mode: .evaluation)
        #expect(before.rows == 3 && before.columns == 3)
        #expect(before.row(0) != after.row(0))
        #expect(before.row(1) == after.row(1) && before.row(2) == after.row(2))
    }

    @Test("a language model's gradients reach only the embedding rows of the ids and positions it read")
    func embeddingGradientRows() {
        let model = tinyTransformer(.languageModel, placement: .preNorm)
        // Id 5 never occurs, and sequences of 5 leave position 5 of 6 unused.
        let ids = [1, 4, 4, 0, 6, 3, 2, 2, 1, 1]
        for (_, parameter) in model.namedParameters { parameter.zeroGradient() }
        let logits = model.forward(.tokens(ids, sequenceLength: 5), mode: .training)
        let gradLogits = SoftmaxCrossEntropy<Double>()(logits, targets: [4, 4, 0, 6, 2, 2, 2, 1, 1, 3]).gradLogits
        #expect(model.backwardToInput(gradLogits) == nil)
        let table = model.tokenEmbedding!.weight.gradient
        for id in 0..<7 {
            #expect(table.row(id).contains { $0 != 0 } == ids.contains(id), "id \(id)")
        }
        let positions = model.positionEmbedding.weight.gradient
        #expect(positions.row(4).contains { $0 != 0 })
        #expect(positions.row(5).allSatisfy { $0 == 0 })
    }
}
