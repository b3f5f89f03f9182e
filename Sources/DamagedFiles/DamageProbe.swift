import Foundation
import HDF5
import Synchronization

/// Vets files before they are read: a child process walks each one the way the readers will, and every object on
/// which HDF5 crashes, hangs or runs out of memory there goes into the file's `Quarantine`, which the `ProbedFile`
/// it returns opens the file with. See `HDF5Access` for why no check inside this process can do this.
///
/// The child is this process forked, without exec (`HDF5Fork`): the library may be linked into any program, and a
/// program cannot count on a `normscope` executable to start (nor know that its own executable is one). Forking a
/// program that has threads is safe here because of what the child does: it runs no Foundation, starts no thread,
/// reaches libhdf5 through a lock made afresh for it and HDF5's state copied while no thread was inside it,
/// allocates with glibc's malloc (whose locks fork resets) and leaves by `_exit`; statics it needs are made in the
/// parent first. What remains — a lock of the Swift runtime that another thread held at the very instant of the
/// fork — would hang the child; it is killed at the deadline like one that HDF5 sends into a loop, and the object it
/// was on set aside: a needless `damaged:` entry at worst, never a crash or a hang of the reader. (Spawning a
/// `normscope` executable instead, as the probe did when it lived in the command line tool, needs that executable
/// at hand, which a program using the library cannot count on.)
///
/// Verdicts are kept per file stamp (device, inode, size, modification time): vetting a file again returns the
/// verdict at once until the file changes. The cache belongs to this object, not to the process: a reader given no
/// probe makes its own, and two probes know nothing of each other.
///
/// `NORMSCOPE_NO_PROBE=1` turns it off (to measure what it protects from); `NORMSCOPE_PROBE_TIMEOUT=<seconds>`
/// replaces the time a round may spend on one object (tests shorten it).
public final class DamageProbe: Sendable {
    /// How the probe runs.
    public struct Options: Sendable, Hashable {
        /// Whether files are walked at all; off, every verdict is empty.
        public var enabled: Bool
        /// Seconds a round's child may spend on one object before it is killed and that object quarantined (a
        /// round ends in any case after `ProbeChild.limitPerTimeout` times this); nil: 10 s plus 1 s per 10 MB of
        /// the file.
        public var timeout: Double?
        /// Rounds per file before giving up on it: each round finds one more damaged object.
        public var maxRounds: Int

        public init(enabled: Bool = true, timeout: Double? = nil, maxRounds: Int = 16) {
            self.enabled = enabled
            self.timeout = timeout
            self.maxRounds = maxRounds
        }

        /// The defaults, with `NORMSCOPE_NO_PROBE` and `NORMSCOPE_PROBE_TIMEOUT` applied.
        public static var environment: Options {
            let environment = ProcessInfo.processInfo.environment
            let timeout = environment["NORMSCOPE_PROBE_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil }
            return Options(enabled: environment["NORMSCOPE_NO_PROBE"] != "1", timeout: timeout)
        }
    }

    public let options: Options
    private let verdicts = Mutex<[FileStamp: Quarantine]>([:])

    public init(options: Options = .environment) {
        self.options = options
    }

    /// Probes the file at `path`, or takes the verdict found for it before if it has not changed since.
    ///
    /// A path that is not a regular file is not walked: the reader says what it is (missing, a folder).
    ///
    /// - Throws: `HDF5Error` (`.damaged`, one line naming the file) when HDF5 crashes on the file as a whole —
    ///   opening or closing it, or more than `maxRounds` objects; (`.library`) when no child can be started.
    public func vet(_ path: String) throws(HDF5Error) -> ProbedFile {
        guard options.enabled, let stamp = FileStamp(path: path) else {
            return ProbedFile(path: path, quarantine: Quarantine())
        }
        if let known = verdicts.withLock({ $0[stamp] }) { return ProbedFile(path: path, quarantine: known) }
        let quarantine = try ProbeRounds(path: path, bytes: stamp.size, options: options).run()
        // Stamped as the file was before the walk: a file that changed during it is walked again next time.
        verdicts.withLock { $0[stamp] = quarantine }
        return ProbedFile(path: path, quarantine: quarantine)
    }

    /// Takes `quarantine` as the verdict on the file at `path` as it is now, without walking it: for tests that
    /// need a reader to meet a quarantined object of a file that does not crash HDF5.
    func remember(_ quarantine: Quarantine, for path: String) {
        guard let stamp = FileStamp(path: path) else { return }
        verdicts.withLock { $0[stamp] = quarantine }
    }
}
