import Layers
import Recording
import Tensors
import Training

/// The MLP the project first compared with PyTorch: `depth` hidden layers of `width` with LayerNorm, input `width`,
/// 10 classes, a batch of `batch` rows, Adam at 1e-4, on one fixed batch of standard normal features.
package struct MLPWorkload: TrainingWorkload {
    package var width: Int
    package var depth: Int
    package var batch: Int

    /// 4 × 512, batch 256 by default: the shapes of `analysis/bench_torch_mlp.py`'s defaults.
    package init(width: Int = 512, depth: Int = 4, batch: Int = 256) {
        self.width = width
        self.depth = depth
        self.batch = batch
    }

    package var name: String { "mlp" }
    package var title: String { "MLP \(depth) × \(width) + LayerNorm, input \(width), batch \(batch), Adam" }
    package var target: Double { 1.0 }
    package var torchScript: String { "analysis/bench_torch_mlp.py" }
    package var torchArguments: [String] { ["--width", "\(width)", "--layers", "\(depth)", "--batch", "\(batch)"] }

    package func makeSteppers(recordingInto path: String) throws -> (off: TrainingStepper, recording: TrainingStepper) {
        let configuration = MLPConfiguration(
            inputWidth: width, hiddenWidths: Array(repeating: width, count: depth), classCount: 10)
        var random = SeededRandom(seed: 7)
        let x = Matrix<Float>(rows: batch, columns: width) { _, _ in Float(random.normal()) }
        let y = (0..<batch).map { _ in random.index(below: 10) }
        func side(recordingInto path: String?) throws -> TrainingStepper {
            // One seed for both sides: the same weights, so both do the same arithmetic on the same values.
            let model = MLP<Float>(configuration: configuration, norm: .layerNorm(), seed: 1)
            let recorder = try path.map { path in
                try StepRecorder(
                    path: path,
                    run: RunDescription(
                        id: "bench-mlp",
                        normLayers: model.normLayers.map {
                            NormLayerDescription(name: $0.name, width: $0.layer.width)
                        }))
            }
            return TrainingStepper(
                model: model, optimizer: Adam<Float>(), schedule: LearningRateSchedule(peak: 1e-4),
                loss: SoftmaxCrossEntropy(), clip: 0, phiEvery: 10, input: .features(x), targets: y,
                recorder: recorder)
        }
        return (try side(recordingInto: nil), try side(recordingInto: path))
    }
}
