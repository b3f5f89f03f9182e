import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Damaged copies of a small trace on which the commands crashed or hung before the read checks and the probe
/// (Fixtures/damaged, README there: a variable-length string pointing past its global heap collection, an object
/// header that crashes attribute iteration, a dimension of 4e18 rows, …). Every command must end with status 0 or 1, at most one line on standard error, within a
/// time limit: never a signal, never a hang.
@Suite("Damaged files: no crash, no hang", .serialized)
struct DamagedFileTests {
    static let fixtures: [String] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/damaged")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".h5") }.sorted().map { folder.appendingPathComponent($0).path }
    }()

    /// How a run of the executable ended.
    struct Ending {
        var status: Int32
        var signal: Int32?
        var timedOut: Bool
        var standardOutput: String
        var standardError: String
    }

    /// Runs `normscope arguments…`, killing it after `limit` seconds. Output goes to files, so a child that floods
    /// a pipe cannot block. The probe's own per-round limit is lowered so that a hang costs seconds, not minutes.
    static func run(_ arguments: [String], limit: TimeInterval = 90, in directory: String) throws -> Ending {
        let executable = try #require(ChildProcess.builtProduct("normscope"))
        let outPath = directory + "/stdout", errPath = directory + "/stderr"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["NORMSCOPE_PROBE_TIMEOUT"] = environment["NORMSCOPE_PROBE_TIMEOUT"] ?? "3"
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        let deadline = Date().addingTimeInterval(limit)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let signaled = !timedOut && process.terminationReason == .uncaughtSignal
        return Ending(
            status: process.terminationStatus, signal: signaled ? process.terminationStatus : nil, timedOut: timedOut,
            standardOutput: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }

    @Test("there are fixtures, each at most 100 KB")
    func fixturesPresent() throws {
        #expect(Self.fixtures.count >= 2)
        for path in Self.fixtures {
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            #expect(size <= 100_000, "\(path): \(size) bytes")
        }
    }

    @Test("analyze, report, export and inspect end with 0 or 1 and one line per problem", arguments: fixtures)
    func commands(fixture: String) throws {
        let name = URL(fileURLWithPath: fixture).lastPathComponent
        let commands: [[String]] = [
            ["analyze", fixture], ["report", fixture, "-o", "report.html"], ["export", fixture, "--csv", "csv"],
            ["inspect", fixture],
        ]
        for arguments in commands {
            let directory = NSTemporaryDirectory() + "damaged-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let started = Date()
            let ending = try Self.run(arguments, in: directory)
            let what = "\(arguments[0]) \(name)"
            #expect(!ending.timedOut, "\(what): still running after \(Date().timeIntervalSince(started)) s")
            #expect(ending.signal == nil, "\(what): killed by signal \(ending.signal ?? 0)")
            #expect([0, 1].contains(ending.status), "\(what): exit status \(ending.status)")
            let errorLines = ending.standardError.split(separator: "\n")
            #expect(errorLines.count <= 1, "\(what): \(ending.standardError)")
            for line in errorLines where errorLines.count == 1 {
                #expect(line.contains(name), "\(what): the error does not name the file: \(line)")
                #expect(!line.contains("HDF5-DIAG") && !line.contains("Fatal error") && !line.contains("crashed:"))
            }
        }
    }

    @Test("analyze lists what the probe kept from HDF5 under damaged, once, and analyzes the rest")
    func quarantinedObjectsAreDamaged() throws {
        let fixture = try #require(Self.fixtures.first { $0.hasSuffix("dimension-scale-double-free.h5") })
        let directory = TemporaryDirectory()
        let ending = try Self.run(["analyze", fixture, "--format", "json"], in: directory.path)
        #expect(ending.status == 0 && ending.signal == nil, "\(ending.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(ending.standardOutput.utf8)) as? [String: Any])
        let damaged = document["damaged"] as? [[String: Any]] ?? []
        let entry = try #require(damaged.first { ($0["object"] as? String)?.hasSuffix("hidden1.norm/phi_bin") == true })
        #expect(
            (entry["problem"] as? String)?.hasPrefix("opening or reading it crashed HDF5 in a probe (SIGABRT)") == true)
        let missing = document["missing"] as? [String] ?? []
        #expect(!missing.contains { $0.contains("crashed HDF5 in a probe") }, "\(missing)")
        #expect((document["layers"] as? [String: Any])?["adanorm-s0"] != nil)
    }

    @Test("a global heap that hangs HDF5 costs one probe round: every string is left out, the tables analyzed")
    func hangingGlobalHeap() throws {
        let fixture = try #require(Self.fixtures.first { $0.hasSuffix("global-heap-zeroed-latest-format.h5") })
        let directory = TemporaryDirectory()
        let started = Date()
        let ending = try Self.run(["analyze", fixture, "--format", "json"], limit: 60, in: directory.path)
        // One round of the probe's 3 s, not one per string: before, 16 rounds and then the whole file refused.
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(ending.status == 0 && ending.signal == nil && !ending.timedOut, "\(ending.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(ending.standardOutput.utf8)) as? [String: Any])
        let damaged = document["damaged"] as? [[String: Any]] ?? []
        #expect(damaged.contains { ($0["object"] as? String) == "/:strings" }, "\(damaged)")
        let runs = document["runs"] as? [[String: Any]] ?? []
        #expect((runs.first?["step_rows"] as? Int) == 10, "\(runs)")
    }
}
