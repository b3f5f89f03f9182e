import CHDF5

#if canImport(Glibc)
    import Glibc
#endif

/// Forking a process that uses HDF5, for a child that goes on using it without exec: the damage probe
/// (`DamagedFiles`) walks a file in such a child, because a library cannot count on an executable to start.
///
/// A forked child has one thread, a copy of the parent's memory, and whatever locks other threads held at that
/// instant, held for ever. So the fork is made while this thread holds the lock every call into libhdf5 takes: no
/// other thread is inside libhdf5 then, and the child's copy of the library's state is whole; the child then makes
/// that lock anew. (malloc is safe in the child too: glibc's fork takes and resets its arenas' locks.)
public enum HDF5Fork {
    /// `fork()` with libhdf5 idle: the child's pid in the parent, 0 in the child, -1 (and `errno`) on failure.
    ///
    /// The child may call this layer, must not start threads, and should end with `_exit`: `exit` would run the
    /// parent's exit handlers and flush the parent's buffered output a second time.
    public static func fork() -> pid_t {
        _ = HDF5Library.initialized
        HDF5Library.lock.lock()
        let pid = Glibc.fork()
        if pid == 0 {
            HDF5Library.lock.reinitializeInForkedChild()
        } else {
            let failure = errno
            HDF5Library.lock.unlock()
            errno = failure
        }
        return pid
    }
}

extension HDF5Fork {
    /// In a forked child: hands every block HDF5 keeps on its own free lists back to malloc (`H5garbage_collect`).
    /// The child otherwise reuses blocks the parent freed, still holding the parent's old pointers: a damaged object
    /// whose table HDF5 half-builds in such a block can then be "closed" without a crash in one child and crash the
    /// next, depending on what the parent read before. Blocks fresh from malloc hold the child's perturbation byte;
    /// what the child frees itself is kept and reused as in any reader.
    public static func releaseFreeListsInChild() {
        HDF5Library.lock.withLock { _ = H5garbage_collect() }
    }
}
