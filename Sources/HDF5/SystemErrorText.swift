#if canImport(Glibc)
    import Glibc
#endif

/// The operating system's error numbers as a writer reports them: the system's words, the number, and for the
/// failures of storage what they usually mean. One place, for the HDF5 layer's own errors and the recorder's.
public enum SystemErrorText {
    /// `File too large (errno 27)`.
    public static func describe(_ number: Int32) -> String {
        "\(String(cString: strerror(number))) (errno \(number))"
    }

    /// What a storage failure usually means (` (the disk is full)`), or nil when `number` is not one: a lock
    /// conflict or a permission is not the storage failing.
    public static func storageHint(_ number: Int32) -> String? {
        switch number {
        case ENOSPC: " (the disk is full)"
        case EFBIG: " (a file-size limit: ulimit -f, or a quota)"
        case EDQUOT: " (the disk quota is used up)"
        case EIO, EBADF, EROFS, ESTALE: " (the storage or its descriptor failed)"
        default: nil
        }
    }
}
