import Foundation
import Layers
import Recording
import Tensors
import Training

/// The character LM of `normscope record --model char-lm --dataset devils-dictionary` with its default settings,
/// built by the recorder's own code: the run settings parsed as `record` parses its flags (a sweep of one run),
/// the bundled text loaded and split as `record` loads it, and the model, optimizer, schedule, loss and clipping
/// the trainer uses.
///
/// Its batch is one batch of training windows of the text, the same for every step. (`record --model char-lm`
/// without `--dataset` refuses to start: the default dataset is the digits, which a language model cannot read.)
package struct CharLMWorkload: TrainingWorkload {
    /// The run's settings.
    package let configuration: RunConfiguration
    /// The distinct bytes of the text.
    package let vocabularySize: Int
    private let data: RunData

    /// - Parameter overrides: run keys set over `record`'s defaults, as a sweep file sets them (the tests make
    ///   the model small with them).
    package init(overrides: [String: Any] = [:]) throws {
        var settings: [String: Any] = ["model": ModelKind.charLM.rawValue, "dataset": "devils-dictionary"]
        settings.merge(overrides) { _, override in override }
        let sweep = try SweepConfiguration.parse(
            JSONSerialization.data(withJSONObject: settings), file: "bench train --model char-lm")
        configuration = try sweep.runs()[0]
        data = try RunData.load(configuration)
        guard case .text(_, let vocabularySize) = data else {
            preconditionFailure("RunData.load gives text for a char-lm run")
        }
        self.vocabularySize = vocabularySize
    }

    package var name: String { ModelKind.charLM.rawValue }
    package var title: String {
        let c = configuration
        return "char-LM \(c.layers) × \(c.placement ?? .pre)-norm block(s) of width \(c.width) (\(c.heads) heads, "
            + "ffn \(c.ffn)) + LayerNorm, \(c.batch) × \(c.context) bytes of \(c.dataset) (vocabulary "
            + "\(vocabularySize)), Adam"
    }
    package var target: Double { 0.8 }
    package var torchScript: String { "analysis/bench_torch_charlm.py" }
    package var torchArguments: [String] {
        let c = configuration
        return [
            "--vocab", "\(vocabularySize)", "--context", "\(c.context)", "--width", "\(c.width)", "--heads",
            "\(c.heads)", "--layers", "\(c.layers)", "--ffn", "\(c.ffn)", "--batch", "\(c.batch)", "--lr", "\(c.lr)",
            "--dropout", "\(c.dropout)", "--activation", c.activation.rawValue, "--placement",
            (c.placement ?? .pre).rawValue,
        ]
    }

    package func makeSteppers(recordingInto path: String) throws -> (off: TrainingStepper, recording: TrainingStepper) {
        let c = configuration
        var random = SeededRandom(seed: 7)
        var batches = BatchSource(data: data, configuration: c)
        let (input, targets) = batches.next(using: &random)
        func side(recordingInto path: String?) throws -> TrainingStepper {
            // Built from the same configuration and seed, both sides start from the same weights.
            let model = try ModelFactory.make(c, data: data)
            let recorder = try path.map { path in
                let layers = model.normLayers.map {
                    NormLayerSummary(name: $0.name, width: $0.layer.width, phiBins: $0.layer.phiBins)
                }
                return try StepRecorder(
                    path: path,
                    run: TraceWriterSink.describe(
                        id: c.runID(sweptKeys: []), configuration: c, normLayers: layers))
            }
            return TrainingStepper(
                model: model, optimizer: try ModelFactory.optimizer(c), schedule: ModelFactory.schedule(c),
                loss: SoftmaxCrossEntropy(labelSmoothing: c.labelSmoothing), clip: c.clip, phiEvery: c.phiEvery,
                input: input, targets: targets, recorder: recorder)
        }
        return (try side(recordingInto: nil), try side(recordingInto: path))
    }
}
