import Layers
import Tensors

/// The gradient half of one training step — training forward pass, softmax cross-entropy, backward, the global
/// gradient norm (clipped when `clip` > 0) — shared by the trainer and `normscope bench train`, so the benchmark
/// times exactly the step `record` takes. A non-finite loss skips the backward pass and gives a NaN norm: the
/// trainer then records the divergence instead of updating.
package enum TrainingStep {
    package static func gradients(
        of model: any Model<Float>, loss: SoftmaxCrossEntropy<Float>, input: ModelInput<Float>, targets: [Int],
        parameters: [Parameter<Float>], clip: Double
    ) -> (result: SoftmaxCrossEntropy<Float>.Result, gradientNorm: Double) {
        let result = loss(model.forward(input, mode: .training), targets: targets)
        guard result.loss.isFinite else { return (result, .nan) }
        model.backward(result.gradLogits)
        let gradientNorm = GradientClipping.clipByGlobalNorm(parameters, maximumNorm: clip > 0 ? clip : .infinity)
        return (result, gradientNorm)
    }
}
