import Analysis
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("CSV export")
struct CSVExporterTests {
    @Test("every table becomes a CSV with a header row and the recorded values; Φ histograms one column per slot")
    func export() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("t.h5")
        let writer = try TraceWriter(path: trace, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "adanorm-s0", attributes: ["preset": .string("adanorm")],
                normLayers: [NormLayerDescription(name: "hidden1.norm", width: 4, phiEdges: [0, 1, 2])]))
        for step in 0..<2 {
            var norm = NormStepRow(step: Int64(step))
            norm.rescaleRatio = 0.5 + Double(step)
            let phi = PhiRecord(
                layerIndex: 0,
                row: PhiStepRow(
                    step: Int64(step), mean: 2, standardDeviation: 0.1, minimum: 1, maximum: 3, fractionNonPositive: 0,
                    quantiles: [1, 1, 2, 2, 2, 3, 3]),
                counts: [0, 1, 2, 1])
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1.25, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [norm], phi: [phi], to: run)
        }
        try writer.append(
            evaluation: EvaluationRow(step: 1, trainLoss: 0.5, trainAccuracy: 1, validLoss: 0.75, validAccuracy: 0.9),
            to: run)
        try writer.finishRun(run, status: .completed, completedSteps: 2)
        try writer.close()

        let out = directory.file("csv")
        let files = try CSVExporter().export(trace: trace, to: out).map { ($0 as NSString).lastPathComponent }
        #expect(
            files == [
                "adanorm-s0.evals.csv", "adanorm-s0.hidden1.norm.grad.csv", "adanorm-s0.hidden1.norm.phi.csv",
                "adanorm-s0.hidden1.norm.phi_hist.csv", "adanorm-s0.steps.csv", "runs.csv",
            ])
        func lines(_ name: String) throws -> [String] {
            try String(contentsOfFile: out + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        #expect(
            try lines("adanorm-s0.steps.csv") == [
                "step,loss,learning_rate,grad_norm,seconds", "0,1.25,0.1,1.0,0.0", "1,1.25,0.1,1.0,0.0",
            ])
        #expect(try lines("adanorm-s0.evals.csv")[1] == "1,0.5,1.0,0.75,0.9,0.25")
        let grad = try lines("adanorm-s0.hidden1.norm.grad.csv")
        let column = try #require(grad[0].split(separator: ",").firstIndex(of: "rescale_ratio"))
        #expect(grad[2].split(separator: ",")[column] == "1.5" && grad[1].contains("nan"))
        #expect(
            try lines("adanorm-s0.hidden1.norm.phi_hist.csv") == [
                "step,below,from_0.0,from_1.0,from_2.0", "0,0,1,2,1", "1,0,1,2,1",
            ])
        let runs = try lines("runs.csv")
        #expect(
            runs.count == 2 && runs[0].hasPrefix("run,") && runs[1].hasPrefix("adanorm-s0,")
                && runs[1].contains("completed"))
    }
}
