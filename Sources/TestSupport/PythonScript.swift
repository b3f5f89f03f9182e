/// Runs a Python script in a child process: how the tests prove that files we write open in h5py (and the other
/// way round) instead of assuming it.
public enum PythonScript {
    /// Runs `python3 -c script arguments…` (the first `python3` on PATH) and waits for it.
    public static func run(_ script: String, arguments: [String] = []) throws -> ChildProcess.Output {
        try ChildProcess.run("/usr/bin/env", arguments: ["python3", "-c", script] + arguments)
    }

    /// Whether `import module` works in `python3`. The README's test command installs h5py, so tests report a
    /// missing module as a failure rather than skipping.
    public static func canImport(_ module: String) -> Bool {
        (try? run("import \(module)").status) == 0
    }
}
