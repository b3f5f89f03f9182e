import Analysis
import ArgumentParser

extension NormScope {
    /// `normscope inspect`: the tree of a trace, whether it validates against its format version and whether its data is
    /// sound.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Show what is in a trace (groups, datasets with shapes, types, chunks, attributes) and check it.",
            discussion: """
                Works on any HDF5 file. After the tree come two verdicts. Structure: whether the file is a valid \
                NormScope trace (format 2, or 1 for older traces) and, if not, what is missing or different. Data: by default the first \
                and last chunk of every dataset are read and their rows checked (a quick check); with --data every \
                chunk of every dataset is read, every row of steps, evals, grad and phi is checked for values no \
                recorder writes and for its step order, and each run's table lengths are held against its status. \
                Damaged objects are listed one per line with the rows concerned. Memory stays bounded whatever the file's size: rows \
                are read one block at a time. The rows of a diverged run's diverged_step (where a gradient share \
                may be inf) are the divergence's record, not damage, as analyze reads them.

                A live trace (record --live), still being written or left by a killed recorder, is opened as a \
                SWMR reader, as analyze opens it, and the output says so.

                Exit status: 0 for a valid trace whose data passed the check; 1 when the structure is invalid, \
                the data is damaged, or the file cannot be opened.
                """
        )

        @Argument(help: ArgumentHelp("The trace (.h5).", valueName: "file"))
        var file: String

        @Flag(help: "Leave out attribute values.")
        var noAttributes = false

        @Flag(help: "Read every chunk and check every value (default: the first and last chunk of each dataset).")
        var data = false

        func run() throws {
            let options = TraceInspector.Options(attributes: !noAttributes, allData: data)
            let report = try TraceInspector(options: options).inspect(path: file)
            print(report.text)
            if !report.isGood { throw ExitCode.failure }
        }
    }
}
