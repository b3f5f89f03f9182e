import Foundation
import TestSupport
import Testing

/// The small sweep that the sharding tests record in pieces (4 runs: 2 presets × 2 seeds × 40 steps), and what makes
/// the analysis of its shards comparable with that of the same sweep recorded in one process.
enum ShardedSweep {
    static let json = #"{"presets": ["layernorm", "adanorm"], "seeds": 2, "steps": 40, "eval_every": 10}"#

    /// `analyze --format json` of `files`, as canonical JSON text.
    static func analysis(_ executable: String, _ files: [String]) throws -> String {
        let analyzed = try ChildProcess.run(executable, arguments: ["analyze", "--format", "json"] + files)
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        return try comparable(Data(analyzed.standardOutput.utf8))
    }

    /// The analysis JSON without what depends on how the runs were spread over files, found by comparing the two:
    /// each run's `file`, and the order of the top-level lists (runs, groups, layers, checks follow the order in
    /// which the files list their runs, and a one-process trace lists them alphabetically). Every number stays, so
    /// recorded data that differed in one bit would show.
    static func comparable(_ data: Data) throws -> String {
        guard var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            Issue.record("analyze --format json printed no JSON object")
            return ""
        }
        if let runs = object["runs"] as? [[String: Any]] {
            object["runs"] = runs.map { run in run.filter { $0.key != "file" } }
        }
        for (key, value) in object {
            guard let list = value as? [Any] else { continue }
            object[key] = try list.map(canonical).sorted().map { Data($0.utf8) }.map {
                try JSONSerialization.jsonObject(with: $0, options: .fragmentsAllowed)
            }
        }
        return try canonical(object)
    }

    private static func canonical(_ value: Any) throws -> String {
        String(
            decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]),
            as: UTF8.self)
    }

    /// The analysis of the sweep recorded in one process into `directory/one.h5`.
    static func oneProcessAnalysis(_ executable: String, sweep: String, directory: TemporaryDirectory) throws -> String
    {
        let trace = directory.file("one.h5")
        let recorded = try ChildProcess.run(
            executable, arguments: ["record", "--quiet", "--config", sweep, "--out", trace])
        #expect(recorded.status == 0, "\(recorded.standardError)")
        return try analysis(executable, [trace])
    }
}
