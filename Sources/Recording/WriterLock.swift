import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The claim of one writer on one trace path, so that two recorders asked to write the same file never both do:
/// an exclusive `flock` on a hidden file beside the trace (`.<name>.lock`) holding the writer's process id, taken
/// before the trace is created, replaced or opened and held until the writer closes. The path is the one written:
/// through a symbolic link, the file it names, so the link and its target share one lock. Another name of the same
/// file (a hard link, a link to a folder on the way) is caught by the file's own lock (`TraceFileLock`), which this
/// tests on an existing trace.
///
/// The lock is the kernel's, so a killed writer releases it with its last descriptor; the file left behind by a
/// kill is harmless (the next writer locks it again). On close the file is removed while still locked, and a
/// writer that locked it just before that removal notices that its file is no longer the path's and tries again.
final class WriterLock: @unchecked Sendable {
    private let lockPath: String
    /// Guarded by `mutex`: `close()` of the writer and its `deinit` may release from different threads.
    private var descriptor: Int32
    private let mutex = NSLock()

    /// The lock file for `tracePath`.
    static func lockPath(for tracePath: String) -> String {
        let url = URL(fileURLWithPath: tracePath)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + ".lock").path
    }

    /// Takes the lock or fails at once.
    ///
    /// - Parameters:
    ///   - destination: the file to write, symbolic links resolved.
    ///   - tracePath: the trace's path as the user gave it, for messages.
    /// - Throws: `.inUse` naming the holder's process id when another writer has the path or, under any name, the
    ///   file; also when a process that is not a NormScope recorder (h5py, another HDF5 program) has an existing
    ///   trace open.
    init(destination: String, tracePath: String) throws(TraceWriterError) {
        lockPath = Self.lockPath(for: destination)
        while true {
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                // Without a lock file (a read-only directory) creating the trace fails anyway, with its own message.
                descriptor = -1
                return
            }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let holder = Self.holder(fd)
                close(fd)
                throw TraceWriterError(
                    code: .inUse, path: tracePath,
                    message: "is being written by another recorder"
                        + (holder.map { " (process \($0))" } ?? "") + "; wait for it to end or choose another path")
            }
            // The previous holder may have removed the file between our open and our lock: then this lock guards
            // nothing, and the path needs a new file.
            var mine = stat()
            var current = stat()
            if fstat(fd, &mine) == 0, stat(lockPath, &current) == 0, mine.st_ino == current.st_ino,
                mine.st_dev == current.st_dev
            {
                descriptor = fd
                break
            }
            close(fd)
        }
        _ = ftruncate(descriptor, 0)
        let text = "\(getpid())\n"
        _ = text.withCString { write(descriptor, $0, strlen($0)) }
        guard FileManager.default.fileExists(atPath: destination) else { return }
        do throws(TraceWriterError) {
            // A recorder writing this file under another name: live, it holds no HDF5 lock the test below sees.
            try TraceFileLock.checkFree(destination, tracePath: tracePath)
        } catch {
            release()
            throw error
        }
        // HDF5 locks a file while it is open (exclusively to write, shared to read): a program that is not a
        // NormScope recorder and has the trace open shows up here, before it could be replaced or reopened.
        let trace = open(destination, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard trace >= 0 else { return }
        defer { close(trace) }
        if flock(trace, LOCK_EX | LOCK_NB) != 0 {
            release()
            throw TraceWriterError(
                code: .inUse, path: tracePath,
                message: "is open in another process (HDF5 holds its lock on it); close it there first")
        }
        flock(trace, LOCK_UN)
    }

    /// The process id written by the holder of `fd`'s file, if it wrote one.
    private static func holder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Removes the lock file and releases the lock; later calls do nothing.
    func release() {
        mutex.lock()
        defer { mutex.unlock() }
        guard descriptor >= 0 else { return }
        unlink(lockPath)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
