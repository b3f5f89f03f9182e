import Foundation
import Layers
import Recording
import Tensors
import Training

/// One NormScope side of a workload: a model, its optimizer and one fixed batch, stepping as the trainer steps.
///
/// A step is the trainer's: its gradient half is the trainer's own code (`TrainingStep`), then the learning rate of
/// the step's schedule and the optimizer's update. Recording off, the norms measure nothing and nothing is written.
/// Recording on, the norms reduce their gradient parts to statistics (and Φ(y)'s histogram every `phiEvery` steps,
/// for AdaNorm), and the step row, one row per norm layer and the Φ records go through the trace writer, as in
/// `normscope record`.
package final class TrainingStepper {
    private let model: any Model<Float>
    private let parameters: [Parameter<Float>]
    private let norms: [NormLayer<Float>]
    private let optimizer: any Optimizer<Float>
    private let schedule: LearningRateSchedule
    private let loss: SoftmaxCrossEntropy<Float>
    private let clip: Double
    private let phiEvery: Int
    private let input: ModelInput<Float>
    private let targets: [Int]
    private let recorder: StepRecorder?
    private let start = ContinuousClock.now
    /// Steps taken so far.
    package private(set) var completedSteps = 0

    /// - Parameters:
    ///   - recorder: Where the rows go; nil for recording off, whose norms are then switched off.
    package init(
        model: any Model<Float>, optimizer: any Optimizer<Float>, schedule: LearningRateSchedule,
        loss: SoftmaxCrossEntropy<Float>, clip: Double, phiEvery: Int, input: ModelInput<Float>, targets: [Int],
        recorder: StepRecorder?
    ) {
        self.model = model
        parameters = model.namedParameters.map(\.parameter)
        norms = model.normLayers.map(\.layer)
        self.optimizer = optimizer
        self.schedule = schedule
        self.loss = loss
        self.clip = clip
        self.phiEvery = phiEvery
        self.input = input
        self.targets = targets
        self.recorder = recorder
        for layer in norms { layer.instrumentation = recorder == nil ? .off : .statistics }
    }

    /// The recorded trace, when recording.
    package var tracePath: String? { recorder?.path }

    package func step() throws {
        let step = completedSteps
        if recorder != nil {
            for layer in norms { layer.instrumentation.phiHistogram = step % phiEvery == 0 }
        }
        let (result, gradientNorm) = TrainingStep.gradients(
            of: model, loss: loss, input: input, targets: targets, parameters: parameters, clip: clip)
        let rate = schedule.learningRate(atStep: step)
        if let recorder {
            let row = StepRow(
                step: Int64(step), loss: result.loss, learningRate: rate, gradientNorm: gradientNorm,
                seconds: (ContinuousClock.now - start).inSeconds)
            try recorder.append(
                row, norms: NormProbe.rows(step: step, layers: norms), phi: NormProbe.phi(step: step, layers: norms))
        }
        optimizer.step(parameters, learningRate: rate)
        completedSteps += 1
    }

    /// Closes the trace, when recording.
    package func finish() throws {
        try recorder?.finish()
    }
}
