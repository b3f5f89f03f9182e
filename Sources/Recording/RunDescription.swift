import Foundation
import HDF5

/// Everything a trace records about one run before its first step: its name, every setting that made it, its full
/// configuration, and the normalization layers whose statistics it will append.
///
/// ```swift
/// let run = RunDescription(
///     id: "adanorm-seed0",
///     attributes: ["preset": .string("adanorm"), "seed": .int64(0), "lr": .double(1e-3), "C": .double(2)],
///     configurationJSON: #"{"preset": "adanorm", "seed": 0}"#,
///     normLayers: [NormLayerDescription(name: "block1.attn_norm", width: 64, phiEdges: edges)])
/// ```
public struct RunDescription: Sendable, Equatable {
    /// The run's group name under `/runs`, for example `"adanorm-seed0"`. Not empty, no `/`, not `.` or `..`.
    public var id: String
    /// Every setting of the run (preset, seed, lr, C, k, epsilon, convention, model, dataset…), each written as an
    /// attribute of the run's group so h5py's `run.attrs` lists them. Names must not collide with the attributes the
    /// writer owns (`TraceFormat.runAttributeNames`).
    public var attributes: [String: AttributeValue]
    /// The run's full configuration as JSON text, stored in the run's `config` attribute.
    public var configurationJSON: String
    /// The model's normalization layers, in model order: `append(step:norms:…)` takes one row per layer in this order.
    public var normLayers: [NormLayerDescription]
    /// The data's prior loss (`prior_loss`), written with the run's other attributes when it begins, so an
    /// interrupted run has it too; nil when the recorder does not know it.
    public var priorLoss: Double?

    /// - Parameters:
    ///   - id: the run's group name under `/runs`.
    ///   - attributes: every setting of the run, written as attributes.
    ///   - configurationJSON: the run's full configuration as JSON text.
    ///   - normLayers: the normalization layers, in model order.
    public init(
        id: String, attributes: [String: AttributeValue] = [:], configurationJSON: String = "{}",
        normLayers: [NormLayerDescription] = [], priorLoss: Double? = nil
    ) {
        self.id = id
        self.attributes = attributes
        self.configurationJSON = configurationJSON
        self.normLayers = normLayers
        self.priorLoss = priorLoss
    }
}

/// One instrumented normalization layer of a run: `runs/<run>/norms/<name>/` in the trace.
public struct NormLayerDescription: Sendable, Equatable {
    /// The layer's name, used as its group name as it is (dots allowed): `"block1.attn_norm"`. Not empty, no `/`.
    public var name: String
    /// The feature width H the layer normalizes over.
    public var width: Int
    /// The `bins + 1` increasing edges of the Φ(y) histogram for an adaptive layer (AdaNorm), or nil when the layer
    /// records no Φ.
    public var phiEdges: [Double]?

    /// - Parameters:
    ///   - name: the layer's name (its group name in the trace).
    ///   - width: the feature width H.
    ///   - phiEdges: the Φ histogram's bin edges for an adaptive layer, nil otherwise.
    /// The number of input rows whose raw gradient parts are sampled (0: no raw samples).
    public var rawRows: Int

    public init(name: String, width: Int, phiEdges: [Double]? = nil, rawRows: Int = 0) {
        self.name = name
        self.width = width
        self.phiEdges = phiEdges
        self.rawRows = rawRows
    }

    /// Whether the layer records Φ(y) (`phi`, `phi_hist` and `phi_edges` exist in its group).
    public var hasPhi: Bool { phiEdges != nil }

    /// Columns of a `phi_hist` row: one below the first edge, one per bin, one at or above the last edge.
    public var phiHistogramWidth: Int? { phiEdges.map { $0.count + 1 } }
}

/// How a run ended, stored in its `status` attribute.
public enum RunStatus: String, Sendable, CaseIterable {
    /// Begun and not finished: the run is being recorded, or its recorder died (the file holds every step up to the
    /// last flush).
    case running
    /// Trained for every configured step.
    case completed
    /// Stopped because the loss became NaN or infinite (or exceeded the divergence threshold); `diverged_step` says
    /// when.
    case diverged
    /// Stopped early by the user (SIGINT/SIGTERM) or because the writer was closed before the run was finished.
    case interrupted
}

/// A run begun on a `TraceWriter`: what `append` and `finishRun` take to say which run a row belongs to.
public struct RunHandle: Sendable, Hashable {
    /// The run's group name under `/runs`.
    public let id: String
    /// The run's position among the writer's runs.
    let index: Int
    /// The writer that began the run, so a handle cannot be used with another writer.
    let writerID: ObjectIdentifier
    /// The number of normalization layers (rows `append(step:norms:…)` expects).
    let layerCount: Int
    /// Per layer, the number of `phi_hist` columns, or nil when it has no Φ.
    let phiHistogramWidths: [Int?]
    let rawSizes: [Int]
}

/// One layer's Φ(y) record for one step: a row of `phi` and the matching row of `phi_hist`.
public struct PhiRecord: Sendable, Equatable {
    /// The layer's position in `RunDescription.normLayers`; the layer must have `phiEdges`.
    public var layerIndex: Int
    /// The summary row (its `step` is the row's coordinate).
    public var row: PhiStepRow
    /// `bins + 2` counts: elements below the first edge, in each bin, at or above the last edge.
    public var counts: [Int64]

    /// - Parameters:
    ///   - layerIndex: the layer's position in `RunDescription.normLayers`.
    ///   - row: the Φ summary row.
    ///   - counts: `bins + 2` counts (below, each bin, above).
    public init(layerIndex: Int, row: PhiStepRow, counts: [Int64]) {
        self.layerIndex = layerIndex
        self.row = row
        self.counts = counts
    }
}

// MARK: - Validation

extension RunDescription {
    /// Attributes the writer sets itself on every run group.
    static var reservedAttributes: Set<String> { TraceFormat.runAttributeNames }

    /// The first problem that would make this description unwritable, as a sentence, or nil.
    var problem: String? {
        if let problem = Self.nameProblem(id, what: "run id") { return problem }
        for key in attributes.keys.sorted() {
            if key.isEmpty { return "run '\(id)' has an attribute with an empty name" }
            if Self.reservedAttributes.contains(key) {
                return "run '\(id)': attribute '\(key)' is written by the trace writer itself; rename the setting"
            }
        }
        if let priorLoss, !(priorLoss.isFinite && priorLoss > 0) {
            return "run '\(id)': prior loss \(priorLoss) is not a finite positive loss"
        }
        if !Self.isJSON(configurationJSON) { return "run '\(id)': configurationJSON is not valid JSON" }
        var seen = Set<String>()
        for layer in normLayers {
            if let problem = Self.nameProblem(layer.name, what: "layer name") { return "run '\(id)': \(problem)" }
            if !seen.insert(layer.name).inserted { return "run '\(id)': layer '\(layer.name)' is listed twice" }
            if layer.width <= 0 { return "run '\(id)': layer '\(layer.name)' has width \(layer.width)" }
            if let edges = layer.phiEdges {
                let increasing = zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 }
                if edges.count < 2 || !increasing || !edges.allSatisfy(\.isFinite) {
                    return "run '\(id)': layer '\(layer.name)' needs at least 2 finite increasing Φ edges, got \(edges)"
                }
            }
        }
        return nil
    }

    /// Why `name` cannot be an HDF5 link name of ours, or nil. Dots are fine: HDF5 only reserves `/` (and `.`
    /// alone means the group itself).
    static func nameProblem(_ name: String, what: String) -> String? {
        if name.isEmpty { return "the \(what) is empty" }
        if name.contains("/") { return "the \(what) '\(name)' contains '/', which HDF5 reads as a group separator" }
        if name == "." || name == ".." { return "the \(what) '\(name)' is not a usable group name" }
        return nil
    }

    /// Whether `text` parses as JSON (any top-level value).
    static func isJSON(_ text: String) -> Bool {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            return true
        } catch {
            return false
        }
    }
}
