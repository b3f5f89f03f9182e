#if canImport(Glibc)
    import Glibc
#endif

/// A file's identity: its device and inode, the same through every symbolic link, hard link and `..` spelling of
/// its path. Two paths name the same file exactly when their identities are equal.
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    /// The identity of the file `path` names (following symbolic links), or nil when there is none.
    public init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.init(status)
    }

    /// The identity of an open file.
    public init?(descriptor: Int32) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return nil }
        self.init(status)
    }

    init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
    }

    /// The running executable: a command must not write over itself either.
    public static var executable: FileIdentity? { FileIdentity(path: "/proc/self/exe") }
}
