import Analysis
import ArgumentParser

extension NormScope {
    /// `normscope inspect`: the tree of a trace and whether it validates against format v1.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show what is in a trace (groups, datasets with shapes, types, chunks, attributes) and validate it.",
            discussion: """
                Works on any HDF5 file: after the tree it says whether the file is a valid NormScope trace (format \
                v1) and, if not, what is missing or different. Exits 1 when the file is not a valid trace.
                """
        )

        @Argument(help: ArgumentHelp("The trace (.h5).", valueName: "file"))
        var file: String

        @Flag(help: "Leave out attribute values.")
        var noAttributes = false

        func run() throws {
            try TraceProbe.vet(paths: [file])
            let report = try TraceInspector(options: .init(attributes: !noAttributes)).inspect(path: file)
            print(report.text)
            if !report.problems.isEmpty { throw ExitCode.failure }
        }
    }
}
