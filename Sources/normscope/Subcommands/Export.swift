import Analysis
import ArgumentParser

extension NormScope {
    /// `normscope export`: a trace's tables as CSV files.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every table of a trace as CSV files with a header row, for tools that don't read HDF5.",
            discussion: """
                Writes runs.csv (each run's settings and status) and, per run, <run>.steps.csv, <run>.evals.csv, \
                <run>.<layer>.grad.csv and, for AdaNorm layers, <run>.<layer>.phi.csv and <run>.<layer>.phi_hist.csv.
                """
        )

        @Argument(help: ArgumentHelp("The trace (.h5).", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("The directory to write the CSV files into (created if needed).", valueName: "dir"))
        var csv: String

        func run() throws {
            try TraceProbe.vet(paths: [file])
            let files = try CSVExporter().export(trace: file, to: csv)
            print("Wrote \(files.count) CSV files into \(csv)")
        }
    }
}
