import Layers
import Recording

/// Where a trainer sends what it measures: the trace writer in `normscope record`, an array in tests.
public protocol RunSink: AnyObject {
    /// A run starts; `normLayers` are the model's normalization layers in forward order, `priorLoss` the data's
    /// prior loss (``PriorLoss``; nil when unknown).
    func begin(id: String, configuration: RunConfiguration, normLayers: [NormLayerSummary], priorLoss: Double?) throws
    /// One training step: its scalars, one row per norm layer, and Φ(y) for adaptive layers on Φ steps.
    func step(_ row: StepRow, norms: [NormStepRow], phi: [PhiRecord]) throws
    /// Raw gradient parts of layer `layerIndex` at `step`: total, direct, re-centering, re-scaling of its first
    /// `rawRows` input rows.
    func raw(step: Int, layerIndex: Int, values: [Float]) throws
    /// One evaluation.
    func evaluation(_ row: EvaluationRow) throws
    /// The run ended.
    func finish(_ outcome: RunOutcome) throws
}

/// A model's normalization layer as the trace describes it.
public struct NormLayerSummary: Sendable, Equatable {
    /// The layer's stable name, such as `hidden1.norm`.
    public var name: String
    /// H.
    public var width: Int
    /// The Φ(y) histogram's bins, for adaptive layers.
    public var phiBins: PhiBins?
    /// Input rows sampled raw every `raw_every` steps (0: none).
    public var rawRows: Int = 0

    // Package access: `bench train` describes its recorded run as the trainer does.
    package init(name: String, width: Int, phiBins: PhiBins?, rawRows: Int = 0) {
        self.name = name
        self.width = width
        self.phiBins = phiBins
        self.rawRows = rawRows
    }
}

/// How a run ended: what the trainer reports to its sink and its caller (the trace records all but the seconds).
public struct RunOutcome: Sendable, Equatable {
    /// `completed`, `diverged` or `interrupted`.
    public var status: RunStatus
    /// Steps completed.
    public var completedSteps: Int
    /// The step whose loss or gradient was not finite, or whose loss passed the divergence threshold.
    public var divergedAtStep: Int?
    /// Why the run diverged (`loss 3.1e+29 above the divergence threshold 2302.6 (1000 × the first step's
    /// loss)`), for diverged runs.
    public var divergenceReason: String? = nil
    /// Wall-clock seconds.
    public var seconds: Double
}
