#if canImport(Glibc)
    import Glibc
#endif

/// A file as it is on disk now: which file (device and inode, the same through every spelling of its path), how
/// long, and when it last changed. A verdict holds for one stamp; a file written since has another.
struct FileStamp: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
    let size: Int
    let modified: Int
    let modifiedNanoseconds: Int

    /// The stamp of the regular file `path` names (following symbolic links); nil when there is none.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int(status.st_size)
        modified = Int(status.st_mtim.tv_sec)
        modifiedNanoseconds = Int(status.st_mtim.tv_nsec)
    }
}
