import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Stopping a recording with signals, as terminals, `timeout` and impatient users do: any number of SIGINTs and
/// SIGTERMs in any rhythm finish the current step and keep every recorded step, and a stop is honoured at once even
/// in a sweep of a thousand runs.
@Suite("record: stopped by signals", .serialized)
struct RecordInterruptTests {
    let executable = ChildProcess.builtProduct("normscope")

    /// Starts a recorder and waits until its trace is at its path (renamed into place before the first step).
    func startRecorder(_ arguments: [String], trace: String, standardError: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = ["record", "--quiet"] + arguments + ["--out", trace]
        process.standardOutput = FileHandle.nullDevice
        if let standardError {
            FileManager.default.createFile(atPath: standardError, contents: nil)
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: standardError))
        }
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: trace) && process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        return process
    }

    /// Each run's status, completed_steps, and the rows of its steps and grad tables, as h5py reads them.
    func runs(_ trace: String) throws -> [String] {
        let output = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                for name, run in f["runs"].items():
                    grads = {len(layer["grad"]) for layer in run["norms"].values()}
                    print(name, run.attrs["status"], run.attrs["completed_steps"], len(run["steps"]), *sorted(grads))
            """, arguments: [trace])
        try #require(output.status == 0, "\(output.standardError)")
        return output.standardOutput.split(separator: "\n").map(String.init)
    }

    /// Two SIGINTs 1 ms apart (a terminal's Ctrl-C reaching a process group, `timeout -s INT`), ten of them, and
    /// SIGINT then SIGTERM: the first signal decides, and no later one ends the process early.
    @Test(
        "repeated signals: the step finishes, the run is interrupted with every step kept, nothing left beside it",
        arguments: [[SIGINT, SIGINT], Array(repeating: SIGINT, count: 10), [SIGINT, SIGTERM]])
    func repeatedSignals(signals: [Int32]) throws {
        let directory = TemporaryDirectory()
        let config = directory.file("sweep.json")
        try #"{"hidden": [16], "batch": 16}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let trace = directory.file("stopped.h5")
        // Standard error into a file outside the trace's folder, read once the recorder has ended. Flushed rarely,
        // so that a process ended by a later signal would lose the steps since the last flush.
        let errorLog = TemporaryDirectory()
        let process = try startRecorder(
            ["--config", config, "--steps", "1000000", "--flush-every", "100000"], trace: trace,
            standardError: errorLog.file("stderr"))
        Thread.sleep(forTimeInterval: 1.5)
        for number in signals {
            kill(process.processIdentifier, number)
            usleep(1000)
        }
        process.waitUntilExit()
        let error = try String(contentsOfFile: errorLog.file("stderr"), encoding: .utf8)
        // The first signal handled decides the status: SIGINT's here, unless a busy machine had a thread take the
        // SIGTERM sent 1 ms later first (signals to a process go to any of its threads).
        let first = error.contains("SIGTERM: stopping") ? SIGTERM : SIGINT
        #expect(signals.contains(first) && error.contains("stopping after the current step"), "\(error)")
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + first, "\(error)")
        #expect(error.components(separatedBy: "stopping after").count == 2, "announced more than once: \(error)")
        let rows = try runs(trace)
        try #require(rows.count == 1, "\(rows)")
        let fields = rows[0].split(separator: " ")
        #expect(fields.count == 5 && fields[1] == "interrupted", "\(rows)")
        // completed_steps, the steps rows and the grad rows agree: every step the run took is in the trace.
        #expect(Set(fields.dropFirst(2)).count == 1 && (Int(fields[2]) ?? 0) > 0, "\(rows)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == ["stopped.h5", "sweep.json"])
    }

    /// Before, every run's model was built before the first step (1.25 GB and 21 s for a thousand seeds), with
    /// the signals' handler installed only after that: a stop meanwhile killed the recorder outright or waited for
    /// all of it. Now one model per distinct setting is built to check it, each run's own when it trains.
    @Test("a stop while a thousand-run sweep prepares is honoured at once: exit 130, nothing half-written")
    func stopWhilePreparing() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("thousand.h5")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(executable))
        process.arguments = ["record", "--quiet", "--seeds", "1000", "--steps", "1", "--out", trace]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.5)
        let stop = ContinuousClock.now
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - stop) / .seconds(1)
        #expect(process.terminationReason == .exit && process.terminationStatus == 130)
        #expect(seconds < 3, "the stop took \(seconds) s")
        // Stopped before the trace was created (nothing written), or after: then a valid trace of finished runs.
        if FileManager.default.fileExists(atPath: trace) {
            #expect(try runs(trace).allSatisfy { $0.contains(" completed ") || $0.contains(" interrupted ") })
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { $0 == "thousand.h5" })
    }

    @Test("a stop in a sweep of a thousand runs is honoured at once, holding one model per job")
    func thousandRuns() throws {
        let directory = TemporaryDirectory()
        let trace = directory.file("thousand.h5")
        let process = try startRecorder(["--seeds", "1000", "--steps", "1"], trace: trace)
        try #require(process.isRunning, "the recorder ended before recording")
        Thread.sleep(forTimeInterval: 1)
        let peak = try peakMemoryMiB(process.processIdentifier)
        let stop = ContinuousClock.now
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - stop) / .seconds(1)
        #expect(process.terminationStatus == 130)
        // A second in a release build; a debug build under a parallel test run gets some slack.
        #expect(seconds < 3, "the stop took \(seconds) s")
        // About 70 MiB; a thousand models took 270 MiB before the first step, 1.4 GiB by the end of the sweep.
        #expect(peak < 160, "peak memory \(peak) MiB before the stop")
        let rows = try runs(trace)
        #expect(!rows.isEmpty && rows.count < 1000, "\(rows.count) runs")
        #expect(rows.allSatisfy { $0.contains(" completed ") || $0.contains(" interrupted ") }, "\(rows)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["thousand.h5"])
    }

    /// The process's peak resident memory so far (`VmHWM`), in MiB.
    func peakMemoryMiB(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try #require(Int(line.split(separator: " ")[1]))
        return kilobytes / 1024
    }
}
