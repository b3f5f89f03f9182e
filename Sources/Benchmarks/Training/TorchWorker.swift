import Foundation
import HDF5

#if canImport(Glibc)
    import Glibc
#endif

/// A PyTorch script of `analysis/` kept running (`--serve`), so that `bench train` can alternate rounds of its
/// steps with rounds of NormScope's in one run.
///
/// The protocol (`analysis/bench_torch_worker.py`), one line of text each way:
///
/// ```
/// worker → {"ready": true, "torch": "2.13.0+cpu", "threads": 2, "model": "…"}     once, when the model is built
/// run N  → {"ms": [t₁, …, t_N]}                                                   N steps, each timed alone
/// quit   → the worker exits (so does the end of its input)
/// worker → {"unavailable": "No module named 'torch'"}                             instead of ready; exit 3
/// ```
///
/// Every wait for a line has a deadline, and every way a worker can fail — it exits, answers something else,
/// or says nothing — is one ``Failure`` naming the script, after which the worker is stopped: a broken worker
/// ends the benchmark with one line, never a hang. Commands go through a socket rather than a pipe, and are
/// sent with `MSG_NOSIGNAL`, so a worker that has died is an error to report rather than a SIGPIPE that would end
/// this process.
package final class TorchWorker {
    /// The worker failed: one line saying how.
    package struct Failure: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    /// The worker cannot run this model here (no torch, or no Python): the comparison is skipped, not failed.
    package struct Unavailable: Error, CustomStringConvertible {
        package var reason: String
        package var description: String { reason }
    }

    /// What the worker said when it was ready.
    package struct Ready: Sendable, Equatable {
        package var torchVersion: String
        package var threads: Int
        package var model: String
    }

    /// The script's name, for messages.
    package let name: String
    package private(set) var ready = Ready(torchVersion: "", threads: 0, model: "")
    private let process = Process()
    private let timeout: Duration
    private let commands: Int32
    private let answers: FileHandle
    private let errorLog: String
    private var pending: [UInt8] = []
    private var stopped = false

    /// Starts `command` (an executable and its arguments) and waits for its ready line.
    ///
    /// - Parameters:
    ///   - name: What messages call the worker, such as the script's path.
    ///   - timeout: The longest wait for any one line, the ready line included.
    /// - Throws: ``Unavailable`` when the worker says torch cannot be imported or the program cannot be found
    ///   (exit status 127 of `env`); ``Failure`` for anything else that is not a ready line in time.
    package init(command: [String], name: String, timeout: Duration) throws {
        precondition(!command.isEmpty, "TorchWorker needs a program to run")
        self.name = name
        self.timeout = timeout
        var sockets: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0 else {
            throw Failure(
                message:
                    "cannot start the PyTorch worker \(name): socketpair failed: \(SystemErrorText.describe(errno))")
        }
        commands = sockets[0]
        let workerInput = FileHandle(fileDescriptor: sockets[1], closeOnDealloc: true)
        let output = Pipe()
        answers = output.fileHandleForReading
        errorLog = (NSTemporaryDirectory() as NSString).appendingPathComponent(
            "normscope-torch-worker-\(getpid())-\(UUID().uuidString.prefix(8)).err")
        guard FileManager.default.createFile(atPath: errorLog, contents: nil) else {
            stop(asking: false)
            throw Failure(message: "cannot start the PyTorch worker \(name): cannot create \(errorLog)")
        }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardInput = workerInput
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: errorLog)
        do {
            try process.run()
        } catch {
            stop(asking: false)
            throw Unavailable(reason: "cannot run \(command[0]): \(error.localizedDescription)")
        }
        try? workerInput.close()
        try? output.fileHandleForWriting.close()
        do {
            ready = try readReady()
        } catch {
            stop(asking: false)
            throw error
        }
    }

    deinit { stop() }

    /// Has the worker take `steps` training steps and returns each one's time in milliseconds.
    package func run(_ steps: Int) throws -> [Double] {
        precondition(steps > 0, "TorchWorker.run expects at least one step, got \(steps)")
        return try request("run \(steps)", steps: steps)
    }

    /// Sends `command` and reads its answer, `steps` step times; the tests send other commands through it.
    func request(_ command: String, steps: Int) throws -> [Double] {
        // Its socket is closed, and the number may be another file's by now.
        guard !stopped else {
            throw Failure(message: "\(prefix) has stopped (after a failure, or at the end of its workload)")
        }
        do {
            try send(command)
            let line = try readLine(answering: command)
            guard let object = Self.object(line) else {
                throw Failure(message: "\(prefix) answered '\(command)' with \(Self.quoted(line)), not JSON")
            }
            if let error = object["error"] as? String {
                throw Failure(message: "\(prefix) answered '\(command)' with an error: \(error)")
            }
            guard let times = (object["ms"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.doubleValue }),
                times.count == steps, times.allSatisfy({ $0.isFinite && $0 > 0 })
            else {
                throw Failure(
                    message: "\(prefix) answered '\(command)' with \(Self.quoted(line)), not \(steps) positive "
                        + "step times in ms")
            }
            return times
        } catch {
            stop(asking: false)
            throw error
        }
    }

    /// Asks the worker to quit and waits for it; a worker that does not quit within 5 s is killed.
    package func stop() {
        stop(asking: true)
    }

    /// A worker that has failed is not asked: it may be the reason nothing answers.
    private func stop(asking: Bool) {
        guard !stopped else { return }
        stopped = true
        if asking && process.isRunning { try? send("quit") }
        close(commands)
        // SIGKILL rather than SIGTERM: a child inherits its parent's ignored and blocked signals, and SIGTERM left
        // a hung worker started from the test runner running.
        if !waitForExit(within: asking ? .seconds(5) : .zero) {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? answers.close()
        try? FileManager.default.removeItem(atPath: errorLog)
    }

    // MARK: - Lines

    private var prefix: String { "the PyTorch worker \(name)" }

    private func readReady() throws -> Ready {
        let line = try readLine(answering: nil)
        let object = Self.object(line)
        if let reason = object?["unavailable"] as? String { throw Unavailable(reason: reason) }
        guard object?["ready"] as? Bool == true, let version = object?["torch"] as? String else {
            throw Failure(message: "\(prefix) began with \(Self.quoted(line)) instead of its ready line")
        }
        return Ready(
            torchVersion: version, threads: (object?["threads"] as? NSNumber)?.intValue ?? 0,
            model: object?["model"] as? String ?? "")
    }

    private func send(_ command: String) throws {
        let bytes = Array((command + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(commands, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ended(while: "'\(command)' was sent") }
            sent += count
        }
    }

    /// The next line of the worker's output (without its newline), waiting at most `timeout`.
    private func readLine(answering command: String?) throws -> String {
        let waiting = command.map { "answering '\($0)'" } ?? "starting"
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            guard pending.count < 1 << 20 else {
                throw Failure(message: "\(prefix) wrote over 1 MiB without a newline while \(waiting)")
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else {
                throw Failure(message: "\(prefix) said nothing for \(Self.seconds(timeout)) while \(waiting)")
            }
            // Short slices, so that a worker that is gone is noticed even if its output never reports an end.
            var descriptor = pollfd(fd: answers.fileDescriptor, events: Int16(POLLIN), revents: 0)
            let slice = Int32(min(200, max(1, left.inSeconds * 1000)))
            let ready = poll(&descriptor, 1, slice)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 {
                if !process.isRunning && poll(&descriptor, 1, 0) == 0 { throw ended(while: waiting) }
                continue
            }
            let count = read(answers.fileDescriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw ended(while: waiting) }
            pending += chunk[..<count]
        }
    }

    /// The failure for a worker that is gone: its exit status and the last line it wrote to standard error.
    private func ended(while waiting: String) -> any Error {
        _ = waitForExit(within: .seconds(2))
        let status = process.isRunning ? nil : process.terminationStatus
        let errorText = (try? String(contentsOfFile: errorLog, encoding: .utf8)) ?? ""
        let lastError = errorText.split(separator: "\n").last.map { String($0.prefix(300)) }
        // env's status when it cannot find the program: Python is not there at all.
        if status == 127 && process.terminationReason == .exit {
            return Unavailable(reason: lastError ?? "\(process.executableURL?.path ?? "") found no program")
        }
        let how =
            switch (status, process.terminationReason) {
            case (nil, _): "closed its output"
            case (let status?, .uncaughtSignal): "was killed by signal \(status)"
            case (let status?, _): "exited with status \(status)"
            }
        return Failure(message: "\(prefix) \(how) while \(waiting)" + (lastError.map { ": \($0)" } ?? ""))
    }

    private func waitForExit(within limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline { usleep(10_000) }
        return !process.isRunning
    }

    private static func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    private static func quoted(_ line: String) -> String {
        line.isEmpty ? "an empty line" : "'\(line.count > 80 ? line.prefix(80) + "…" : line)'"
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%g s", duration.inSeconds)
    }
}
