import Foundation
import TestSupport
import Testing

/// A sweep over a grid is analyzed per grid point: runs are grouped by preset and every setting that differs, and
/// each group is compared only with the baseline at the same settings.
@Suite("analyze: groups by configuration", .serialized)
struct AnalyzeGroupingTests {
    let executable = ChildProcess.builtProduct("normscope")
    static let directory = TemporaryDirectory(prefix: "normscope-grouping")

    /// The README's grid example at small scale: 2 presets × 2 learning rates × 2 seeds.
    static let grid: Result<String, any Error> = Result {
        let path = directory.file("grid.h5")
        let config = directory.file("grid.json")
        try #"""
        {"hidden": [16], "batch": 16, "eval_every": 5, "steps": 20, "presets": ["layernorm", "adanorm"], "seeds": 2,
         "grid": {"lr": [0.001, 0.0003]}}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        guard let binary = ChildProcess.builtProduct("normscope") else { throw CocoaError(.fileNoSuchFile) }
        let output = try ChildProcess.run(binary, arguments: ["record", "--config", config, "--quiet", "--out", path])
        guard output.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": output.standardError]) }
        return path
    }

    private func analyze(_ arguments: [String]) throws -> ChildProcess.Output {
        try ChildProcess.run(try #require(executable), arguments: ["analyze"] + arguments)
    }

    private func json(_ arguments: [String]) throws -> [String: Any] {
        let output = try analyze(arguments + ["--format", "json"])
        try #require(output.status == 0, "\(output.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
    }

    @Test("two learning rates are two groups per preset, never pooled as seeds; comparisons stay at one lr")
    func gridPoints() throws {
        let trace = try Self.grid.get()
        let document = try json([trace])
        let grouping = try #require(document["grouping"] as? [String: Any])
        #expect(grouping["keys"] as? [String] == ["lr"] && grouping["automatic"] as? Bool == true)
        let groups = try #require(document["groups"] as? [[String: Any]])
        #expect(
            Set(groups.compactMap { $0["group"] as? String }) == [
                "layernorm lr=0.001", "layernorm lr=0.0003", "adanorm lr=0.001", "adanorm lr=0.0003",
            ])
        #expect(groups.allSatisfy { $0["runs"] as? Int == 2 }, "\(groups)")
        let comparisons = try #require(document["comparisons"] as? [[String: Any]])
        #expect(comparisons.count == 2)
        for comparison in comparisons {
            let group = try #require(comparison["group"] as? String)
            let baseline = try #require(comparison["baseline_group"] as? String)
            #expect(group.replacingOccurrences(of: "adanorm", with: "layernorm") == baseline)
            #expect(comparison["runs"] as? Int == 2 && comparison["baseline_runs"] as? Int == 2)
        }
        let runs = try #require(document["runs"] as? [[String: Any]])
        #expect(runs.count == 8 && runs.allSatisfy { ($0["settings"] as? [String: Any])?["lr"] != nil })

        let text = try analyze([trace])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("adanorm lr=0.0003") && text.standardOutput.contains("groups: preset + lr"))
        #expect(!text.standardOutput.contains("(4)"), "a mean over 4 runs pools two learning rates")
        let csv = try analyze([trace, "--format", "csv"])
        let header = csv.standardOutput.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasPrefix("file,run,group,preset,lr,seed"), "\(header)")
        // A run given twice is noted in CSV mode too, on standard error, so standard output stays one table.
        let twice = try analyze([trace, trace, "--format", "csv"])
        #expect(twice.status == 0 && twice.standardOutput.split(separator: "\n").count == 9)
        #expect(
            twice.standardError.hasPrefix("duplicate: \(trace) is given twice; its runs are counted once: "),
            "\(twice.standardError)")
    }

    @Test("--group-by chooses the keys: preset alone pools the learning rates on purpose; an unknown key is one line")
    func groupByOption() throws {
        let trace = try Self.grid.get()
        let pooled = try json([trace, "--group-by", "preset"])
        let groups = try #require(pooled["groups"] as? [[String: Any]])
        #expect(groups.compactMap { $0["group"] as? String }.sorted() == ["adanorm", "layernorm"])
        #expect(groups.allSatisfy { $0["runs"] as? Int == 4 })
        let bad = try analyze([trace, "--group-by", "learning_rate"])
        let error = bad.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(bad.status != 0 && !error.contains("\n") && error.contains("--group-by learning_rate"), "\(error)")
        #expect(error.contains("lr"))
    }

    @Test("a trace where only the seed varies groups by preset as before; a lone run says n = 1")
    func seedsOnly() throws {
        let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("notebooks-data/digits-reference.h5").path
        let document = try json([reference])
        #expect((document["grouping"] as? [String: Any])?["keys"] as? [String] == [])
        let groups = try #require(document["groups"] as? [[String: Any]])
        #expect(
            groups.compactMap { $0["group"] as? String } == [
                "adanorm", "detachnorm", "layernorm", "layernorm-simple", "none",
            ])
        let text = try analyze([reference])
        #expect(text.standardOutput.contains("Overfitting per preset\npreset "))
        #expect(text.standardOutput.contains("note: layernorm: n = 1 run"), "\(text.standardOutput)")
    }

    /// Two traces of the same presets and seed recorded apart, at lr 0.001 and 0.01: their run ids are the same.
    static let apart: Result<[String], any Error> = Result {
        guard let binary = ChildProcess.builtProduct("normscope") else { throw CocoaError(.fileNoSuchFile) }
        return try [0.001, 0.01].map { lr in
            let (path, config) = (directory.file("apart-\(lr).h5"), directory.file("apart-\(lr).json"))
            try #"{"hidden": [8], "steps": 10, "eval_every": 5, "presets": ["layernorm", "adanorm"], "lr": \#(lr)}"#
                .write(toFile: config, atomically: true, encoding: .utf8)
            let output = try ChildProcess.run(
                binary, arguments: ["record", "--config", config, "--quiet", "--out", path])
            guard output.status == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: ["stderr": output.standardError])
            }
            return path
        }
    }

    @Test("traces recorded apart are analysed together: runs of other settings are other runs whatever their ids")
    func recordedApart() throws {
        let traces = try Self.apart.get()
        let (slow, fast) = (traces[0], traces[1])
        let document = try json([slow + ":slow", fast])
        let runs = try #require(document["runs"] as? [[String: Any]])
        #expect(runs.count == 4, "the second file's runs used to be dropped as duplicates of the first's")
        #expect((document["duplicates"] as? [Any])?.isEmpty == true)
        #expect(
            Set(runs.compactMap { $0["name"] as? String }) == [
                "slow:layernorm-s0", "slow:adanorm-s0", "\(fast):layernorm-s0", "\(fast):adanorm-s0",
            ])
        #expect(runs.filter { $0["file"] as? String == slow }.allSatisfy { $0["label"] as? String == "slow" })
        let layers = try #require(document["layers"] as? [String: Any])
        #expect(Set(layers.keys) == Set(runs.compactMap { $0["name"] as? String }))
        let groups = try #require(document["groups"] as? [[String: Any]])
        #expect(
            Set(groups.compactMap { $0["group"] as? String }) == [
                "layernorm lr=0.001", "adanorm lr=0.001", "layernorm lr=0.01", "adanorm lr=0.01",
            ])
        let csv = try analyze([slow + ":slow", fast, "--format", "csv"])
        #expect(csv.standardOutput.hasPrefix("file,label,run,group,preset,lr,seed"), "\(csv.standardOutput)")

        // A file given twice: named in the first line of the output, before any number it might have changed.
        let twice = try analyze([slow, fast, slow])
        #expect(twice.status == 0)
        #expect(
            twice.standardOutput.hasPrefix(
                "duplicate: \(slow) is given twice; its runs are counted once: adanorm-s0, layernorm-s0\n\nOverfitting"),
            "\(twice.standardOutput.prefix(300))")
    }
}
