import Foundation
import TestSupport
import Testing

/// The trace's one declaration seen from outside: the schema the Python package reads is what `normscope schema`
/// prints, and every value the recorder writes reads back as valid.
@Suite("The trace declaration, end to end", .serialized)
struct TraceDeclarationCLITests {
    let executable = ChildProcess.builtProduct("normscope")

    private func normscope(_ arguments: [String]) throws -> ChildProcess.Output {
        try ChildProcess.run(try #require(executable), arguments: arguments)
    }

    /// The declaration as exported, parsed.
    private func schema() throws -> [String: Any] {
        let output = try normscope(["schema"])
        try #require(output.status == 0, "\(output.standardError)")
        return try #require(JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
    }

    @Test("analysis/normscope/schema.json is what `normscope schema` prints (regenerate it when this fails)")
    func committedSchemaIsCurrent() throws {
        let output = try normscope(["schema"])
        #expect(output.status == 0)
        let committed = try String(
            contentsOfFile: MarkdownBlock.repositoryRoot + "/analysis/normscope/schema.json", encoding: .utf8)
        #expect(
            committed == output.standardOutput,
            "analysis/normscope/schema.json is stale: run `swift run normscope schema --out analysis/normscope/schema.json --force`"
        )
    }

    @Test("one run of every preset and every setting a sweep accepts reads back with nothing damaged")
    func everyValueTheRecorderWritesIsValid() throws {
        let declaration = try schema()
        let presets = try #require(declaration["presets"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        let settings = try #require(declaration["settings"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        let directory = TemporaryDirectory()
        try Self.writeIDX(in: directory)
        try Self.csv.write(toFile: directory.file("rows.csv"), atomically: true, encoding: .utf8)

        // Every preset, plus each override of the normalization, on the MLP; then the other models and options.
        var variants: [Any] = presets
        variants += [
            ["preset": "adanorm", "adanorm_detached": false, "adanorm_scale": 1.5, "adanorm_k": 0.2],
            ["preset": "layernorm", "convention": "paper", "epsilon": 1e-6],
        ]
        let common: [String: Any] = ["steps": 3, "eval_every": 2, "phi_every": 1, "raw_every": 2, "raw_rows": 2]
        let sweeps: [(String, [String: Any])] = [
            (
                "mlp",
                common.merging([
                    "presets": variants, "seeds": 1, "hidden": [16, 16], "placement": "after-activation",
                    "activation": "gelu", "optimizer": "sgd", "momentum": 0.5, "schedule": "cosine", "warmup": 1,
                    "clip": 1.0, "weight_decay": 0.01, "label_smoothing": 0.1, "dropout": 0.1,
                    "divergence_loss": 1e6, "eval_train_size": 32,
                ]) { a, _ in a }
            ),
            (
                "transformer",
                common.merging([
                    "presets": ["layernorm", "adanorm"], "seeds": 1, "model": "transformer", "width": 16, "heads": 2,
                    "layers": 1, "ffn": 16, "placement": "post", "optimizer": "adamw", "schedule": "inverse-sqrt",
                    "warmup": 1,
                ]) { a, _ in a }
            ),
            (
                "charlm",
                common.merging([
                    "presets": ["rmsnorm"], "seeds": 1, "model": "char-lm", "dataset": "devils-dictionary", "width": 16,
                    "heads": 2, "layers": 1,
                    "ffn": 16, "context": 8, "placement": "pre",
                ]) { a, _ in a }
            ),
            (
                "csv",
                common.merging([
                    "presets": ["layernorm"], "seeds": 1, "dataset": directory.file("rows.csv"), "header": true,
                    "label_column": 1, "valid_fraction": 0.25, "test_fraction": 0.25, "hidden": [8],
                ]) { a, _ in a }
            ),
            (
                "idx",
                common.merging([
                    "presets": ["layernorm"], "seeds": 1, "dataset": directory.file("images.idx"),
                    "labels": directory.file("labels.idx"), "hidden": [8],
                ]) { a, _ in a }
            ),
        ]
        var traces: [String] = []
        var written = Set<String>()
        for (name, sweep) in sweeps {
            let config = directory.file("\(name).json")
            try JSONSerialization.data(withJSONObject: sweep).write(to: URL(fileURLWithPath: config))
            let trace = directory.file("\(name).h5")
            let record = try normscope(["record", "--config", config, "--out", trace, "--quiet"])
            try #require(record.status == 0, "\(name): \(record.standardError)")
            traces.append(trace)
            let inspect = try normscope(["inspect", trace, "--data", "--no-attributes"])
            #expect(inspect.status == 0, "\(name): \(inspect.standardOutput.suffix(1500))")
            written.formUnion(try Self.runAttributeNames(trace))
        }
        // A setting declared but never written by this test is a setting this test does not yet prove.
        #expect(
            Set(settings).subtracting(written).isEmpty, "never recorded here: \(Set(settings).subtracting(written))")

        let analyze = try normscope(["analyze"] + traces + ["--format", "json"])
        #expect(analyze.status == 0, "\(analyze.standardOutput.suffix(1500))")
        let document = try #require(
            JSONSerialization.jsonObject(with: Data(analyze.standardOutput.utf8)) as? [String: Any])
        // DyT records α and its saturated share in place of the parts it does not have; analyze reports them.
        let layers = try #require(document["layers"] as? [String: [[String: Any]]])
        let dyt = layers.filter { $0.key.hasPrefix("dyt-") }.values.flatMap { $0 }
        #expect(!dyt.isEmpty && dyt.allSatisfy { ($0["dynamic_tanh"] as? [String: Any])?["late_alpha"] is Double })
        #expect(layers.filter { !$0.key.hasPrefix("dyt-") }.values.joined().allSatisfy { $0["dynamic_tanh"] == nil })
        let damaged = document["damaged"] as? [Any] ?? ["no damaged list"]
        #expect(damaged.isEmpty, "\(damaged)")
        #expect(!analyze.standardError.contains("damaged:"), "\(analyze.standardError.suffix(1500))")
    }

    /// The names of every attribute of every run group of `trace`.
    private static func runAttributeNames(_ trace: String) throws -> Set<String> {
        let output = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                print("\\n".join(sorted({name for run in f["runs"].values() for name in run.attrs})))
            """, arguments: [trace])
        #expect(output.status == 0, "\(output.standardError)")
        return Set(output.standardOutput.split(separator: "\n").map(String.init))
    }

    /// 40 rows of 4 features and a label column first, with a header line.
    private static let csv: String = {
        var lines = ["label,a,b,c,d"]
        for i in 0..<40 {
            let label = i % 2
            lines.append("\(label),\(Double(i) * 0.1),\(Double(label) + 0.05 * Double(i % 7)),\(i % 3),\(i % 5)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// 40 images of 4 × 4 bytes and their labels in the IDX format (big-endian header, then the bytes).
    private static func writeIDX(in directory: TemporaryDirectory) throws {
        func header(_ magic: UInt32, _ dimensions: [UInt32]) -> [UInt8] {
            ([magic] + dimensions).flatMap { value in (0..<4).reversed().map { UInt8((value >> (8 * $0)) & 0xff) } }
        }
        let count = 40
        let images = header(0x0000_0803, [UInt32(count), 4, 4]) + (0..<(count * 16)).map { UInt8(($0 * 37) % 256) }
        let labels = header(0x0000_0801, [UInt32(count)]) + (0..<count).map { UInt8($0 % 3) }
        try Data(images).write(to: URL(fileURLWithPath: directory.file("images.idx")))
        try Data(labels).write(to: URL(fileURLWithPath: directory.file("labels.idx")))
    }
}
