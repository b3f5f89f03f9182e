import Layers
import Recording
import Tensors

/// Builds a run's model, optimizer and schedule from its configuration.
///
/// Package access: `bench train` builds the char-LM exactly as `normscope record` does.
package enum ModelFactory {
    package static func make(_ c: RunConfiguration, data: RunData) throws -> any Model<Float> {
        let norm = try c.normConfiguration()
        let seed = UInt64(truncatingIfNeeded: c.seed)
        switch data {
        case .classification(let splits):
            if c.model == .transformer {
                let features = splits.train.featureCount
                // Cut each feature vector into tokens: 8 tokens when the width allows (the digits' 8 image rows).
                let tokens = features % 8 == 0 ? 8 : 1
                let configuration = TransformerConfiguration(
                    task: .classifier(
                        classCount: splits.train.classCount, inputWidth: features, sequenceLength: tokens),
                    modelWidth: c.width, headCount: c.heads, ffnWidth: c.ffn, layerCount: c.layers,
                    dropout: c.dropout, placement: PlacementKind.transformer(c.placement), activation: c.activation)
                return Transformer<Float>(configuration: configuration, norm: norm, seed: seed)
            }
            let configuration = MLPConfiguration(
                inputWidth: splits.train.featureCount, hiddenWidths: c.hidden, classCount: splits.train.classCount,
                activation: c.activation, dropout: c.dropout, normPlacement: PlacementKind.mlp(c.placement))
            return MLP<Float>(configuration: configuration, norm: norm, seed: seed)
        case .text(_, let vocabularySize):
            let configuration = TransformerConfiguration(
                task: .languageModel(vocabularySize: vocabularySize, maxLength: c.context),
                modelWidth: c.width, headCount: c.heads, ffnWidth: c.ffn, layerCount: c.layers,
                dropout: c.dropout, placement: PlacementKind.transformer(c.placement), activation: c.activation)
            return Transformer<Float>(configuration: configuration, norm: norm, seed: seed)
        }
    }

    package static func optimizer(_ c: RunConfiguration) throws -> any Optimizer<Float> {
        switch c.optimizer {
        case .sgd: return SGD<Float>(momentum: c.momentum, weightDecay: c.weightDecay)
        case .adamw: return Adam<Float>(weightDecay: .decoupled(rate: c.weightDecay))
        case .adam: return Adam<Float>(weightDecay: .l2(rate: c.weightDecay))
        }
    }

    package static func schedule(_ c: RunConfiguration) -> LearningRateSchedule {
        let decay: LearningRateSchedule.Decay
        switch c.schedule {
        case .inverseSqrt: decay = .inverseSquareRoot
        case .cosine: decay = .cosine(totalSteps: max(c.steps, c.warmup + 1), minimum: 0)
        case .constant: decay = .constant
        }
        return LearningRateSchedule(peak: c.lr, warmupSteps: c.warmup, initial: 0, decay: decay)
    }
}
