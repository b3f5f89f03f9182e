import Foundation
import TestSupport
import Testing

/// A recorder whose file cannot grow (a file-size limit, as a quota or a full disk does) stops with one line naming
/// the cause, and leaves a trace that h5py and `analyze` open with every step up to its last flush.
@Suite("Recording under a file-size limit")
struct RecordStorageFailureTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// Records into `directory` under `ulimit -f 1024` (1 MiB), with SIGXFSZ ignored by the shell or not.
    private func recordUnderLimit(_ directory: TemporaryDirectory, ignoreSignalInShell: Bool) throws
        -> (ChildProcess.Output, String)
    {
        let path = try #require(executable)
        let trace = directory.file("limited.h5")
        let trap = ignoreSignalInShell ? "trap '' XFSZ; " : ""
        let output = try ChildProcess.run(
            "/bin/bash",
            arguments: [
                "-c",
                "ulimit -f 1024; \(trap)exec \"$0\" record --quiet --presets layernorm,adanorm --steps 4000 "
                    + "--eval-every 50 --flush-every 25 --out \"$1\"",
                path, trace,
            ])
        return (output, trace)
    }

    @Test("EFBIG with SIGXFSZ ignored, and SIGXFSZ left to the recorder: one line, a readable trace", arguments: [true, false])
    func fileSizeLimit(ignoreSignalInShell: Bool) throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let (output, trace) = try recordUnderLimit(directory, ignoreSignalInShell: ignoreSignalInShell)
        #expect(output.status == 1, "status \(output.status): \(output.standardError)")
        expectOneLineError(output, [trace, "File too large", "file-size limit", "last flush"])

        let check = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                runs = f["runs"]
                total = 0
                for name, run in runs.items():
                    n = run["steps"].shape[0]
                    assert (run["steps"]["step"][()] == range(n)).all(), name
                    assert run["step"].shape[0] == n
                    for layer in run["norms"].values():
                        assert layer["grad"].shape[0] == n, (name, layer.name)
                        layer["grad"][()]
                    total += n
                assert total >= 25, total
                print(total)
            """, arguments: [trace])
        #expect(check.status == 0, "\(check.standardError)")
        let analyzed = try ChildProcess.run(try #require(executable), arguments: ["analyze", trace])
        #expect(analyzed.status == 0, "\(analyzed.standardError)")
        // The note, not the table's column header, which says "unfinished" in every report.
        #expect(analyzed.standardOutput.contains("is unfinished"), "\(analyzed.standardOutput)")
    }
}
