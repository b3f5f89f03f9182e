import Analysis
import Foundation
import HDF5

/// Vets trace files before a command reads them: a child process (`normscope __probe`) walks each file, and every
/// object that crashes it, hangs it or exhausts its memory goes into `HDF5Quarantine`, so that this process never
/// touches it and lists it as damaged instead. See `HDF5Quarantine` for why in-process checks cannot do this.
///
/// Call `try TraceProbe.vet(paths:)` before opening any of the files; afterwards `HDF5Quarantine.entries(for:)`
/// lists what was found. `NORMSCOPE_NO_PROBE=1` turns it off (to measure what it protects from);
/// `NORMSCOPE_PROBE_TIMEOUT=<seconds>` replaces the per-run time limit (tests shorten it).
public enum TraceProbe {
    /// Probe runs per file before giving up on it: each run finds one more damaged object.
    public static let maxRounds = 16

    /// Probes every file in `paths` that exists; files that do not are left to the reader's own message. A path is
    /// a command-line argument, read as the summary reads it: a file, or `FILE:LABEL` (`TraceInput`).
    ///
    /// - Throws: `HDF5Error` (`.damaged`, one line naming the file) when HDF5 crashes on the file as a whole —
    ///   opening it, or more than `maxRounds` objects.
    public static func vet(paths: [String]) throws(HDF5Error) {
        guard ProcessInfo.processInfo.environment["NORMSCOPE_NO_PROBE"] != "1" else { return }
        for path in paths { try vet(path: TraceInput(argument: path).path) }
    }

    static func vet(path: String) throws(HDF5Error) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let timeout = timeout(forBytes: size)
        let memoryMiB = memoryLimitMiB(forBytes: size)
        func giveUp(_ message: String) -> HDF5Error {
            HDF5Error(code: .damaged, operation: "probe", filePath: path, message: message)
        }
        for _ in 0..<maxRounds {
            let skipped = HDF5Quarantine.entries(for: path).map { "\($0.target)" }
            var arguments = [ProbeProtocol.subcommand, path, "--memory-limit", "\(memoryMiB)"]
            if !skipped.isEmpty { arguments += ["--skip"] + skipped }
            let child = ProbeChild.run(arguments: arguments, timeout: timeout)
            let reason: String
            switch child.ending {
            case .exited(0), .exited(ProbeProtocol.unopenableStatus), .notStarted:
                // A clean walk, a file HDF5 refuses politely (the reader says why), or no probe at all.
                return
            case .exited(ProbeProtocol.exhaustedStatus):
                reason = "ran out of memory under a \(memoryMiB) MiB limit"
            case .exited(let status):
                // Any other status is the probe's own failure (arguments, say), not the file's.
                _ = status
                return
            case .signaled(let signal):
                reason = ProbeChild.name(ofSignal: signal)
            case .timedOut:
                reason = "no answer within \(Int(timeout.rounded())) s"
            }
            let last = child.lines.last {
                $0 == ProbeProtocol.openMarker || $0 == ProbeProtocol.closeMarker
                    || $0.hasPrefix(ProbeProtocol.touchPrefix)
            }
            if last == ProbeProtocol.closeMarker {
                throw giveUp("damaged: closing it crashed HDF5 in a probe (\(reason))")
            }
            guard let last, last.hasPrefix(ProbeProtocol.touchPrefix),
                let target = HDF5Quarantine.Target(String(last.dropFirst(ProbeProtocol.touchPrefix.count)))
            else {
                throw giveUp("damaged: opening it crashed HDF5 in a probe (\(reason))")
            }
            guard !skipped.contains("\(target)") else {
                throw giveUp("damaged: HDF5 crashed in a probe (\(reason)) after every damaged object was skipped")
            }
            HDF5Quarantine.add(target, file: path, reason: reason)
        }
        throw giveUp("damaged: more than \(maxRounds) of its objects crash HDF5 in a probe")
    }

    /// Ten seconds for small files, plus one per 10 MB: the probe reads little data, but metadata grows with size.
    /// A healthy small trace takes a tenth of a second; the margin is for a loaded machine and damaged extents
    /// that are slow to read without being endless.
    static func timeout(forBytes bytes: Int) -> Double {
        if let text = ProcessInfo.processInfo.environment["NORMSCOPE_PROBE_TIMEOUT"], let value = Double(text),
            value > 0
        {
            return value
        }
        return 10 + Double(bytes) / 10e6
    }

    /// The probe's address-space limit: the runtime and libraries, the walk's small reads, and the file's size for
    /// HDF5's caches of a large file.
    static func memoryLimitMiB(forBytes bytes: Int) -> Int {
        1024 + 2 * (bytes >> 20)
    }
}
