import Foundation
import HDF5
import Layers
import Recording

/// A ``RunSink`` that writes into a ``TraceWriter``, and remembers each run's evaluations for the closing summary.
final class TraceWriterSink: RunSink {
    private let writer: TraceWriter
    private var handle: RunHandle?
    private(set) var evaluations: [EvaluationRow] = []

    init(writer: TraceWriter) {
        self.writer = writer
    }

    func begin(id: String, configuration: RunConfiguration, normLayers: [NormLayerSummary]) throws {
        handle = try writer.beginRun(Self.describe(id: id, configuration: configuration, normLayers: normLayers))
        evaluations = []
    }

    /// The run as the trace describes it: every setting as an attribute, the configuration as JSON, the layers.
    static func describe(
        id: String, configuration: RunConfiguration, normLayers: [NormLayerSummary]
    ) throws -> RunDescription {
        var attributes: [String: AttributeValue] = [:]
        for (key, value) in try JSONSettings.flatten(configuration) {
            attributes[key] = .string(value)
        }
        // Numbers as numbers, so that analysis can group and compare without parsing.
        attributes["seed"] = .int64(Int64(configuration.seed))
        attributes["steps"] = .int64(Int64(configuration.steps))
        attributes["batch"] = .int64(Int64(configuration.batch))
        attributes["lr"] = .double(configuration.lr)
        attributes["eval_every"] = .int64(Int64(configuration.evalEvery))
        let norm = try configuration.normConfiguration()
        for (key, value) in norm.settings {
            attributes["norm_\(key)"] = .string(value)
        }
        attributes["norm_epsilon"] = .double(norm.epsilon)
        if let a = norm.adaptive {
            attributes["adanorm_scale"] = .double(a.scale)
            attributes["adanorm_k"] = .double(a.slope)
        }
        let json = String(decoding: try JSONEncoder.sorted.encode(configuration), as: UTF8.self)
        return RunDescription(
            id: id, attributes: attributes, configurationJSON: json,
            normLayers: normLayers.map {
                NormLayerDescription(name: $0.name, width: $0.width, phiEdges: $0.phiBins?.edges, rawRows: $0.rawRows)
            })
    }

    func step(_ row: StepRow, norms: [NormStepRow], phi: [PhiRecord]) throws {
        try writer.append(step: row, norms: norms, phi: phi, to: handle!)
    }

    func raw(step: Int, layerIndex: Int, values: [Float]) throws {
        try writer.append(rawParts: values, layer: layerIndex, step: Int64(step), to: handle!)
    }

    func evaluation(_ row: EvaluationRow) throws {
        evaluations.append(row)
        try writer.append(evaluation: row, to: handle!)
    }

    func finish(_ outcome: RunOutcome) throws {
        let status = RunStatus(rawValue: outcome.status) ?? .completed
        try writer.finishRun(
            handle!, status: status, divergedAtStep: outcome.divergedAtStep.map(Int64.init),
            divergenceReason: outcome.divergenceReason, completedSteps: Int64(outcome.completedSteps))
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same configuration always gives the same text.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
