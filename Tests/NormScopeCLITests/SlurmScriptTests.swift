import Foundation
import TestSupport
import Testing

/// The scripts `normscope slurm` writes, without a cluster: their lines for given options, and that they run.
@Suite("normscope slurm: the scripts")
struct SlurmScriptTests {
    let executable = ChildProcess.builtProduct("normscope")

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
    }

    @Test(
        "every option lands in its #SBATCH line; task i records shard i/N with --resume; the analysis names each shard")
    func linesForOptions() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = directory.file("my sweep.json")
        try ShardedSweep.json.write(toFile: sweep, atomically: true, encoding: .utf8)
        let out = directory.file("out")
        let made = try ChildProcess.run(
            path,
            arguments: [
                "slurm", "--config", sweep, "--shards", "4", "--out", out, "--partition", "debug", "--time", "1:00:00",
                "--cpus-per-task", "2", "--sbatch-line", "--mem=4G", "--sbatch-line", "#SBATCH --qos=low",
                "--flush-every", "50",
            ])
        try #require(made.status == 0, "\(made.standardError)")
        #expect(made.standardOutput.contains("Wrote \(out)/record.sbatch"), "\(made.standardOutput)")
        #expect(made.standardOutput.contains("sh \(out)/submit.sh"), "\(made.standardOutput)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(out)/sweep.json")) == Data(ShardedSweep.json.utf8))

        // The executable as the kernel knows it: absolute, every link resolved.
        let binary = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let resources = ["--partition=debug", "--time=1:00:00", "--cpus-per-task=2", "--mem=4G", "--qos=low"]
        let record = try Self.lines("\(out)/record.sbatch")
        #expect(record.first == "#!/bin/bash")
        #expect(
            record.filter { $0.hasPrefix("#SBATCH") }
                == ([
                    "--job-name=normscope-record", "--array=0-3", "--output=\(out)/shard-%a.log", "--open-mode=append",
                    "--requeue",
                ] + resources).map { "#SBATCH \($0)" })
        let body = Array(record.drop { $0 != "set -euo pipefail" }).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(
            body == [
                "set -euo pipefail",
                "cd \(FileManager.default.currentDirectoryPath)",
                "normscope=\(binary)",
                "out=\(out)",
                "i=$SLURM_ARRAY_TASK_ID",
                "jobs=${SLURM_CPUS_PER_TASK:-1}",
                #"exec "$normscope" record --config "$out/sweep.json" --shard "$i/4" --resume --jobs "$jobs""#
                    + #" --flush-every 50 --out "$out/shard-$i.h5""#,
            ])

        let analyze = try Self.lines("\(out)/analyze.sbatch")
        #expect(
            analyze.filter { $0.hasPrefix("#SBATCH") }
                == (["--job-name=normscope-analyze", "--output=\(out)/analyze.log", "--open-mode=append"] + resources)
                .map { "#SBATCH \($0)" })
        #expect(analyze.contains(#"for ((i = 0; i < 4; i++)); do shards+=("$out/shard-$i.h5"); done"#))
        #expect(analyze.contains(#""$normscope" analyze "${shards[@]}" > "$out/analysis.txt""#))
        #expect(analyze.contains(#""$normscope" analyze --format json "${shards[@]}" > "$out/analysis.json""#))
        #expect(analyze.contains(#""$normscope" report "${shards[@]}" --out "$out/report.html" --force"#))

        // The header names the command, with the sweep's space quoted as a shell would need it.
        #expect(record[1].contains("normscope slurm --config '\(sweep)' --shards 4"), "\(record[1])")
        for script in ["record.sbatch", "analyze.sbatch", "submit.sh"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: "\(out)/\(script)")
            #expect((attributes[.posixPermissions] as? Int) == 0o755, "\(script)")
        }
    }

    @Test("without Slurm, the scripts run under bash as they would in the jobs: each task's shard, then the analysis")
    func scriptsRunUnderBash() throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let sweep = directory.file("sweep.json")
        try #"{"presets": ["layernorm", "none"], "steps": 10}"#.write(toFile: sweep, atomically: true, encoding: .utf8)
        let out = directory.file("out")
        let made = try ChildProcess.run(path, arguments: ["slurm", "--config", sweep, "--shards", "2", "--out", out])
        try #require(made.status == 0, "\(made.standardError)")
        for task in 0..<2 {
            var environment = ProcessInfo.processInfo.environment
            environment["SLURM_ARRAY_TASK_ID"] = "\(task)"
            let ran = try ChildProcess.run("/bin/bash", arguments: ["\(out)/record.sbatch"], environment: environment)
            #expect(ran.status == 0, "\(ran.standardError)")
            #expect(
                ran.standardError.contains("Recorded 1 run(s) into \(out)/shard-\(task).h5"), "\(ran.standardError)")
        }
        let analyzed = try ChildProcess.run("/bin/bash", arguments: ["\(out)/analyze.sbatch"])
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        let text = try String(contentsOfFile: "\(out)/analysis.txt", encoding: .utf8)
        #expect(text.contains("layernorm") && text.contains("none"), "\(text)")
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: "\(out)/analysis.json")))
        #expect(((json as? [String: Any])?["runs"] as? [Any])?.count == 2)
        #expect(FileManager.default.fileExists(atPath: "\(out)/report.html"))
    }
}
