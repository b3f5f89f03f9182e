import ArgumentParser
import Foundation

/// How `analyze` and `report` group runs and which preset the others are compared with.
struct GroupingOptions: ParsableArguments {
    @Option(
        name: .customLong("group-by"),
        help: ArgumentHelp(
            "Settings that tell groups apart besides the preset, comma-separated (e.g. lr,hidden); by default every "
                + "setting that differs between the runs given. Runs are pooled over seeds only.",
            valueName: "keys"))
    var groupBy: String?

    @Option(
        help: ArgumentHelp(
            "The preset the others are compared with, at the same settings (Welch's t-test and a bootstrap "
                + "interval over seeds); layernorm when present."))
    var baseline: String?

    /// The keys asked for, or nil for the automatic grouping.
    var keys: [String]? {
        groupBy.map { text in
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }
}
