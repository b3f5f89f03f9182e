import ArgumentParser
import Foundation
import OutputFiles
import Recording
import Training

extension NormScope {
    /// `normscope slurm`: the batch scripts that record a sweep as a Slurm array, one shard per task, and merge it.
    struct Slurm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write (and with --submit, queue) Slurm jobs that record a sweep in shards and analyze it.",
            discussion: """
                Writes into --out: sweep.json (a copy of --config, so that editing the original while the jobs \
                wait cannot split the sweep), record.sbatch (an array job whose task i runs `normscope record \
                --shard i/N --resume --out DIR/shard-i.h5`, logging to DIR/shard-i.log), analyze.sbatch (analyze \
                and report over every shard: DIR/analysis.txt, analysis.json, report.html) and submit.sh, which \
                queues the array and then the analysis with --dependency=afterok on it. --submit does what \
                submit.sh does and prints both job ids. --partition, --time, --cpus-per-task and each \
                --sbatch-line go into both scripts as #SBATCH lines.

                An earlier sweep's sweep.json and scripts in --out are not replaced without --force: the command \
                is refused, before anything is written, naming the first. Each file is written aside and renamed \
                into place whole; the --config file itself is never written over (choose another --out). \
                analyze.sbatch passes --force to report, since report.html is the job's own output, written again \
                when the sweep is resubmitted.
                """
        )

        @Option(name: .customLong("config"), help: ArgumentHelp("The sweep file (JSON).", valueName: "sweep.json"))
        var configFile: String

        @Option(
            parsing: .unconditional, help: ArgumentHelp("Array tasks: the sweep's runs split N ways.", valueName: "N"))
        var shards: Int

        @Option(
            name: .shortAndLong, help: ArgumentHelp("The directory for scripts, shards and results.", valueName: "dir"))
        var out: String

        @Flag(help: "Queue both jobs with sbatch and print their ids.")
        var submit = false

        @Flag(help: "Replace the sweep.json and scripts of an earlier sweep in --out.")
        var force = false

        @Option(help: "The Slurm partition (#SBATCH --partition).")
        var partition: String?

        @Option(help: "The time limit per job (#SBATCH --time), e.g. 2:00:00.")
        var time: String?

        @Option(
            name: .customLong("cpus-per-task"), parsing: .unconditional,
            help: "CPUs per job (#SBATCH --cpus-per-task); a recording task trains that many runs at once.")
        var cpusPerTask: Int?

        @Option(
            name: .customLong("sbatch-line"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp(
                "An extra #SBATCH line for both jobs, e.g. \"--mem=4G\" (repeatable).", valueName: "option"))
        var sbatchLines: [String] = []

        @Option(
            name: .customLong("flush-every"), parsing: .unconditional,
            help: "Passed to record: make each shard durable every N steps (record's default 200).")
        var flushEvery: Int?

        func validate() throws {
            guard shards >= 1 else { throw OptionValueError("--shards \(shards): must be a positive whole number") }
            if let cpusPerTask, cpusPerTask < 1 {
                throw OptionValueError("--cpus-per-task \(cpusPerTask): must be a positive whole number")
            }
            if let flushEvery, flushEvery < 1 {
                throw OptionValueError("--flush-every \(flushEvery): must be a positive whole number")
            }
            for (option, value) in [("--partition", partition), ("--time", time)] {
                if let value, value.isEmpty || value.contains(where: \.isWhitespace) {
                    throw OptionValueError(
                        "\(option) '\(value)': expected one word, e.g. \(option == "--time" ? "2:00:00" : "gpu")")
                }
            }
            for line in sbatchLines { _ = try Self.sbatchOption(line) }
        }

        /// An `--sbatch-line` as the option it adds, with or without its `#SBATCH` prefix.
        static func sbatchOption(_ line: String) throws -> String {
            var option = line.trimmingCharacters(in: .whitespaces)
            if option.hasPrefix("#SBATCH") {
                option = option.dropFirst("#SBATCH".count).trimmingCharacters(in: .whitespaces)
            }
            guard option.hasPrefix("-"), !option.contains(where: \.isNewline) else {
                throw OptionValueError("--sbatch-line '\(line)': expected one sbatch option, e.g. --mem=4G")
            }
            return option
        }

        func run() throws {
            // Everything that can be refused is checked before the first file is written.
            let submission = submit ? try SlurmSubmission() : nil
            let sweepText = try SweepConfiguration.contents(ofFile: configFile)
            let runs = try SweepConfiguration.parse(sweepText, file: configFile).runs().count
            guard shards <= runs else {
                throw OptionValueError("--shards \(shards): the sweep has \(runs) run(s), so at most \(runs) shard(s)")
            }
            let directory = URL(fileURLWithPath: out).standardizedFileURL.path
            // sbatch reads #SBATCH lines word by word, and %a in --output is its own pattern.
            if let bad = directory.first(where: { $0.isWhitespace || "'\"\\%".contains($0) }) {
                throw OptionValueError("--out \(out): a Slurm log path cannot hold '\(bad)'; choose another directory")
            }
            var options: [String] = []
            if let partition { options.append("--partition=\(partition)") }
            if let time { options.append("--time=\(time)") }
            if let cpusPerTask { options.append("--cpus-per-task=\(cpusPerTask)") }
            options += try sbatchLines.map(Self.sbatchOption)
            let scripts = SlurmScripts(
                executable: try Self.runningExecutable(), directory: directory,
                workingDirectory: FileManager.default.currentDirectoryPath, shards: shards, flushEvery: flushEvery,
                sbatchOptions: options,
                commandLine: (["normscope"] + CommandLine.arguments.dropFirst()).map(shellWord).joined(separator: " ")
                    .replacingOccurrences(of: "\n", with: "\\n"),
                toolVersion: TraceFormat.toolVersion)
            let files = scripts.files(sweep: sweepText)

            // An earlier sweep's files are refused before the directory is made or a file written; a directory
            // this command makes holds none.
            var isDirectory: ObjCBool = false
            let existed = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
            let earlier = existed && isDirectory.boolValue ? try outputs(files.map(\.name)) : nil
            if let reason = Self.makeDirectory(directory) {
                throw OptionValueError("--out \(out): cannot create the directory (\(reason))")
            }
            for (output, file) in zip(try earlier ?? outputs(files.map(\.name)), files) {
                try output.write(file.contents, executable: file.executable)
            }
            print("Wrote \(scripts.path(SlurmScripts.recordName)): \(shards) array task(s), task i → shard-i.h5")
            print("Wrote \(scripts.path(SlurmScripts.analyzeName)): then analysis.txt, analysis.json and report.html")

            guard let submission else {
                print("Submit both with: sh \(shellWord(scripts.path(SlurmScripts.submitName)))  (or add --submit)")
                return
            }
            let record = try submission.submit(scripts.path(SlurmScripts.recordName))
            let analyze: String
            do {
                analyze = try submission.submit(scripts.path(SlurmScripts.analyzeName), dependency: "afterok:\(record)")
            } catch let error as OptionValueError {
                throw OptionValueError("\(error.description); array job \(record) stays queued (scancel \(record))")
            }
            print("Submitted array job \(record) (\(shards) task(s)) and analysis job \(analyze) (afterok:\(record))")
        }

        /// The --config file's bytes, or one line saying why they cannot be read (Foundation's own error for a
        /// folder is "NSCocoaErrorDomain error 256").
        /// Creates `path` and its missing parents one mkdir(2) at a time, and says why one cannot be: Foundation's
        /// error for this is a bare "error 512".
        private static func makeDirectory(_ path: String) -> String? {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? nil : "\(path) is not a directory"
            }
            let parent = (path as NSString).deletingLastPathComponent
            if parent != path, let reason = makeDirectory(parent) { return reason }
            guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
                return "\(path): \(String(cString: strerror(errno)))"
            }
            return nil
        }

        /// The files `names` in --out, checked as outputs: none may be the --config file, a folder or a device,
        /// and an earlier sweep's are replaced only with --force.
        private func outputs(_ names: [String]) throws(OutputError) -> [OutputFile] {
            try names.map { (name: String) throws(OutputError) in
                try OutputFile.file(
                    named: name, in: out, option: "--out", force: force,
                    inputs: [CommandInput("the --config file", configFile)])
            }
        }

        /// This executable's absolute path with every link resolved, so that a job on another node (or started
        /// from another directory) runs this same build: `/proc/self/exe` on Linux, Foundation's guess elsewhere.
        static func runningExecutable() throws -> String {
            if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
            if let url = Bundle.main.executableURL { return url.resolvingSymlinksInPath().path }
            throw OptionValueError("cannot tell where the normscope executable is, for the job scripts")
        }
    }
}
