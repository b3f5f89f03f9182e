import Foundation
import TestSupport
import Testing

/// Format 2 changed how settings are stored (typed instead of text); a format-1 trace of the same runs must still
/// give the same groups, settings, Theorem 1 checks and runs table, with or without the runs' `config` JSON.
@Suite("Format 1 and format 2 read alike", .serialized)
struct FormatCompatibilityTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// Rewrites a format-2 trace in place the way format 1 stored it: `format_version` 1, every setting but those
    /// format 1 already typed as JSON text (numbers as Foundation wrote them, `true`, `[16]`), AdaNorm's resolved
    /// C and k as empty text where the variant has none. (No raw parts: their layout is the other change.)
    static let toFormat1 = #"""
        import sys, json, h5py, numpy as np
        typed = {"seed", "steps", "batch", "lr", "eval_every", "norm_epsilon", "adanorm_scale", "adanorm_k"}
        own = {"config", "status", "completed_steps", "diverged_step", "norm_layers"}
        def text(value):
            if isinstance(value, np.bool_): return "true" if value else "false"
            if isinstance(value, np.ndarray): return "[" + ",".join(text(v) for v in value) + "]"
            if isinstance(value, np.floating) and float(value).is_integer(): return str(int(value))
            return repr(value.item()) if isinstance(value, np.generic) else json.dumps(value)
        with h5py.File(sys.argv[1], "r+") as f:
            f.attrs["format_version"] = np.int64(1)
            for run in f["runs"].values():
                attrs = run.attrs
                for name in list(attrs):
                    if name in own or name in typed or isinstance(attrs[name], str): continue
                    value = text(attrs[name])
                    del attrs[name]
                    attrs[name] = value
                for name in ["norm_adanorm_scale", "norm_adanorm_k"]:
                    if name not in attrs: attrs[name] = ""
                if len(sys.argv) > 2: del attrs["config"]
        """#

    private func run(_ arguments: [String]) throws -> ChildProcess.Output {
        try ChildProcess.run(try #require(executable), arguments: arguments)
    }

    private func analyze(_ trace: String) throws -> [String: Any] {
        let output = try run(["analyze", trace, "--format", "json"])
        try #require(output.status == 0, "\(output.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
    }

    /// What must not depend on the format: the grouping, each group's label and settings, each run's group,
    /// settings and normalization, the Theorem 1 checks, and the damage (none).
    private func essentials(_ document: [String: Any], settings: Bool = true) -> String {
        var kept: [String: Any] = [:]
        kept["grouping"] = document["grouping"]
        kept["groups"] = (document["groups"] as? [[String: Any]] ?? []).map {
            ["group": $0["group"] ?? "", "settings": $0["settings"] ?? ""]
        }
        kept["runs"] = (document["runs"] as? [[String: Any]] ?? []).map { run -> [String: Any] in
            var kept: [String: Any] = ["id": run["id"] ?? "", "group": run["group"] ?? ""]
            kept["normalization"] = run["normalization"]
            if settings { kept["settings"] = run["settings"] }
            return kept
        }
        kept["theorem_checks"] = document["theorem_checks"]
        kept["damaged"] = document["damaged"]
        let data = try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }

    @Test("a grid sweep as format 2 and rewritten as format 1: same groups (lr=0.001), settings, checks and runs.csv")
    func sameReading() throws {
        let directory = TemporaryDirectory()
        let config = directory.file("grid.json")
        try #"""
        {"hidden": [16], "batch": 16, "eval_every": 5, "steps": 12, "presets": ["layernorm", "adanorm"],
         "grid": {"lr": [0.001, 0.0003]}}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        let format2 = directory.file("format2.h5")
        let recorded = try run(["record", "--config", config, "--quiet", "--out", format2])
        try #require(recorded.status == 0, "\(recorded.standardError)")
        var copies: [String: String] = [:]
        let dropConfig = """
            import sys, h5py
            with h5py.File(sys.argv[1], "r+") as f:
                for run in f["runs"].values(): del run.attrs["config"]
            """
        let rewrites = [("format1", [String]()), ("format1-noconfig", ["drop-config"]), ("format2-noconfig", [])]
        for (name, arguments) in rewrites {
            let copy = directory.file(name + ".h5")
            try FileManager.default.copyItem(atPath: format2, toPath: copy)
            let script = name.hasPrefix("format1") ? Self.toFormat1 : dropConfig
            let edited = try PythonScript.run(script, arguments: [copy] + arguments)
            try #require(edited.status == 0, "\(edited.standardError)")
            copies[name] = copy
        }
        let check = try PythonScript.run(
            "import sys, h5py\nf = h5py.File(sys.argv[1])\nassert f['runs/layernorm-s0-lr0.001'].attrs['heads'] == '4'",
            arguments: [copies["format1"]!])
        #expect(check.status == 0, "the rewrite did not store text: \(check.standardError)")

        let two = try analyze(format2)
        let one = try analyze(copies["format1"]!)
        #expect(essentials(one) == essentials(two) && essentials(two).contains("lr=0.0003"))
        let labels = Set((two["groups"] as? [[String: Any]] ?? []).compactMap { $0["group"] as? String })
        #expect(labels == ["layernorm lr=0.001", "layernorm lr=0.0003", "adanorm lr=0.001", "adanorm lr=0.0003"])
        #expect((two["theorem_checks"] as? [Any])?.isEmpty == false)

        // Without `config`, settings come from the attributes themselves: text in one, typed in the other, but
        // the same groups and labels.
        let bare2 = try analyze(copies["format2-noconfig"]!)
        let bare1 = try analyze(copies["format1-noconfig"]!)
        #expect(essentials(bare1, settings: false) == essentials(bare2, settings: false))
        let bareLabels = Set((bare1["groups"] as? [[String: Any]] ?? []).compactMap { $0["group"] as? String })
        #expect(bareLabels == labels, "\(bareLabels)")

        for (trace, version) in [(format2, "v2"), (copies["format1"]!, "v1")] {
            let inspected = try run(["inspect", trace])
            let valid = inspected.standardOutput.contains("structure valid: trace format \(version)")
            #expect(inspected.status == 0 && valid, "\(inspected.standardOutput.suffix(400))")
        }
        let exports = try [format2, copies["format1"]!].map { trace -> String in
            let folder = directory.file(URL(fileURLWithPath: trace).lastPathComponent + ".csv")
            let output = try run(["export", trace, "--csv", folder])
            #expect(output.status == 0, "\(output.standardError)")
            return try String(contentsOfFile: folder + "/runs.csv", encoding: .utf8)
        }
        #expect(exports[0] == exports[1], "runs.csv differs:\n\(exports[0])\n\(exports[1])")
    }
}
