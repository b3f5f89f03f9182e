import Foundation
import TestSupport
import Testing

/// One line on standard error containing every `needle`, a non-zero status, nothing that looks like a trap: what
/// every command must print for a user's mistake or a bad file.
func expectOneLineError(
    _ output: ChildProcess.Output, _ needles: [String], sourceLocation: SourceLocation = #_sourceLocation
) {
    let errorText = output.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(output.status != 0, "exit status \(output.status)", sourceLocation: sourceLocation)
    #expect(!errorText.contains("\n"), "more than one line: \(errorText)", sourceLocation: sourceLocation)
    for needle in needles {
        #expect(errorText.contains(needle), "'\(needle)' not in: \(errorText)", sourceLocation: sourceLocation)
    }
    #expect(
        !errorText.contains("Fatal error") && !errorText.contains("HDF5-DIAG"), "\(errorText)",
        sourceLocation: sourceLocation)
}
