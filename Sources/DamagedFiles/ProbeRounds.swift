import Foundation
import HDF5

/// The rounds of probing one file: a child walks it skipping what is quarantined so far; when the child dies or
/// hangs, the object it last named joins the quarantine and the next round starts; a walk that gets through ends it.
struct ProbeRounds {
    let path: String
    let bytes: Int
    let options: DamageProbe.Options

    func run() throws(HDF5Error) -> Quarantine {
        let timeout = options.timeout ?? Self.timeout(forBytes: bytes)
        let memory = Self.memoryBudgetMiB(forBytes: bytes)
        let perturb = ProcessInfo.processInfo.environment["MALLOC_PERTURB_"] == nil
        let readAll = bytes <= ProbeWalker.wholeReadBytes
        let rawChunks = RawChunkReads.enabled
        func giveUp(_ message: String, code: HDF5Error.Code = .damaged) -> HDF5Error {
            HDF5Error(code: code, operation: "probe", filePath: path, message: message)
        }
        ProbeWalker.prepareInParent()
        var quarantine = Quarantine()
        for _ in 0..<options.maxRounds {
            let skipped = quarantine
            let child = ProbeChild.run(timeout: timeout) { output in
                ProbeProtocol.prepareChild(memoryBudgetMiB: memory, perturbMemory: perturb)
                ProbeWalker(
                    path: path, skipping: skipped, output: output, readAll: readAll, readsRawChunks: rawChunks
                ).walk()
            }
            let reason: String
            switch child.ending {
            case .exited(0), .exited(ProbeProtocol.unopenableStatus):
                // A clean walk, or a file HDF5 refuses politely (the reader says why).
                return quarantine
            case .exited(ProbeProtocol.exhaustedStatus):
                reason = "ran out of memory under a budget of \(memory) MiB"
            case .exited(let status):
                // Any other status is the child's own failure, not the file's.
                throw giveUp(
                    "the probe that walks it first failed (exit status \(status)); "
                        + "set NORMSCOPE_NO_PROBE=1 to read it unprobed", code: .library)
            case .signaled(let signal):
                reason = ProbeChild.name(ofSignal: signal)
            case .timedOut:
                reason = "no answer within \(Int(timeout.rounded())) s"
            case .lost where child.lastMarker == .done:
                return quarantine
            case .notStarted(let error):
                throw giveUp(
                    "cannot start the probe that walks it first (\(String(cString: strerror(error)))); "
                        + "try again, or set NORMSCOPE_NO_PROBE=1 to read it unprobed", code: .library)
            case .lost(let error):
                throw giveUp(
                    "lost the probe that walks it first (waitpid: \(String(cString: strerror(error)))); "
                        + "set NORMSCOPE_NO_PROBE=1 to read it unprobed", code: .library)
            }
            switch child.lastMarker {
            case .close?:
                throw giveUp("damaged: closing it crashed HDF5 in a probe (\(reason))")
            case .touch(let target)?:
                guard skipped.refusal(of: target) == nil else {
                    throw giveUp("damaged: HDF5 crashed in a probe (\(reason)) after every damaged object was skipped")
                }
                quarantine.add(target, reason: reason)
            case .open?, .done?, nil:
                throw giveUp("damaged: opening it crashed HDF5 in a probe (\(reason))")
            }
        }
        throw giveUp("damaged: more than \(options.maxRounds) of its objects crash HDF5 in a probe")
    }

    /// Ten seconds for small files, plus one per 10 MB, for one object: the probe reads little data, but one
    /// dataset's chunk index grows with the file. A healthy object takes well under a millisecond; the margin is
    /// for a loaded machine and damaged extents that are slow to read without being endless.
    static func timeout(forBytes bytes: Int) -> Double {
        10 + Double(bytes) / 10e6
    }

    /// Address space the child may add to what it inherits: the walk's small reads, and twice the file's size
    /// for HDF5's caches of a large file.
    static func memoryBudgetMiB(forBytes bytes: Int) -> Int {
        1024 + 2 * (bytes >> 20)
    }
}
