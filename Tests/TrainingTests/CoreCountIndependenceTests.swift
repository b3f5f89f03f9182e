import Layers
import Tensors
import Testing
import Training

/// A run's numbers must not depend on how many cores computed them (`record --jobs` gives each run one core, a lone
/// run takes them all): every kernel shared among tasks — products, attention's (sequence, head) pairs, the
/// loss's rows, the element-wise kernels, Adam — has to give the same bits for any split.
@Suite("Results independent of the core count")
struct CoreCountIndependenceTests {
    /// Two Adam steps of the char-LM at the record defaults' shapes (width 64, 4 heads, 2 layers, ffn 128), on 32
    /// sequences of 64 bytes: products, pairs and rows are all large enough to be split.
    private func trainedWeights(tasks: Int) -> [[Float]] {
        let saved = RowParallel.defaultTaskCount
        RowParallel.defaultTaskCount = tasks
        defer { RowParallel.defaultTaskCount = saved }
        let configuration = TransformerConfiguration(
            task: .languageModel(vocabularySize: 256, maxLength: 64), modelWidth: 64, headCount: 4, ffnWidth: 128,
            layerCount: 2)
        let model = Transformer<Float>(
            configuration: configuration, norm: NormPreset.adaNorm.configuration, instrumentation: .statistics, seed: 3)
        var random = SeededRandom(seed: 5)
        let tokens = (0..<(32 * 64)).map { _ in random.index(below: 256) }
        let targets = (0..<(32 * 64)).map { _ in random.index(below: 256) }
        let adam = Adam<Float>()
        var losses: [Float] = []
        for _ in 0..<2 {
            let result = SoftmaxCrossEntropy<Float>()(
                model.forward(.tokens(tokens, sequenceLength: 64), mode: .training), targets: targets)
            losses.append(Float(result.loss))
            model.backward(result.gradLogits)
            adam.step(model.namedParameters.map(\.parameter), learningRate: 1e-3)
        }
        return [losses] + model.namedParameters.map { $0.parameter.value.scalars }
    }

    @Test("two char-LM training steps give the same loss and weights, bit for bit, on one task and on two")
    func charLanguageModelSteps() {
        let one = trainedWeights(tasks: 1)
        let two = trainedWeights(tasks: 2)
        #expect(one.count == two.count)
        for (index, (a, b)) in zip(one, two).enumerated() {
            let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differing == 0, "tensor \(index): \(differing) of \(a.count) values differ")
        }
    }
}
