import Foundation
import TestSupport
import Testing

/// `normscope analyze` on copies of a real recorded trace damaged the ways a researcher's files get damaged: each
/// damaged object is named under `damaged` (or `missing` when it cannot be read at all), its impossible values are
/// left out of every number, and nothing impossible is printed.
@Suite("analyze: damaged values", .serialized)
struct AnalyzeDamageTests {
    let executable = ChildProcess.builtProduct("normscope")
    static let directory = TemporaryDirectory(prefix: "normscope-damage")

    /// One small recording (layernorm and adanorm, 40 steps, Φ every 5) shared by the tests.
    static let trace: Result<String, any Error> = Result {
        let path = directory.file("base.h5")
        let config = directory.file("sweep.json")
        try #"{"hidden": [16, 16], "batch": 16, "eval_every": 10, "phi_every": 5, "steps": 40}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        guard let binary = ChildProcess.builtProduct("normscope") else { throw CocoaError(.fileNoSuchFile) }
        let output = try ChildProcess.run(
            binary,
            arguments: ["record", "--config", config, "--presets", "layernorm,adanorm", "--quiet", "--out", path])
        guard output.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": output.standardError]) }
        return path
    }

    /// A copy of the trace with `edit` (Python; `f` is the file opened `r+` with h5py, `np` is NumPy) applied, then
    /// `analyze --format json` on it: the document, after checking that the command exited 0 with nothing on
    /// standard error but notes.
    private func analyzeDamaged(_ name: String, _ edit: String, of base: String? = nil) throws -> [String: Any] {
        let source = try base ?? Self.trace.get()
        let copy = Self.directory.file(name + ".h5")
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: source, toPath: copy)
        let script = "import sys, h5py, numpy as np\nf = h5py.File(sys.argv[1], 'r+')\n" + edit + "\nf.close()\n"
        let edited = try PythonScript.run(script, arguments: [copy])
        try #require(edited.status == 0, "h5py edit failed: \(edited.standardError)")
        let output = try ChildProcess.run(try #require(executable), arguments: ["analyze", copy, "--format", "json"])
        #expect(output.status == 0, "\(output.standardError)")
        #expect(!output.standardError.contains("Fatal error") && !output.standardError.contains("HDF5-DIAG"))
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        Self.expectNothingImpossible(document)
        return document
    }

    /// Every number in the document is finite and within what its key allows.
    static func expectNothingImpossible(_ value: Any, path: String = "") {
        if let object = value as? [String: Any] {
            for (key, inner) in object { expectNothingImpossible(inner, path: path + "." + key) }
        } else if let array = value as? [Any] {
            for (index, inner) in array.enumerated() { expectNothingImpossible(inner, path: path + "[\(index)]") }
        } else if let number = value as? Double, !(value is Bool) {
            let key = path.split(separator: ".").last.map(String.init) ?? ""
            #expect(number.isFinite && abs(number) < 1e12, "\(path) = \(number)")
            if key.contains("ratio") || key.contains("norm") || key.hasSuffix("_share") || key.contains("rowvar") {
                #expect(number >= 0, "\(path) = \(number)")
            }
            if key.contains("accuracy") || key.contains("fraction") { #expect((0...1).contains(number), "\(path)") }
        }
    }

    private func damaged(_ document: [String: Any]) -> [[String: Any]] {
        document["damaged"] as? [[String: Any]] ?? []
    }

    private func layer(_ document: [String: Any], run: String, _ name: String) -> [String: Any]? {
        ((document["layers"] as? [String: Any])?[run] as? [[String: Any]])?.first { $0["layer"] as? String == name }
    }

    @Test("the undamaged trace has no damaged entries (the checks fit what the recorder writes)")
    func clean() throws {
        let document = try analyzeDamaged("clean", "pass")
        #expect(damaged(document).isEmpty, "\(damaged(document))")
        #expect((document["missing"] as? [Any])?.isEmpty == true)
    }

    @Test("a flipped exponent in recenter_ratio is named with its row and left out of the means")
    func hugeRatio() throws {
        let document = try analyzeDamaged(
            "huge-ratio",
            """
            d = f['runs/layernorm-s0/norms/hidden1.norm/grad']; a = d[()]
            a['recenter_ratio'][37] = 7.7e299; d[...] = a
            """)
        let entry = try #require(damaged(document).first)
        #expect(damaged(document).count == 1)
        #expect((entry["object"] as? String) == "/runs/layernorm-s0/norms/hidden1.norm/grad")
        #expect((entry["problem"] as? String)?.contains("recenter_ratio = 7.7e+299") == true, "\(entry)")
        #expect((entry["problem"] as? String)?.contains("row 37") == true && entry["rows"] as? Int == 1)
        let late = try #require(layer(document, run: "layernorm-s0", "hidden1.norm")?["late"] as? [String: Any])
        #expect((late["recenter_ratio"] as? Double).map { $0 < 1e-6 } == true, "\(late)")
        #expect(late["steps"] as? Int == 3)
    }

    @Test("a grad table shrunk to 5 rows beside 40 steps is set aside, not summarized over 5 steps")
    func shrunkGrad() throws {
        let document = try analyzeDamaged("shrunk", "f['runs/adanorm-s0/norms/hidden2.norm/grad'].resize((5,))")
        let entry = try #require(damaged(document).first { ($0["object"] as? String)?.hasSuffix("hidden2.norm/grad") == true })
        #expect((entry["problem"] as? String)?.contains("5 rows for the run's 40 steps") == true, "\(entry)")
        #expect(layer(document, run: "adanorm-s0", "hidden2.norm") == nil)
        #expect(layer(document, run: "adanorm-s0", "hidden1.norm") != nil)
    }

    @Test("a grad chunk with bytes overwritten is listed as missing in one line naming its rows; the rest is analyzed")
    func damagedChunk() throws {
        let grad = "/runs/layernorm-s0/norms/hidden1.norm/grad"
        let document = try analyzeDamaged(
            "chunk",
            """
            info = f['\(grad)'].id.get_chunk_info(0)
            with open(sys.argv[1], 'r+b') as raw:
                raw.seek(info.byte_offset + info.size // 2); raw.write(bytes(64))
            """)
        let missing = document["missing"] as? [String] ?? []
        #expect(
            missing.contains {
                $0.contains(
                    "chunk.h5: \(grad): rows 0..<40 of 40 unreadable: the chunk of rows 0..<1024 does not decode (")
                    && !$0.contains("\n")
            }, "\(missing)")
        #expect(layer(document, run: "layernorm-s0", "hidden1.norm") == nil)
        #expect(layer(document, run: "layernorm-s0", "hidden2.norm") != nil)
        #expect((document["runs"] as? [Any])?.count == 2)
    }

    @Test("a deleted steps table and one rewritten as float64 are listed; the rest is analyzed")
    func stepsTable() throws {
        let deleted = try analyzeDamaged("no-steps", "del f['runs/layernorm-s0/steps']")
        let missing = deleted["missing"] as? [String] ?? []
        #expect(missing.contains { $0.contains("/runs/layernorm-s0/steps") }, "\(missing)")
        let retyped = try analyzeDamaged(
            "float-steps", "del f['runs/layernorm-s0/steps']\nf['runs/layernorm-s0'].create_dataset('steps', data=np.zeros(40))")
        let listed = (retyped["missing"] as? [String] ?? []) + damaged(retyped).compactMap { $0["object"] as? String }
        #expect(listed.contains { $0.contains("/runs/layernorm-s0/steps") }, "\(listed)")
        #expect((retyped["runs"] as? [Any])?.count == 2)
    }

    @Test("inf in steps.loss, an accuracy of 3 and a gap that is not valid − train are named")
    func stepAndEvaluationValues() throws {
        let document = try analyzeDamaged(
            "values",
            """
            d = f['runs/layernorm-s0/steps']; a = d[()]; a['loss'][12] = np.inf; d[...] = a
            e = f['runs/adanorm-s0/evals']; b = e[()]; b['valid_accuracy'][2] = 3; b['gap'][1] = 5; e[...] = b
            """)
        let problems = damaged(document).map { "\($0["object"] ?? "") \($0["problem"] ?? "")" }
        #expect(problems.contains { $0.contains("layernorm-s0/steps") && $0.contains("loss = inf") }, "\(problems)")
        #expect(problems.contains { $0.contains("adanorm-s0/evals") && $0.contains("(first of 2)") }, "\(problems)")
    }

    @Test("phi_step rewritten as a 2-D dataset costs the layer its heat map, not the run (it was a Swift trap)")
    func twoDimensionalSteps() throws {
        let document = try analyzeDamaged(
            "phi-step-2d",
            """
            g = f['runs/adanorm-s0/norms/hidden2.norm']; steps = g['phi_step'][()]; del g['phi_step']
            g.create_dataset('phi_step', data=np.stack([steps, steps], axis=1))
            """)
        let missing = document["missing"] as? [String] ?? []
        #expect(missing.contains { $0.contains("hidden2.norm/phi_step") && $0.contains("one-dimensional") }, "\(missing)")
        #expect(layer(document, run: "adanorm-s0", "hidden2.norm")?["phi"] != nil)
    }

    @Test("a status attribute of the wrong type is damage, not a silent 'unknown'")
    func statusType() throws {
        let document = try analyzeDamaged("status", "f['runs/adanorm-s0'].attrs['status'] = 3")
        let entry = try #require(damaged(document).first { ($0["object"] as? String)?.hasSuffix("@status") == true })
        #expect((entry["problem"] as? String)?.contains("expected a string") == true, "\(entry)")
        let notes = document["notes"] as? [String] ?? []
        #expect(notes.contains { $0.contains("adanorm-s0 has no readable status") })
    }

    @Test("a damaged norm setting (format 2: not a bool; format 1: not true/false) costs the run its Theorem 1 checks")
    func normalizationSetting() throws {
        // Format 2 stores it as a bool: format 1's text form is a damaged attribute there.
        let document = try analyzeDamaged(
            "norm-setting", "f['runs/layernorm-s0'].attrs['norm_detach_mean'] = 'false'")
        let entry = try #require(
            damaged(document).first { ($0["object"] as? String)?.hasSuffix("@norm_detach_mean") == true })
        #expect((entry["problem"] as? String)?.contains("holds string false (expected a bool)") == true, "\(entry)")
        let checks = document["theorem_checks"] as? [[String: Any]] ?? []
        #expect(!checks.contains { $0["group"] as? String == "layernorm" })
        #expect(checks.contains { $0["group"] as? String == "adanorm" })

        // Format 1 (the reference trace) stores them as text: valid there, and a damaged one costs the checks too.
        let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path
        let intact = try analyzeDamaged("format1-intact", "assert f.attrs['format_version'] == 1", of: reference)
        let groups = { (document: [String: Any]) in
            Set((document["theorem_checks"] as? [[String: Any]] ?? []).compactMap { $0["group"] as? String })
        }
        #expect(groups(intact) == ["adanorm", "detachnorm", "layernorm", "layernorm-simple"], "\(groups(intact))")
        #expect(damaged(intact).isEmpty, "\(damaged(intact))")
        let format1 = try analyzeDamaged(
            "format1-damaged", "f['runs/layernorm-s0'].attrs['norm_detach_mean'] = 'trxe'", of: reference)
        let format1Entry = try #require(
            damaged(format1).first { ($0["object"] as? String)?.hasSuffix("@norm_detach_mean") == true })
        #expect((format1Entry["problem"] as? String)?.contains("= 'trxe' (expected false or true)") == true)
        #expect(!groups(format1).contains("layernorm") && groups(format1).contains("adanorm"))
    }

    @Test("inf or 8e206 in phi.mean and a negative histogram count are left out; Theorem 1 says how many")
    func phiValues() throws {
        let document = try analyzeDamaged(
            "phi",
            """
            p = f['runs/adanorm-s0/norms/hidden1.norm/phi']; a = p[()]; a['mean'][2] = np.inf; a['mean'][5] = 8e206
            p[...] = a
            h = f['runs/adanorm-s0/norms/hidden1.norm/phi_hist']; c = h[()]; c[3, 4] = -7; h[...] = c
            """)
        let objects = damaged(document).compactMap { $0["object"] as? String }
        #expect(objects.contains("/runs/adanorm-s0/norms/hidden1.norm/phi"), "\(objects)")
        #expect(objects.contains("/runs/adanorm-s0/norms/hidden1.norm/phi_hist"), "\(objects)")
        let checks = document["theorem_checks"] as? [[String: Any]] ?? []
        let phi = try #require(checks.first { $0["measure"] as? String == "|mean(Φ) − C|" })
        #expect(phi["excluded_steps"] as? Int == 2 && phi["steps"] as? Int == 14, "\(phi)")
        #expect(phi["steps_holding"] as? Int == 14)
    }
}
