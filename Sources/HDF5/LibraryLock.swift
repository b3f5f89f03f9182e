#if canImport(Glibc)
    import Glibc
#endif

/// The recursive mutex every call into libhdf5 takes (`HDF5Library.lock`), on pthreads directly rather than
/// `NSRecursiveLock` for one thing Foundation's lock cannot do: be made afresh in a forked child (`HDF5Fork`),
/// whose copy of it still records the parent's thread as its owner.
final class LibraryLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { Self.initialize(mutex) }

    // Never deinitialized: the lock is a static that lives as long as the process.

    func lock() { pthread_mutex_lock(mutex) }
    func unlock() { pthread_mutex_unlock(mutex) }

    func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Makes the mutex anew, unlocked. Only for the one thread of a child just forked while the parent held it.
    func reinitializeInForkedChild() { Self.initialize(mutex) }

    private static func initialize(_ mutex: UnsafeMutablePointer<pthread_mutex_t>) {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }
}
