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
