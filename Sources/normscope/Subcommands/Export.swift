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
                disk, a write error) exits 1 and leaves nothing behind: no folder, no file, no temporary. When <dir> \
                exists, the export's files replace the files of the same names and every other file in it is kept; \
                after a failure it is exactly as it was. Ctrl-C (SIGINT) or SIGTERM stops an export the same way, \
                with exit status 130 or 143.
                """
        )

        @Argument(help: ArgumentHelp("The trace (.h5).", valueName: "file"))
        var file: String

        @Option(
            help: ArgumentHelp(
                "The folder to write the CSV files into (created, with its parents, if needed).", valueName: "dir"))
        var csv: String

        func run() throws {
            try TraceProbe.vet(paths: [file])
            let files: [String]
            do {
                files = try CSVExporter(stopsOnSignals: true).export(trace: file, to: csv)
            } catch let error as ExportError where error.signal != nil {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(error.signal?.exitCode ?? 1)
            }
            print("Wrote \(files.count) CSV files into \(csv)")
        }
    }
}
