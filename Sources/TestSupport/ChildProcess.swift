import Foundation

/// Runs another program and collects what it printed: for end-to-end tests of the `normscope` executable and for
/// the Python interoperability checks.
public enum ChildProcess {
    /// What a finished child process produced.
    public struct Output: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
    }

    /// Runs `executable arguments…` and waits for it.
    public static func run(_ executable: String, arguments: [String], environment: [String: String]? = nil) throws
        -> Output
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Drain stderr on another thread while reading stdout here, so neither pipe can fill up and block the child.
        let errorData = ErrorCollector(stderr.fileHandleForReading)
        let out = readToEnd(stdout.fileHandleForReading)
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            standardOutput: String(decoding: out, as: UTF8.self),
            standardError: String(decoding: errorData.wait(), as: UTF8.self))
    }

    /// The path of an executable product built next to the running test bundle (`.build/debug/normscope`).
    public static func builtProduct(_ name: String) -> String? {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On Linux the test runner sits in the products directory; on macOS it is inside an .xctest bundle.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return nil
    }
}

/// Everything a pipe delivers until its writer closes it. `readDataToEndOfFile` traps when a read is interrupted
/// by a signal (EINTR), which the signal-handling tests running beside it cause; `read` is retried instead.
func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            data.append(contentsOf: buffer[0..<count])
        } else if count == 0 || errno != EINTR {
            return data
        }
    }
}

/// Reads a pipe to its end on a background thread.
private final class ErrorCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = readToEnd(handle)
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}
