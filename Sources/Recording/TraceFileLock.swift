import Foundation
import HDF5
import OutputFiles

#if canImport(Glibc)
    import Glibc
#endif

/// The claim of one writer on one trace *file*, whatever name reaches it: an open-file-description lock
/// (`F_OFD_SETLK`) on one byte far beyond the end of the file, held for as long as the writer writes.
///
/// `WriterLock` guards a path, but a hard link or a symbolic link elsewhere names the same file under another path,
/// and HDF5 1.10's own `flock` on a file it writes is given up by a live (SWMR) writer; without a lock of its own on
/// the file, a second recorder reaching it through another name could replace or reopen what the first one writes.
///
/// The byte's offset is `base + the holder's process id`, so that a refused writer can name the holder:
/// `F_OFD_GETLK` reports -1 as the process of an open-file-description lock, but it does report where the lock
/// lies. The lock is the kernel's, independent of `flock` (HDF5's) and of the file's bytes (HDF5 never writes near
/// 2⁶²), and it goes with the last descriptor of the open file: a killed writer releases it.
final class TraceFileLock: @unchecked Sendable {
    /// Where the locked byte range starts: far beyond any trace's end.
    static let base: off_t = 1 << 62
    /// Process ids are below 2²² on Linux (`pid_max`); the range a test covers leaves room for any.
    static let span: off_t = 1 << 31
    /// `F_OFD_GETLK` and `F_OFD_SETLK` (Linux 3.15), which Glibc's module does not export without `_GNU_SOURCE`.
    /// The corresponding C constants are `F_OFD_GETLK` and `F_OFD_SETLK`.
    private static let getLock: Int32 = 36
    private static let setLock: Int32 = 37

    /// The file locked: the same through every name it has.
    let identity: FileIdentity
    /// Guarded by `mutex`: `close()` of the writer and its `deinit` may release from different threads.
    private var descriptor: Int32
    private let mutex = NSLock()

    /// Takes the lock on the file at `path`, or fails at once.
    /// - Parameter tracePath: the trace's path as the user gave it, for messages.
    /// - Throws: `.inUse` naming the holder when another writer has the file, `.storage` when it cannot be opened.
    init(path: String, tracePath: String) throws(TraceWriterError) {
        // Write access, which a write lock needs; the file is one this writer is about to write anyway.
        let fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw TraceWriterError(
                code: .storage, path: tracePath,
                message: "cannot open the file to claim it: \(SystemErrorText.describe(errno))")
        }
        guard let identity = FileIdentity(descriptor: fd) else {
            close(fd)
            throw TraceWriterError(code: .storage, path: tracePath, message: "cannot read the file's identity")
        }
        var request = Self.region(type: F_WRLCK, start: Self.base + off_t(getpid()), length: 1)
        if fcntl(fd, Self.setLock, &request) != 0 {
            let code = errno
            // Held by another writer. Any other failure (a file system without locks, ENOLCK) leaves the path lock
            // as the only guard, as before this lock existed, rather than refuse to record there at all.
            if code == EAGAIN || code == EACCES {
                let holder = Self.writer(ofOpenFile: fd)
                close(fd)
                throw Self.inUse(tracePath, holder: holder)
            }
        }
        descriptor = fd
        self.identity = identity
    }

    /// Refuses a file another writer holds: `path` is a file some writer may be writing under another name.
    /// - Throws: `.inUse` naming the holder's process; nothing when no writer holds it or it does not exist.
    static func checkFree(_ path: String, tracePath: String) throws(TraceWriterError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if let holder = writer(ofOpenFile: fd) { throw inUse(tracePath, holder: holder) }
    }

    /// The process holding the lock on the open file `fd`: its id, 0 when the lock lies outside the ids' range
    /// (not a NormScope writer's), nil when nobody holds it.
    private static func writer(ofOpenFile fd: Int32) -> Int32? {
        var probe = region(type: F_WRLCK, start: base, length: span)
        guard fcntl(fd, getLock, &probe) == 0, probe.l_type != Int16(F_UNLCK) else { return nil }
        let offset = probe.l_start - base
        return (1..<span).contains(offset) ? Int32(offset) : 0
    }

    private static func region(type: Int32, start: off_t, length: off_t) -> flock {
        var region = flock()
        region.l_type = Int16(type)
        region.l_whence = Int16(SEEK_SET)
        region.l_start = start
        region.l_len = length
        // Open-file-description locks require 0 here.
        region.l_pid = 0
        return region
    }

    private static func inUse(_ tracePath: String, holder: Int32?) -> TraceWriterError {
        TraceWriterError(
            code: .inUse, path: tracePath,
            message: "is a file another recorder is writing"
                + (holder.flatMap { $0 > 0 ? " (process \($0))" : nil } ?? "")
                + ", under this name or another (a hard or symbolic link); wait for it to end or choose another path")
    }

    /// Releases the lock; later calls do nothing.
    func release() {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
