import Foundation
import TestSupport
import Testing

/// `normscope slurm --submit` against a real Slurm (Debian's slurm-wlm, started for the test on localhost): the array
/// records the shards, the dependent job merges them, and the merged analysis is the one-process sweep's.
@Suite("normscope slurm on a one-node cluster")
struct SlurmClusterTests {
    @Test("--submit: 4 array tasks, then the analysis after them; it equals the sweep's recorded in one process")
    func sweepOnCluster() throws {
        let executable = try #require(ChildProcess.builtProduct("normscope"))
        let directory = TemporaryDirectory(prefix: "normscope-slurm")
        let sweep = directory.file("sweep.json")
        try ShardedSweep.json.write(toFile: sweep, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let cluster = try LocalSlurmCluster(directory: directory.file("cluster"))
        defer { cluster.stop() }
        let startup = ContinuousClock.now - started

        let out = directory.file("out")
        let submitted = try ChildProcess.run(
            executable,
            arguments: ["slurm", "--config", sweep, "--shards", "4", "--out", out, "--flush-every", "10", "--submit"],
            environment: cluster.environment)
        try #require(submitted.status == 0, "\(submitted.standardError)")
        // "Submitted array job 12 (4 task(s)) and analysis job 13 (afterok:12)"
        let words = submitted.standardOutput.split(whereSeparator: \.isWhitespace).map(String.init)
        let ids = words.indices.filter { words[$0] == "job" && $0 + 1 < words.count }.map { words[$0 + 1] }
        try #require(ids.count == 2 && ids.allSatisfy { Int($0) != nil }, "\(submitted.standardOutput)")
        #expect(submitted.standardOutput.contains("(afterok:\(ids[0]))"))

        let states = try cluster.waitForJobs(ids, timeout: .seconds(300))
        let logs = (0..<4).map { "\(out)/shard-\($0).log" } + ["\(out)/analyze.log"]
        let jobLogs = logs.map { "--- \($0):\n" + ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "(none)") }
        try #require(
            states.count == 5 && states.allSatisfy { $0 == "COMPLETED" },
            "job states \(states)\n\(jobLogs.joined(separator: "\n"))\n\(cluster.logs())")
        let jobs = ContinuousClock.now - started - startup
        cluster.stop()

        for name in ["analysis.txt", "analysis.json", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: "\(out)/\(name)"), "\(name) missing")
        }
        let text = try String(contentsOfFile: "\(out)/analysis.txt", encoding: .utf8)
        #expect(text.contains("Overfitting per preset") && text.contains("adanorm"))
        let merged = try ShardedSweep.comparable(Data(contentsOf: URL(fileURLWithPath: "\(out)/analysis.json")))
        let reference = try ShardedSweep.oneProcessAnalysis(executable, sweep: sweep, directory: directory)
        #expect(!merged.isEmpty && merged == reference)
        print(
            "slurm cluster test: daemons up in \(startup), jobs done in \(jobs), total \(ContinuousClock.now - started)"
        )
    }
}
