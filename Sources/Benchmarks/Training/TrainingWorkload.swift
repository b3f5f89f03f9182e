/// A model that `normscope bench train` times on both sides: NormScope's step with recording off and with full
/// recording, and the same model's step in the PyTorch script of `analysis/`.
package protocol TrainingWorkload {
    /// The name `--model` takes: `mlp` or `char-lm`.
    var name: String { get }
    /// What is trained, for the table's heading.
    var title: String { get }
    /// The ratio NormScope / PyTorch of the median step that the workload aims for.
    var target: Double { get }
    /// The PyTorch script of the same model, relative to the repository's root.
    var torchScript: String { get }
    /// The script's options giving it this workload's shapes (its `--threads` and `--serve` are added).
    var torchArguments: [String] { get }

    /// Two sides with the same weights and batch: recording off, and recording into a new trace at `path`.
    func makeSteppers(recordingInto path: String) throws -> (off: TrainingStepper, recording: TrainingStepper)
}
