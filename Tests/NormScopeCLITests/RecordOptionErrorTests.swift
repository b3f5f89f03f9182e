import Foundation
import TestSupport
import Testing

/// A number given to `record` that cannot be a setting is refused naming the option and what it must be, before
/// any file is created.
@Suite("record: option errors")
struct RecordOptionErrorTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test(
        "each bad number names its option and range; no trace is written",
        arguments: [
            (["--lr", "nan"], "--lr nan: must be a finite positive number"),
            (["--lr", "-1"], "--lr -1.0: must be a finite positive number"),
            (["--steps", "-5"], "--steps -5: must be a positive whole number"),
            (["--steps", "0"], "--steps 0: must be a positive whole number"),
            (["--batch", "-2"], "--batch -2: must be a positive whole number"),
            (["--seeds", "0"], "--seeds 0: must be a positive whole number"),
            (["--eval-every", "-1"], "--eval-every -1: must be a positive whole number"),
        ])
    func badNumbers(arguments: [String], message: String) throws {
        let path = try #require(executable)
        let directory = TemporaryDirectory()
        let trace = directory.file("bad.h5")
        let output = try ChildProcess.run(path, arguments: ["record"] + arguments + ["--out", trace])
        #expect(output.status != 0)
        #expect(output.standardError.contains(message), "\(output.standardError)")
        #expect(!output.standardError.contains("NSCocoaErrorDomain") && !output.standardError.contains("Missing value"))
        #expect(!FileManager.default.fileExists(atPath: trace))
    }
}
