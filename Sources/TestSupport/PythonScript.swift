import Foundation

/// Runs a Python script in a child process: how the tests prove that files we write open in h5py (and the other
/// way round) instead of assuming it.
public enum PythonScript {
    /// What a script run produced.
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs `python3 -c script arguments…` and waits for it.
    public static func run(_ script: String, arguments: [String] = []) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read both pipes before waiting, so a chatty script cannot fill a pipe and block forever.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: out, as: UTF8.self),
            standardError: String(decoding: err, as: UTF8.self))
    }

    /// Whether `import module` works in `python3`; the README's test command installs h5py, so a missing module
    /// is reported as a failure by the tests that need it, not skipped.
    public static func canImport(_ module: String) -> Bool {
        (try? run("import \(module)").status) == 0
    }
}
