import Foundation
import Layers
import Recording
import Tensors

/// Trains one run and reports every step, evaluation and norm layer's statistics to a ``RunSink``.
///
/// Per step: a minibatch forward in training mode, softmax cross-entropy, backward (every ``NormLayer`` reducing
/// its gradient parts to statistics on the way), the global gradient norm (and clipping), the optimizer update.
/// Every `eval_every` steps (and at the last step) the model is evaluated in evaluation mode (dropout off) on the
/// whole validation set and on a fixed training subset of the same size, so that the overfitting gap compares like
/// with like. A loss or gradient norm that is not finite, or a loss above the divergence threshold
/// (`divergence_loss`, by default 1000 × the first step's loss), marks the run diverged at that step, with the
/// reason, and ends it cleanly.
public final class Trainer {
    /// What a progress display gets after each step.
    public struct Progress: Sendable {
        /// The run's name in the trace.
        public var runID: String = ""
        public var step: Int
        public var steps: Int
        public var loss: Double
    }

    public let configuration: RunConfiguration
    public let id: String
    private let data: RunData
    /// The data's prior loss (``PriorLoss``), written as the run's `prior_loss` when it begins; nil when unknown.
    public let priorLoss: Double?
    private let model: any Model<Float>
    private let optimizer: any Optimizer<Float>
    private let schedule: LearningRateSchedule
    private let loss: SoftmaxCrossEntropy<Float>
    private var random: SeededRandom

    /// Prepares a run: loads and splits the data, builds the model and optimizer.
    ///
    /// - Parameters:
    ///   - configuration: The run's settings (validated).
    ///   - id: The run's name in the trace.
    public convenience init(configuration: RunConfiguration, id: String) throws {
        try configuration.validate()
        let data = try RunData.load(configuration)
        try self.init(
            configuration: configuration, id: id, data: data,
            priorLoss: PriorLoss.of(data, context: configuration.context))
    }

    /// - Parameter priorLoss: The data's prior loss, computed once per loaded dataset by the caller.
    init(configuration: RunConfiguration, id: String, data: RunData, priorLoss: Double?) throws {
        try configuration.validate()
        self.configuration = configuration
        self.id = id
        self.data = data
        self.priorLoss = priorLoss
        model = try ModelFactory.make(configuration, data: data)
        optimizer = try ModelFactory.optimizer(configuration)
        schedule = ModelFactory.schedule(configuration)
        loss = SoftmaxCrossEntropy(labelSmoothing: configuration.labelSmoothing)
        random = SeededRandom(seed: UInt64(truncatingIfNeeded: configuration.seed) &+ 0x5EED)
    }

    /// The model's normalization layers as the trace records them.
    public var normLayers: [NormLayerSummary] {
        model.normLayers.map {
            NormLayerSummary(
                name: $0.name, width: $0.layer.width, phiBins: $0.layer.phiBins,
                rawRows: configuration.rawEvery > 0 ? configuration.rawRows : 0)
        }
    }

    /// Runs every step, reporting to `sink`.
    ///
    /// - Parameters:
    ///   - sink: Receives the rows.
    ///   - shouldStop: Polled before each step; `true` ends the run as `interrupted` after the current step.
    ///   - progress: Called after each step.
    /// - Returns: How the run ended.
    @discardableResult
    public func run(
        into sink: any RunSink, shouldStop: () -> Bool = { false }, progress: (Progress) -> Void = { _ in }
    ) throws -> RunOutcome {
        let start = ContinuousClock.now
        func elapsed() -> Double { (ContinuousClock.now - start).inSeconds }
        try sink.begin(id: id, configuration: configuration, normLayers: normLayers, priorLoss: priorLoss)
        let parameters = model.namedParameters.map(\.parameter)
        let norms = model.normLayers.map(\.layer)
        var batches = BatchSource(data: data, configuration: configuration)
        let evaluation = EvaluationSets(data: data, configuration: configuration)
        var outcome = RunOutcome(status: .completed, completedSteps: 0, divergedAtStep: nil, seconds: 0)
        var threshold = DivergenceThreshold(configured: configuration.divergenceLoss)
        for step in 0..<configuration.steps {
            if shouldStop() {
                outcome.status = .interrupted
                break
            }
            let phiStep = step % configuration.phiEvery == 0
            let rawStep = configuration.rawEvery > 0 && step % configuration.rawEvery == 0
            for layer in norms {
                layer.instrumentation.phiHistogram = phiStep
                layer.instrumentation.keepsParts = rawStep
            }
            let (input, targets) = batches.next(using: &random)
            let (result, gradientNorm) = TrainingStep.gradients(
                of: model, loss: loss, input: input, targets: targets, parameters: parameters,
                clip: configuration.clip)
            let rate = schedule.learningRate(atStep: step)
            let row = StepRow(
                step: Int64(step), loss: result.loss, learningRate: rate, gradientNorm: gradientNorm, seconds: elapsed()
            )
            try sink.step(
                row, norms: NormProbe.rows(step: step, layers: norms), phi: NormProbe.phi(step: step, layers: norms))
            if rawStep && result.loss.isFinite {
                for (index, layer) in norms.enumerated() {
                    if let values = NormProbe.raw(layer, rows: configuration.rawRows) {
                        try sink.raw(step: step, layerIndex: index, values: values)
                    }
                }
            }
            if let reason = threshold.reason(loss: result.loss, gradientNorm: gradientNorm) {
                outcome.status = .diverged
                outcome.divergedAtStep = step
                outcome.divergenceReason = reason
                outcome.completedSteps = step
                break
            }
            optimizer.step(parameters, learningRate: rate)
            outcome.completedSteps = step + 1
            progress(Progress(runID: id, step: step + 1, steps: configuration.steps, loss: result.loss))
            if step % configuration.evalEvery == 0 || step == configuration.steps - 1 {
                try sink.evaluation(evaluate(evaluation, step: step))
            }
        }
        outcome.seconds = elapsed()
        try sink.finish(outcome)
        return outcome
    }

    /// Mean loss and accuracy on the fixed training subset, the validation set and the test set, in evaluation mode.
    private func evaluate(_ sets: EvaluationSets, step: Int) -> EvaluationRow {
        func measure(_ batches: [(ModelInput<Float>, [Int])]) -> (loss: Double, accuracy: Double) {
            var (total, correct, count) = (0.0, 0, 0)
            for (input, targets) in batches {
                let result = loss(model.forward(input, mode: .evaluation), targets: targets)
                total += result.loss * Double(result.countedRows)
                correct += result.correctCount
                count += result.countedRows
            }
            return count == 0 ? (.nan, .nan) : (total / Double(count), Double(correct) / Double(count))
        }
        let train = measure(sets.train)
        let valid = measure(sets.valid)
        let test = measure(sets.test)
        return EvaluationRow(
            step: Int64(step), trainLoss: train.loss, trainAccuracy: train.accuracy, validLoss: valid.loss,
            validAccuracy: valid.accuracy, testLoss: test.loss, testAccuracy: test.accuracy)
    }
}
