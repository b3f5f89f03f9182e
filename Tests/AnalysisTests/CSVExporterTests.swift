import Analysis
import Foundation
import HDF5
import OutputFiles
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
        #expect(try lines("adanorm-s0.evals.csv")[1] == "1,0.5,1.0,0.75,0.9,0.25,nan,nan")
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

    @Test("tables longer than one read block are exported whole, in order, with no temporary file left")
    func longTables() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("long.h5")
        let writer = try TraceWriter(path: trace, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "ln-s0", attributes: ["preset": .string("layernorm")],
                normLayers: [NormLayerDescription(name: "n1", width: 4, phiEdges: [0, 1])]))
        let steps = 20_000  // more than two 8192-row blocks
        for step in 0..<steps {
            let phi =
                step % 2 == 0
                ? [
                    PhiRecord(
                        layerIndex: 0,
                        row: PhiStepRow(
                            step: Int64(step), mean: 2, standardDeviation: 0, minimum: 2, maximum: 2,
                            fractionNonPositive: 0, quantiles: Array(repeating: 2, count: 7)),
                        counts: [0, Int64(step), 1])
                ] : []
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [NormStepRow(step: Int64(step))], phi: phi, to: run)
        }
        try writer.finishRun(run, status: .completed, completedSteps: Int64(steps))
        try writer.close()
        let out = directory.file("csv")
        _ = try CSVExporter().export(trace: trace, to: out)
        let grad = try String(contentsOfFile: out + "/ln-s0.n1.grad.csv", encoding: .utf8).split(separator: "\n")
        #expect(grad.count == steps + 1 && grad.last?.hasPrefix("\(steps - 1),") == true)
        #expect(grad.dropFirst().enumerated().allSatisfy { index, line in line.hasPrefix("\(index),") })
        let histogram = try String(contentsOfFile: out + "/ln-s0.n1.phi_hist.csv", encoding: .utf8)
            .split(separator: "\n")
        #expect(histogram.count == steps / 2 + 1 && histogram.last == "\(steps - 2),0,\(steps - 2),1")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    /// A small valid trace: one run, two steps, one layer.
    private func writeSmallTrace(_ path: String) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "ln-s0", attributes: ["preset": .string("layernorm")],
                normLayers: [NormLayerDescription(name: "n1", width: 4)]))
        for step in 0..<2 {
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [NormStepRow(step: Int64(step))], to: run)
        }
        try writer.finishRun(run, status: .completed, completedSteps: 2)
        try writer.close()
    }

    /// Every entry below `path`, relative to it, sorted.
    private func entries(_ path: String) -> [String] {
        (FileManager.default.subpaths(atPath: path) ?? []).sorted()
    }

    @Test("a file that is not a trace: the error names it and no folder is created, nor the parents it needed")
    func notATrace() throws {
        let directory = TemporaryDirectory()
        let other = directory.file("other.h5")
        let file = try File.create(other)
        _ = try file.createDataset("x", values: [1.0])
        try file.close()
        let before = entries(directory.path)
        #expect {
            _ = try CSVExporter().export(trace: other, to: directory.file("a/b/csv"))
        } throws: { error in
            "\(error)".contains("other.h5") && "\(error)".contains("/runs")
        }
        #expect(entries(directory.path) == before)
    }

    @Test(
        "into an existing folder: its other files are kept, same-named files replaced only with force; a folder in the way is kept"
    )
    func existingFolder() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("t.h5")
        try writeSmallTrace(trace)
        let out = directory.file("csv")
        try FileManager.default.createDirectory(atPath: out + "/runs.csv", withIntermediateDirectories: true)
        try "keep me".write(toFile: out + "/runs.csv/inside.txt", atomically: true, encoding: .utf8)
        try "old steps".write(toFile: out + "/ln-s0.steps.csv", atomically: true, encoding: .utf8)
        try "old evals".write(toFile: out + "/ln-s0.evals.csv", atomically: true, encoding: .utf8)
        try "my notes".write(toFile: out + "/notes.txt", atomically: true, encoding: .utf8)
        let before = entries(directory.path)
        // A folder where a CSV goes is the user's: the export is refused and touches nothing, even with force.
        #expect {
            _ = try CSVExporter(force: true).export(trace: trace, to: out)
        } throws: { error in
            (error as? OutputError)?.reason == .isFolder
                && "\(error)".contains("runs.csv is a folder where a file of that name is to be written")
        }
        #expect(entries(directory.path) == before)
        #expect(try String(contentsOfFile: out + "/ln-s0.steps.csv", encoding: .utf8) == "old steps")

        try FileManager.default.removeItem(atPath: out + "/runs.csv")
        // Without force, both older files are named as one refusal, and nothing is written.
        let unchanged = entries(directory.path)
        #expect {
            _ = try CSVExporter().export(trace: trace, to: out)
        } throws: { error in
            (error as? OutputError)?.reason == .exists && "\(error)".contains("2 of the export's files exist there")
                && "\(error)".contains("add --force")
        }
        #expect(entries(directory.path) == unchanged)
        #expect(try String(contentsOfFile: out + "/ln-s0.steps.csv", encoding: .utf8) == "old steps")

        let files = try CSVExporter(force: true).export(trace: trace, to: out)
        #expect(
            files.map { ($0 as NSString).lastPathComponent } == [
                "ln-s0.evals.csv", "ln-s0.n1.grad.csv", "ln-s0.steps.csv", "runs.csv",
            ])
        #expect(try String(contentsOfFile: out + "/notes.txt", encoding: .utf8) == "my notes")
        #expect(try String(contentsOfFile: out + "/ln-s0.steps.csv", encoding: .utf8).hasPrefix("step,loss,"))
        #expect(entries(directory.path).allSatisfy { !$0.contains(".export-") && !$0.hasSuffix(".tmp") })
    }

    @Test("the trace is never exported over, by a hard link in the folder, even with force")
    func traceInFolder() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("t.h5")
        try writeSmallTrace(trace)
        let out = directory.file("csv")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try #require(link(trace, out + "/runs.csv") == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: trace))
        #expect {
            _ = try CSVExporter(force: true).export(trace: trace, to: out)
        } throws: { error in
            (error as? OutputError)?.reason == .isInput && "\(error)".contains("is the trace")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: trace)) == bytes)
        #expect(entries(out) == ["runs.csv"])
    }

    @Test("a new folder gets a new folder's mode (not mkdtemp's 0700); another export's staging folder is left alone")
    func uniqueStaging() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("t.h5")
        try writeSmallTrace(trace)
        // A leftover of a killed export with the old fixed-width name pattern is someone else's: kept as it is.
        let leftover = directory.file(".csv.export-abc123")
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: false)
        _ = try CSVExporter().export(trace: trace, to: directory.file("csv"))
        var status = stat()
        #expect(stat(directory.file("csv"), &status) == 0)
        let mask = umask(0o022)
        umask(mask)
        #expect(status.st_mode & 0o777 == 0o777 & ~mask)
        #expect(entries(directory.path).filter { $0.hasPrefix(".") } == [".csv.export-abc123"])
    }
}
