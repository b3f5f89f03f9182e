import CHDF5
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a writer needs to keep a file readable when the storage under it fails: how far the file extends, room
/// reserved before a flush, and a way to close the file without writing to the disk again.
///
/// HDF5 writes a flush's metadata piece by piece, some of it in place (the superblock, object headers) and some of
/// it past the old end of the file. When the disk fills or a file-size limit is reached halfway, the pieces in place
/// land and the others do not: the file then points beyond its own end and no reader opens it. Reserving the whole
/// allocated size first turns that into a failure before anything is written.
extension File {
    /// The end of the file's allocated space (`H5Fget_eoa`): every byte the file's structures may refer to.
    public func allocatedSize() throws(HDF5Error) -> UInt64 {
        var end: haddr_t = 0
        try checked("H5Fget_eoa", context) { H5Fget_eoa(rawValue, &end) }
        return UInt64(end)
    }

    /// Makes the disk hold `bytes` bytes for the file (`posix_fallocate`), so that writes below that offset cannot
    /// fail for want of room. Fails with the system's reason on a full disk (ENOSPC) or past a file-size limit
    /// (EFBIG, when SIGXFSZ is ignored).
    public func reserveSpace(_ bytes: UInt64) throws(HDF5Error) {
        guard isOpen, let descriptor = Self.descriptor(of: rawValue) else { return }
        let result = posix_fallocate(descriptor, 0, off_t(clamping: bytes))
        // EINVAL/EOPNOTSUPP: the file system cannot preallocate; the writes themselves will tell.
        guard result != 0, result != EINVAL, result != EOPNOTSUPP else { return }
        throw HDF5Error(
            code: .storage, operation: "posix_fallocate", filePath: path,
            message: "no room for the file to grow to \(bytes) bytes: "
                + SystemErrorText.describe(result) + (SystemErrorText.storageHint(result) ?? ""))
    }

    /// Cuts the file on disk to `bytes` when it is longer (room reserved by `reserveSpace` and not used), so that
    /// its size is its allocated size again: a reader that compares the two to find a truncated copy stays right.
    public func trimReservedSpace(to bytes: UInt64) {
        guard isOpen, let descriptor = Self.descriptor(of: rawValue) else { return }
        var status = stat()
        guard fstat(descriptor, &status) == 0, UInt64(status.st_size) > bytes else { return }
        _ = ftruncate(descriptor, off_t(clamping: bytes))
    }

    /// Points the file's descriptor at a scratch file, so that closing the file (which HDF5 cannot do without
    /// writing what it holds in memory) leaves the file on disk exactly as it was; then cuts the disk's copy to
    /// `length` bytes when given (what was appended since its last flush is garbage to every reader).
    ///
    /// Call it once, after a write failed, then close every object and, when `canCloseAfterDetaching`, the file;
    /// otherwise `abandon()` it.
    public func detachFromDisk(truncatingTo length: UInt64?) {
        guard isOpen, let descriptor = Self.descriptor(of: rawValue) else { return }
        let kept = dup(descriptor)
        var scratch = Self.scratchDescriptor()
        // Without a scratch file, /dev/null still keeps the disk's copy untouched (though HDF5's closing
        // truncation then fails on it, see `canCloseAfterDetaching`).
        if scratch < 0 { scratch = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC) }
        if scratch >= 0 {
            _ = dup2(scratch, descriptor)
            Glibc.close(scratch)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        if kept >= 0 {
            if let length { _ = ftruncate(kept, off_t(clamping: length)) }
            Glibc.close(kept)
        }
    }

    /// Whether `close()` can succeed on a detached file: it writes up to, and sizes the scratch file to, the
    /// allocated size, which a file-size limit (`ulimit -f`) may forbid. The soft limit is raised to the hard one
    /// when that is enough.
    ///
    /// It matters because HDF5 1.10 frees a file whose close failed but keeps its id, and a later call that walks
    /// the ids (its clean-up at exit, for one) then crashes.
    public func canCloseAfterDetaching() -> Bool {
        guard isOpen, let size = try? allocatedSize() else { return false }
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0 else { return true }
        func fits(_ bytes: rlim_t) -> Bool { bytes == rlim_t.max || UInt64(bytes) >= size }
        if fits(limit.rlim_cur) { return true }
        guard fits(limit.rlim_max) else { return false }
        limit.rlim_cur = limit.rlim_max
        return setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0
    }

    /// Gives up the file without closing it: for a detached file that `canCloseAfterDetaching` says cannot be
    /// closed. Its id stays allocated until the process exits; HDF5's clean-up at exit is off (`HDF5Library`), so
    /// nothing touches it again. Close the file's groups and datasets first.
    public func abandon() {
        isOpen = false
    }

    /// An unlinked file in memory (`/dev/shm`) or the temporary directory, for writes that must go nowhere.
    private static func scratchDescriptor() -> Int32 {
        for directory in ["/dev/shm", NSTemporaryDirectory()] {
            var template = Array((directory + "/normscope-discarded-XXXXXX").utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if descriptor >= 0 {
                template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
                return descriptor
            }
        }
        return -1
    }
}
