import Foundation
import TestSupport
import Testing

/// `bench train` refuses a bad option in one line before it builds a model or starts a worker. (Its measuring is
/// tested in BenchmarksTests: a debug build takes seconds per step of the real shapes.)
@Suite("bench train: option errors")
struct BenchTrainOptionTests {
    let executable = ChildProcess.builtProduct("normscope")

    @Test(
        "each bad value names its option in one line, exit 1",
        arguments: [
            (["--steps", "0"], "--steps 0: must be a positive whole number"),
            (["--threads", "-2"], "--threads -2: must be a positive whole number"),
            (["--warmup", "-1"], "--warmup -1: must be 0 or a positive whole number"),
            (
                ["--json", "/nonexistent-normscope-dir/out.json"],
                "the folder /nonexistent-normscope-dir does not exist"
            ),
        ])
    func badValues(arguments: [String], message: String) throws {
        let path = try #require(executable)
        let output = try ChildProcess.run(path, arguments: ["bench", "train"] + arguments)
        expectOneLineError(output, [message])
        #expect(output.status == 1)
    }

    @Test("--help names both workloads, the targets and the PyTorch scripts")
    func help() throws {
        let path = try #require(executable)
        let output = try ChildProcess.run(path, arguments: ["bench", "train", "--help"])
        #expect(output.status == 0)
        for needle in ["char-lm", "≤ 0.8×", "≤ 1.0×", "bench_torch_charlm.py", "--threads"] {
            #expect(output.standardOutput.contains(needle), "\(needle) not in the help")
        }
    }
}
