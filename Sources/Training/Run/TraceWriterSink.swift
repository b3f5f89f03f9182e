import Foundation
import HDF5
import Layers
import Recording

/// A ``RunSink`` that writes into a ``TraceWriter``, and remembers each run's evaluations for the closing summary.
///
/// Package access: `bench train` describes its recorded char-LM run exactly as `normscope record` does.
package final class TraceWriterSink: RunSink {
    private let writer: TraceWriter
    private var handle: RunHandle?
    private(set) var evaluations: [EvaluationRow] = []

    init(writer: TraceWriter) {
        self.writer = writer
    }

    package func begin(
        id: String, configuration: RunConfiguration, normLayers: [NormLayerSummary], priorLoss: Double?
    ) throws {
        handle = try writer.beginRun(
            Self.describe(id: id, configuration: configuration, normLayers: normLayers, priorLoss: priorLoss))
        evaluations = []
    }

    /// The run as the trace describes it: every setting as a typed attribute (trace format 2), the resolved
    /// normalization as `norm_*` attributes, the configuration as JSON, the layers, the data's prior loss.
    package static func describe(
        id: String, configuration: RunConfiguration, normLayers: [NormLayerSummary], priorLoss: Double? = nil
    ) throws -> RunDescription {
        var attributes = try SettingAttributes.of(configuration)
        let norm = try configuration.normConfiguration()
        attributes.merge(SettingAttributes.of(norm)) { _, resolved in resolved }
        // AdaNorm's C and k as the run used them, whether set or taken from the preset.
        if let a = norm.adaptive {
            attributes["adanorm_scale"] = .double(a.scale)
            attributes["adanorm_k"] = .double(a.slope)
        }
        let json = String(decoding: try JSONEncoder.sorted.encode(configuration), as: UTF8.self)
        return RunDescription(
            id: id, attributes: attributes, configurationJSON: json,
            normLayers: normLayers.map {
                NormLayerDescription(name: $0.name, width: $0.width, phiEdges: $0.phiBins?.edges, rawRows: $0.rawRows)
            }, priorLoss: priorLoss)
    }

    package func step(_ row: StepRow, norms: [NormStepRow], phi: [PhiRecord]) throws {
        try writer.append(step: row, norms: norms, phi: phi, to: handle!)
    }

    package func raw(step: Int, layerIndex: Int, values: [Float]) throws {
        try writer.append(rawParts: values, layer: layerIndex, step: Int64(step), to: handle!)
    }

    package func evaluation(_ row: EvaluationRow) throws {
        evaluations.append(row)
        try writer.append(evaluation: row, to: handle!)
    }

    package func finish(_ outcome: RunOutcome) throws {
        try writer.finishRun(
            handle!, status: outcome.status, divergedAtStep: outcome.divergedAtStep.map(Int64.init),
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
