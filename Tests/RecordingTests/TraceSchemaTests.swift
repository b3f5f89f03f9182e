import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("Trace schema")
struct TraceSchemaTests {
    @Test("a written trace is valid; doctored copies report what is missing or wrong, naming the object")
    func doctoredFiles() throws {
        #expect(PythonScript.canImport("h5py"), "h5py is missing: run the README's test command, which installs it")
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try TraceFixture.record(to: path, steps: 200)
        #expect(try TraceSchema.validate(path: path) == [])

        // Each doctoring is done by h5py on its own copy, so every problem is reported alone.
        let doctorings: [(String, String)] = [
            ("del f['runs/adanorm-seed0/evals']", "/runs/adanorm-seed0/evals: missing dataset"),
            (
                "del f['runs/layernorm-seed1/norms/final_norm/grad']",
                "/runs/layernorm-seed1/norms/final_norm/grad: missing dataset"
            ),
            ("del f.attrs['command_line']", "/: missing attribute 'command_line'"),
            ("f['runs/adanorm-seed0'].attrs['status'] = 'exploded'", "status is 'exploded'"),
            (
                "del f['runs/adanorm-seed0/steps']; f['runs/adanorm-seed0/steps'] = "
                    + "np.zeros(200, dtype=[('step', 'i8'), ('loss', 'f8')])",
                "/runs/adanorm-seed0/steps: missing fields learning_rate, grad_norm, seconds"
            ),
            ("f['runs/adanorm-seed0/step'].resize((150,))", "/runs/adanorm-seed0/step: has 150 entries"),
            (
                "f['runs/adanorm-seed0/norms/block1.ffn_norm/phi_edges'].attrs['x'] = 1; "
                    + "del f['runs/adanorm-seed0/norms/block1.ffn_norm/phi_hist']",
                "/runs/adanorm-seed0/norms/block1.ffn_norm/phi_hist: missing dataset"
            ),
        ]
        for (index, (edit, expected)) in doctorings.enumerated() {
            let copy = directory.file("doctored\(index).h5")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let output = try PythonScript.run(
                "import sys, h5py, numpy as np\nf = h5py.File(sys.argv[1], 'r+')\n\(edit)\nf.close()", arguments: [copy]
            )
            #expect(output.status == 0, "doctoring failed: \(output.standardError)")
            let problems = try TraceSchema.validate(path: copy)
            #expect(problems.contains { $0.contains(expected) }, "expected '\(expected)' among \(problems)")
        }
    }

    /// A format-2 trace of one run with typed settings and one layer sampling 2 raw rows at steps 0 and 2.
    private func recordRawTrace(_ path: String) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "r",
                attributes: ["momentum": .double(0.9), "hidden": .int64Array([4]), "norm_detach_mean": .bool(false)],
                normLayers: [NormLayerDescription(name: "n1", width: 4, rawRows: 2)]))
        for step in 0..<3 {
            let row = StepRow(step: Int64(step), loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0)
            try writer.append(step: row, norms: [NormStepRow(step: Int64(step))], to: run)
            if step % 2 == 0 {
                try writer.append(rawParts: [Float](repeating: 1, count: 32), layer: 0, step: Int64(step), to: run)
            }
        }
        try writer.finishRun(run, status: .completed, completedSteps: 3)
        try writer.close()
    }

    @Test("format 2: a setting of another kind and a raw_parts axis without its scale are problems; format 1 had both")
    func formatTwoChecks() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("raw.h5")
        try recordRawTrace(path)
        #expect(try TraceSchema.validate(path: path) == [])
        let layer = "f['runs/r/norms/n1']"
        let cases: [(String, String?)] = [
            (
                "f['runs/r'].attrs['momentum'] = '0.9'",
                "/runs/r: attribute 'momentum' holds string 0.9, expected float64"
            ),
            (
                "f['runs/r'].attrs['norm_detach_mean'] = 'false'",
                "attribute 'norm_detach_mean' holds string false, expected bool"
            ),
            ("f['runs/r'].attrs['hidden'] = '[4]'", "attribute 'hidden' holds string [4], expected int64 array"),
            ("del \(layer)['feature']", "/runs/r/norms/n1/feature: missing dataset"),
            (
                "\(layer)['raw_parts'].dims[2].detach_scale(\(layer)['row'])",
                "/runs/r/norms/n1/row: is not the dimension scale of axis 2 of raw_parts"
            ),
            ("del \(layer)['raw_step']", "/runs/r/norms/n1/raw_step: missing dataset"),
            // The same file as format 1 wrote it: settings as text, raw_parts labelled on axis 0 only.
            (
                "f.attrs['format_version'] = 1; f['runs/r'].attrs['momentum'] = '0.9'; "
                    + "f['runs/r'].attrs['norm_detach_mean'] = 'false'; f['runs/r'].attrs['hidden'] = '[4]'; "
                    + "[\(layer)['raw_parts'].dims[i].detach_scale(\(layer)[n]) "
                    + "for i, n in ((1, 'part'), (2, 'row'), (3, 'feature'))]; "
                    + "del \(layer)['part'], \(layer)['row'], \(layer)['feature']",
                nil
            ),
        ]
        for (index, (edit, expected)) in cases.enumerated() {
            let copy = directory.file("case\(index).h5")
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            let output = try PythonScript.run(
                "import sys, h5py, numpy as np\nf = h5py.File(sys.argv[1], 'r+')\n\(edit)\nf.close()",
                arguments: [copy])
            #expect(output.status == 0, "doctoring failed: \(output.standardError)")
            let problems = try TraceSchema.validate(path: copy)
            if let expected {
                #expect(problems.contains { $0.contains(expected) }, "expected '\(expected)' among \(problems)")
            } else {
                #expect(problems == [], "format 1: \(problems)")
            }
        }
    }

    @Test("another format version, or a file that is not a trace, is one problem")
    func otherVersions() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try TraceFixture.record(to: path, runs: 1, steps: 10)
        do {
            let file = try File.open(path, mode: .readWrite)
            try file.setAttribute(TraceFormat.Names.formatVersion, Int64(3))
            try file.close()
        }
        let problems = try TraceSchema.validate(path: path)
        #expect(problems.count == 1 && problems[0].contains("format_version is 3"), "\(problems)")

        let other = directory.file("other.h5")
        try File.create(other).close()
        #expect(try TraceSchema.validate(path: other) == ["/: missing attribute 'format'"])
    }
}
