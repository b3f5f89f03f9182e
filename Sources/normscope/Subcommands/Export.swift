import Analysis
import ArgumentParser
import Foundation

extension NormScope {
    /// `normscope export`: a trace's tables as CSV files.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every table of a trace as CSV files with a header row, for tools that don't read HDF5.",
            discussion: """
                Writes runs.csv (each run's settings and status) and, per run, <run>.steps.csv, <run>.evals.csv, \
                <run>.<layer>.grad.csv and, for AdaNorm layers, <run>.<layer>.phi.csv and <run>.<layer>.phi_hist.csv.

                All or nothing: the files are written into a hidden folder next to <dir> and moved into place only \
                when every one was written. A failed export (a file that is not a trace, an unreadable chunk, a full \
                disk, a write error) exits 1 and leaves nothing behind: no folder, no file, no temporary. Ctrl-C \
                (SIGINT) or SIGTERM stops an export the same way, with exit status 130 or 143.

                Into an existing folder, every other file in it is kept, and a file of the same name as one of the \
                export's is replaced only with --force: without it the export is refused, before a row is written, \
                naming the file (and how many more there are). A folder, a device or a symbolic link where one of \
                the export's files goes, the trace itself, or a --out that is a file is refused in one line.
                """
        )

        @Argument(help: ArgumentHelp("The trace (.h5).", valueName: "file"))
        var file: String

        @Option(
            name: [.customShort("o"), .customLong("out")],
            help: ArgumentHelp(
                "The folder to write the CSV files into (created, with its parents, if needed).", valueName: "dir"))
        var out: String?

        /// `--csv`, the name `--out` had before it was named as in `record` and `demo`.
        @Option(name: .customLong("csv"), help: .hidden)
        var csv: String?

        @Flag(help: "Replace files of the same names in an existing --out folder.")
        var force = false

        func validate() throws {
            guard try RenamedOption.value(("--out", out), formerly: ("--csv", csv)) != nil else {
                throw OptionValueError("--out: missing; name the folder to write the CSV files into, e.g. --out csv")
            }
        }

        func run() throws {
            let folder = try RenamedOption.value(("--out", out), formerly: ("--csv", csv)) ?? ""
            let exporter = CSVExporter(stopsOnSignals: true, force: force)
            // Checked before the trace is read; the files in it once the trace's runs and layers are known.
            try exporter.check(folder: folder)
            let files: [String]
            do {
                files = try exporter.export(trace: file, to: folder)
            } catch let error as ExportError where error.signal != nil {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(error.signal?.exitCode ?? 1)
            }
            print("Wrote \(files.count) CSV files into \(folder)")
        }
    }
}
