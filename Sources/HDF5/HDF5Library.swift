import CHDF5
import Foundation

/// Process-wide state of the HDF5 C library: one-time set-up and the lock every call goes through.
///
/// Debian's `libhdf5` is the serial (non-MPI) build; it is compiled thread-safe (`H5_HAVE_THREADSAFE`), but other
/// HDF5 builds are not, and the wrapper does not rely on it: the global state (the ID tables, the metadata cache)
/// is never touched by two threads at once, even for two different files. (The error stack and its automatic
/// printing are per thread in a thread-safe build, so each calling thread turns the printing off for itself.)
/// The wrapper types (`File`, `Group`, `Dataset`) are deliberately not `Sendable`, so Swift 6 keeps each of them on
/// the thread (or actor) that opened it; and every C call additionally takes `lock`, so two files used from two
/// threads cannot corrupt each other. The intended pattern is one thread that owns all HDF5 work (the recorder's
/// writer thread) fed through a queue.
enum HDF5Library {
    /// Serializes every call into the C library; see the type's documentation. Recursive, so a helper that
    /// locks can be called from inside another locked call.
    static let lock = LibraryLock()

    /// Runs `H5open` and turns HDF5's automatic error printing off exactly once, before the first call.
    /// Errors are reported through `HDF5Error` instead, with the stack walked into its `stack`.
    ///
    /// HDF5's clean-up at exit is turned off too (`H5dont_atexit`): every wrapper closes its object when released
    /// or closed, and a file whose storage failed under it must not be flushed again at exit (see
    /// `File.abandon()`) — HDF5 would write into it, or crash on the id of a file it could not close.
    static let initialized: Bool = {
        lock.withLock {
            _ = H5dont_atexit()
            _ = H5open()
            _ = H5Eset_auto2(chdf5_e_default(), nil, nil)
        }
        return true
    }()

    /// HDF5's version as "major.minor.release", for traces and `--version`.
    public static var version: String {
        _ = initialized
        var major: UInt32 = 0
        var minor: UInt32 = 0
        var release: UInt32 = 0
        _ = lock.withLock { H5get_libversion(&major, &minor, &release) }
        return "\(major).\(minor).\(release)"
    }
}

/// The library version in a public place, without exposing the lock.
public enum HDF5Version {
    /// HDF5's version as "major.minor.release" (1.10.8 on Debian 12).
    public static var string: String { HDF5Library.version }
}
