import Analysis
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("Trace inspector")
struct TraceInspectorTests {
    /// A one-run trace with one norm layer, `steps` steps and an evaluation every other step, finished as
    /// `status` with the counts given (by default the ones the rows agree with); the grad row of step
    /// `infiniteShareAt` holds `rescale_share = inf`, as a step whose gradient overflowed does.
    private func writeTrace(
        _ path: String, steps: Int = 3, status: RunStatus = .completed, completedSteps: Int64? = nil,
        divergedAt: Int64? = nil, infiniteShareAt: Int? = nil
    ) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "layernorm-s0", attributes: ["preset": .string("layernorm")],
                normLayers: [NormLayerDescription(name: "hidden1.norm", width: 8)]))
        for step in 0..<steps {
            var norm = NormStepRow(step: Int64(step))
            if step == infiniteShareAt { norm.rescalingShare = .infinity }
            try writer.append(
                step: StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0),
                norms: [norm], to: run)
            if step % 2 == 0 {
                try writer.append(
                    evaluation: EvaluationRow(
                        step: Int64(step), trainLoss: 0.5, trainAccuracy: 0.8, validLoss: 0.6, validAccuracy: 0.7),
                    to: run)
            }
        }
        try writer.finishRun(
            run, status: status, divergedAtStep: divergedAt, completedSteps: completedSteps ?? Int64(steps))
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
        #expect(text.contains("\nstructure valid: trace format v2\n"), "\(text)")
        // steps, step and grad hold 3 rows, evals and eval_step 2.
        #expect(text.hasSuffix("their values passed the checks (5 datasets, 13 rows; --data reads every chunk)"))
        #expect(report.isGood && !report.live && !text.contains("SWMR"))
        let full = try TraceInspector(options: .init(allData: true)).inspect(path: path)
        #expect(full.text.hasSuffix("data: every chunk read, every value passed the checks (5 datasets, 13 rows)"))
    }

    @Test("values no recorder writes, set by h5py, are named with their object and row; the structure stays valid")
    func impossibleValues() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let path = directory.file("values.h5")
        try writeTrace(path, steps: 12)
        let edit = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r+") as f:
                grad = f["runs/layernorm-s0/norms/hidden1.norm/grad"]
                rows = grad[()]
                rows["recenter_ratio"][7] = 7.7e299
                grad[...] = rows
                evals = f["runs/layernorm-s0/evals"]
                rows = evals[()]
                rows["valid_accuracy"][2] = 3
                evals[...] = rows
            """, arguments: [path])
        try #require(edit.status == 0, "\(edit.standardError)")
        let report = try TraceInspector(options: .init(allData: true)).inspect(path: path)
        #expect(report.problems.isEmpty && !report.isGood)
        let lines = report.data.damaged.map(\.description)
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines.contains {
                $0.contains("/runs/layernorm-s0/norms/hidden1.norm/grad: ") && $0.contains("recenter_ratio = 7.7e+299")
                    && $0.contains("at row 7")
            }, "\(lines)")
        #expect(
            lines.contains {
                $0.contains("/runs/layernorm-s0/evals: ") && $0.contains("valid_accuracy = 3")
                    && $0.contains("at row 2")
            }, "\(lines)")
        #expect(report.text.contains("data: 2 damaged objects") && report.text.contains("  - " + lines[0]))
    }

    @Test("tables shorter or longer than the run's status says are named: completed_steps, diverged_step + 1")
    func lengthsAgainstStatus() throws {
        let directory = TemporaryDirectory()
        let completed = directory.file("completed.h5")
        try writeTrace(completed, steps: 3, completedSteps: 5)
        let short = try TraceInspector(options: .init(allData: true)).inspect(path: completed).data.damaged
        #expect(short.map(\.object) == ["/runs/layernorm-s0/steps", "/runs/layernorm-s0/norms/hidden1.norm/grad"])
        #expect(
            short.allSatisfy { $0.problem.hasPrefix("3 rows, expected 5") && $0.problem.contains("completed_steps") })

        let diverged = directory.file("diverged.h5")
        try writeTrace(diverged, steps: 4, status: .diverged, completedSteps: 1, divergedAt: 1)
        let long = try TraceInspector(options: .init(allData: true)).inspect(path: diverged).data.damaged
        #expect(long.count == 2 && long.allSatisfy { $0.problem.hasPrefix("4 rows, expected 2") }, "\(long)")

        let fine = directory.file("fine.h5")
        try writeTrace(fine, steps: 4, status: .diverged, completedSteps: 3, divergedAt: 3)
        #expect(try TraceInspector(options: .init(allData: true)).inspect(path: fine).isGood)
    }

    @Test("inspect and analyze agree: a diverged run's inf at its divergence step is its record, before it damage")
    func divergedRows() throws {
        let directory = TemporaryDirectory()
        let grad = "/runs/layernorm-s0/norms/hidden1.norm/grad"
        for (name, infinityAt, damaged) in [("record.h5", 3, false), ("damage.h5", 2, true)] {
            let path = directory.file(name)
            try writeTrace(
                path, steps: 4, status: .diverged, completedSteps: 3, divergedAt: 3, infiniteShareAt: infinityAt)
            for allData in [false, true] {
                let report = try TraceInspector(options: .init(allData: allData)).inspect(path: path)
                #expect(report.isGood == !damaged, "\(name): \(report.data.text)")
                #expect(report.data.damaged.map(\.object) == (damaged ? [grad] : []))
                // The steps and grad rows of step 3 are the divergence's record, and the verdict says so.
                #expect(report.data.divergenceRows == 2)
                #expect(
                    report.data.text.contains(
                        "the values of 2 rows at diverged runs' divergence steps are their "
                            + "record, not checked"))
            }
            // The helper's run has no seed attribute, which analyze lists (`…@seed`); the rows are what is compared.
            let analyzed = try TraceSummary(paths: [path]).damaged.filter { !$0.object.contains("@") }
            #expect(analyzed.map(\.object) == (damaged ? [grad] : []), "\(name): \(analyzed)")
        }
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
