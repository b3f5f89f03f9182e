import Analysis
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("Trace inspector")
struct TraceInspectorTests {
    /// A one-run trace with one norm layer and three steps.
    private func writeTrace(_ path: String) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "layernorm-s0", attributes: ["preset": .string("layernorm")],
                normLayers: [NormLayerDescription(name: "hidden1.norm", width: 8)]))
        for step in 0..<3 {
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [NormStepRow(step: Int64(step))], to: run)
        }
        try writer.finishRun(run, status: .completed, completedSteps: 3)
        try writer.close()
    }

    @Test("a trace is shown as a tree with shapes, types and attributes, and validates")
    func validTrace() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        try writeTrace(path)
        let report = try TraceInspector().inspect(path: path)
        #expect(report.problems.isEmpty, "\(report.problems)")
        let text = report.text
        #expect(text.contains("runs/") && text.contains("layernorm-s0/") && text.contains("preset = layernorm"))
        #expect(text.contains("steps  compound{step,loss,learning_rate,grad_norm,seconds}[3]"))
        #expect(text.contains("hidden1.norm/") && text.contains("(dimension scale)"))
        #expect(text.hasSuffix("valid: trace format v1"))
    }

    @Test("a file that is HDF5 but not a trace is described, with what is missing")
    func notATrace() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("other.h5")
        let file = try File.create(path)
        _ = try file.createDataset("x", values: [1.0, 2.0])
        try file.close()
        let report = try TraceInspector().inspect(path: path)
        #expect(report.tree.contains { $0.contains("x  float64[2]") })
        #expect(!report.problems.isEmpty && report.text.contains("not a valid trace"))
    }

    @Test("a file that is not HDF5 is a typed error naming the file")
    func notHDF5() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("text.h5")
        try "hello".write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try TraceInspector().inspect(path: path)
        } throws: { error in
            "\(error)".contains("text.h5") && !"\(error)".contains("\n")
        }
    }
}
