import Foundation

/// The files `normscope slurm` writes into its output directory: an array job recording one shard per task, a job
/// merging the shards once they have all succeeded, and a shell script queueing both with the dependency.
///
/// Two batch scripts rather than one because the analysis must name the array's job id, which exists only once
/// the array is queued; `submit.sh` (or `--submit`) passes it with `--dependency=afterok:<id>`.
struct SlurmScripts {
    /// The absolute path of the `normscope` executable that the jobs run.
    var executable: String
    /// The absolute output directory: the sweep's copy, the shards, the logs and the analysis.
    var directory: String
    /// Where `normscope slurm` ran, so that relative paths in the sweep file (a dataset) mean the same in a job.
    var workingDirectory: String
    var shards: Int
    /// Passed to every `record` when given; otherwise record's own default applies.
    var flushEvery: Int?
    /// `#SBATCH` option lines both jobs get: the partition, time limit, CPUs and the user's own lines.
    var sbatchOptions: [String]
    /// The command that wrote the scripts, for their header.
    var commandLine: String
    var toolVersion: String

    static let sweepName = "sweep.json"
    static let recordName = "record.sbatch"
    static let analyzeName = "analyze.sbatch"
    static let submitName = "submit.sh"

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Every file of the directory, in the order they are written: the sweep's copy, then the scripts, which are
    /// executable.
    func files(sweep: Data) -> [(name: String, contents: Data, executable: Bool)] {
        [
            (Self.sweepName, sweep, false), (Self.recordName, Data(record.utf8), true),
            (Self.analyzeName, Data(analyze.utf8), true), (Self.submitName, Data(submit.utf8), true),
        ]
    }

    private var header: [String] {
        ["# Written by normscope \(toolVersion): \(commandLine)"]
    }

    private func sbatch(_ options: [String]) -> [String] {
        (options + sbatchOptions).map { "#SBATCH \($0)" }
    }

    /// Task i records shard i/n into `shard-i.h5`, with its log beside it.
    var record: String {
        var lines = ["#!/bin/bash"] + header
        lines += [
            "# Task i of this array records shard i/\(shards) of \(Self.sweepName) into shard-i.h5 (log: shard-i.log).",
            "# Submit it with \(Self.submitName), which also queues \(Self.analyzeName) to run after every task.",
        ]
        lines += sbatch([
            "--job-name=normscope-record",
            "--array=0-\(shards - 1)",
            "--output=\(directory)/shard-%a.log",
            // A requeued task (preemption, node failure) writes on into the same log, and --resume continues it.
            "--open-mode=append",
            "--requeue",
        ])
        lines += [
            "set -euo pipefail",
            "cd \(shellWord(workingDirectory))",
            "normscope=\(shellWord(executable))",
            "out=\(shellWord(directory))",
            "i=$SLURM_ARRAY_TASK_ID",
            // record's default is a run per core of the whole node, which would crowd the other tasks on a shared
            // node. Slurm sets SLURM_CPUS_PER_TASK when the job has --cpus-per-task, and gives one CPU otherwise.
            "jobs=${SLURM_CPUS_PER_TASK:-1}",
            "# --resume: a requeued or resubmitted task keeps its shard's finished runs and records only the rest.",
            "exec \"$normscope\" record --config \"$out/\(Self.sweepName)\" --shard \"$i/\(shards)\" --resume"
                + " --jobs \"$jobs\"" + (flushEvery.map { " --flush-every \($0)" } ?? "")
                + " --out \"$out/shard-$i.h5\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The merged analysis of every shard: text, JSON and the HTML report.
    var analyze: String {
        var lines = ["#!/bin/bash"] + header
        lines += [
            "# Merges the \(shards) shards of \(Self.recordName) by run: analysis.txt, analysis.json and report.html.",
            "# Queued by \(Self.submitName) with --dependency=afterok:<the array's job id>.",
        ]
        lines += sbatch(["--job-name=normscope-analyze", "--output=\(directory)/analyze.log", "--open-mode=append"])
        lines += [
            "set -euo pipefail",
            "normscope=\(shellWord(executable))",
            "out=\(shellWord(directory))",
            // Each shard by name, not shard-*.h5: a shard left from an earlier, larger sweep in the same directory
            // must not be merged, and a missing one must be an error.
            "shards=()",
            "for ((i = 0; i < \(shards); i++)); do shards+=(\"$out/shard-$i.h5\"); done",
            "\"$normscope\" analyze \"${shards[@]}\" > \"$out/analysis.txt\"",
            "\"$normscope\" analyze --format \(NormScope.Analyze.Format.json) \"${shards[@]}\" "
                + "> \"$out/analysis.json\"",
            // --force: report.html is this job's own output, written again when the sweep is resubmitted (as
            // analysis.txt and analysis.json are, by the shell).
            "\"$normscope\" report \"${shards[@]}\" --out \"$out/report.html\" --force",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// What `--submit` does, for a user who reads the scripts first.
    var submit: String {
        let recordPath = shellWord(path(Self.recordName))
        let analyzePath = shellWord(path(Self.analyzeName))
        let lines =
            ["#!/bin/sh"] + header + [
                "# Queues the array job, then the analysis to run once every task of it has succeeded.",
                "set -eu",
                "record=$(sbatch --parsable \(recordPath))",
                "record=${record%%;*}  # --parsable prints the id, or id;cluster",
                "analyze=$(sbatch --parsable --dependency=afterok:\"$record\" \(analyzePath)) || {",
                "    echo \"submit.sh: analysis not queued; array job $record stays queued (scancel $record)\" >&2",
                "    exit 1",
                "}",
                "echo \"array job $record (\(shards) tasks), analysis job ${analyze%%;*} after it\"",
            ]
        return lines.joined(separator: "\n") + "\n"
    }
}
