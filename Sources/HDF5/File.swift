import CHDF5
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An open HDF5 file, and its root group.
///
/// ```swift
/// let file = try File.create("trace.h5")
/// let run = try file.createGroup("runs/r0")
/// try run.setAttribute("seed", Int64(1))
/// ```
///
/// The handle closes when the object is released; call `close()` to see a close error (a full disk shows up there).
/// Not `Sendable`: the serial HDF5 library must be used from one thread at a time, so a `File` and everything opened
/// from it stay in the isolation domain that opened them (see `HDF5Library`).
public final class File: Container {
    /// The path the file was created or opened with.
    public let path: String
    /// The file identifier. Escape hatch for HDF5 calls this layer does not wrap; the value is an `hid_t`.
    public private(set) var rawValue: Int64
    /// What refuses accesses before they reach libhdf5, given to `open`; nil for a file created here.
    public let accessGuard: (any AccessGuard)?
    var isOpen = true

    /// The root group's path, "/": attributes set on a file are the root group's.
    public var objectPath: String { "/" }
    /// Same as `path`.
    public var filePath: String { path }

    private init(path: String, id: hid_t, accessGuard: (any AccessGuard)? = nil) {
        self.path = path
        self.rawValue = id
        self.accessGuard = accessGuard
    }

    /// Creates a new file.
    /// - Parameters:
    ///   - path: where to write it.
    ///   - mode: replace an existing file (default) or fail if one exists.
    ///   - format: `.compatible` (default) or `.latest`, which single-writer/multiple-reader mode needs.
    ///   - crashConsistent: Keep the file on disk exactly as of the last `flush()` until the next one, so that a
    ///     writer killed at any moment leaves a file that opens with everything flushed. Two settings do it:
    ///     metadata is never evicted between flushes (`H5Pset_mdc_config`, evictions off), and freed space is
    ///     never reused (`H5Pset_file_space_strategy` NONE), so a compressed chunk rewritten since the flush lands
    ///     elsewhere and the flushed copy that the on-disk metadata points to stays intact. The cost: metadata
    ///     stays in memory between flushes, and each rewritten partial chunk leaves its old copy in the file.
    public static func create(
        _ path: String, mode: CreateMode = .truncate, format: FileFormat = .compatible, crashConsistent: Bool = false
    ) throws(HDF5Error) -> File {
        let context = CallContext(filePath: path)
        let access = try PropertyList(class: chdf5_p_file_access(), context)
        let creation = try PropertyList(class: chdf5_p_file_create(), context)
        if format == .latest {
            try checked("H5Pset_libver_bounds", context) {
                H5Pset_libver_bounds(access.id, chdf5_libver_latest(), chdf5_libver_latest())
            }
        }
        if crashConsistent {
            try keepMetadataUntilFlush(access, context)
            try checked("H5Pset_file_space_strategy", context) {
                H5Pset_file_space_strategy(creation.id, H5F_FSPACE_STRATEGY_NONE, false, 1)
            }
        }
        if mode == .failIfExists, FileManager.default.fileExists(atPath: path) {
            throw HDF5Error(
                code: .alreadyExists, operation: "H5Fcreate", filePath: path, message: "file exists already")
        }
        let id = try retryingWhileLocked {
            () throws(HDF5Error) in
            try checked("H5Fcreate", context) { H5Fcreate(path, mode.flags, creation.id, access.id) }
        }
        closeOnExec(id)
        return File(path: path, id: id)
    }

    /// Attempts a SWMR reader makes at a piece of metadata whose checksum does not match before it fails.
    static let swmrReadAttempts: UInt32 = 4

    /// Opens an existing file.
    /// - Parameters:
    ///   - path: the file.
    ///   - mode: `.readOnly` (default), `.readWrite`, or `.swmrRead` to follow a file being written.
    ///   - crashConsistent: for `.readWrite`, keep metadata in memory until each `flush()` (evictions off), as
    ///     `create(crashConsistent:)` does; the file's own free-space strategy (stored in it) does the rest.
    ///   - fileLocking: take HDF5's `flock` on the file (the default). A writer that guards the file itself can
    ///     turn it off to reopen a file that a SWMR reader still holds with its shared lock.
    ///   - accessGuard: asked before every call that reaches an object, an attribute, a listing or a string's heap
    ///     of this file, by this `File` and every group and dataset opened from it; what it refuses throws
    ///     `.damaged` without calling into libhdf5 (a damaged file's verdict from the `DamagedFiles` probe).
    public static func open(
        _ path: String, mode: OpenMode = .readOnly, crashConsistent: Bool = false, fileLocking: Bool = true,
        accessGuard: (any AccessGuard)? = nil
    ) throws(HDF5Error) -> File {
        // HDF5 says "unable to open file" for a missing file and for a directory alike; say which it is.
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            throw HDF5Error(code: .fileNotFound, operation: "H5Fopen", filePath: path, message: "no such file")
        }
        if isDirectory.boolValue {
            throw HDF5Error(
                code: .notHDF5, operation: "H5Fopen", filePath: path, message: "is a directory, not an HDF5 file")
        }
        let context = CallContext(filePath: path)
        let access = try PropertyList(class: chdf5_p_file_access(), context)
        if crashConsistent { try keepMetadataUntilFlush(access, context) }
        if !fileLocking {
            try checked("H5Pset_file_locking", context) { H5Pset_file_locking(access.id, false, true) }
        }
        if mode == .swmrRead {
            // A SWMR reader retries metadata whose checksum fails, assuming the writer is midway through it — 100
            // times by default, sleeping longer each time, and again for every object. On a damaged file (a killed
            // live recorder's, copied and corrupted) nothing will ever finish writing it: that turned into reads
            // that never returned. A few attempts cover a writer that is really there.
            try checked("H5Pset_metadata_read_attempts", context) {
                H5Pset_metadata_read_attempts(access.id, File.swmrReadAttempts)
            }
        }
        let id = try retryingWhileLocked {
            () throws(HDF5Error) in
            try checked("H5Fopen", context) { H5Fopen(path, mode.flags, access.id) }
        }
        closeOnExec(id)
        return File(path: path, id: id, accessGuard: accessGuard)
    }

    /// Turns off metadata cache evictions (and the cache's resizing), so that no metadata reaches the disk between
    /// two flushes, and the raw data chunk cache.
    private static func keepMetadataUntilFlush(_ access: borrowing PropertyList, _ context: CallContext) throws(HDF5Error) {
        var cache = H5AC_cache_config_t()
        cache.version = H5AC__CURR_CACHE_CONFIG_VERSION
        try checked("H5Pget_mdc_config", context) { H5Pget_mdc_config(access.id, &cache) }
        cache.evictions_enabled = false
        cache.incr_mode = H5C_incr__off
        cache.flash_incr_mode = H5C_flash_incr__off
        cache.decr_mode = H5C_decr__off
        try checked("H5Pset_mdc_config", context) { H5Pset_mdc_config(access.id, &cache) }
        // No chunk cache either: a chunk is written (and its space allocated) by the H5Dwrite that fills it, not
        // by a later flush, so a flush writes metadata only and its size is known before it starts.
        try checked("H5Pset_cache", context) { H5Pset_cache(access.id, 0, 0, 0, 1.0) }
    }

    /// Runs `open`, retrying for up to about a second while HDF5 says the file is locked. A process that forks —
    /// any program starting a child — holds every open file's lock in the child until it has exec'd, which under
    /// load can outlast a close-then-reopen in the parent; a lock held by another recorder outlasts the retries and
    /// is reported as before.
    private static func retryingWhileLocked(_ open: () throws(HDF5Error) -> hid_t) throws(HDF5Error) -> hid_t {
        var attempt = 0
        while true {
            do throws(HDF5Error) {
                return try open()
            } catch {
                attempt += 1
                guard attempt < 12, error.message.contains("unable to lock file") else { throw error }
                Thread.sleep(forTimeInterval: 0.02 * Double(attempt))
            }
        }
    }

    /// Marks the file's descriptor close-on-exec. HDF5 opens it without `O_CLOEXEC`, so a child process started
    /// while the file is open (a test runner's, a benchmark's) would inherit it — and with it HDF5's `flock`, which
    /// belongs to the shared open file: the file would stay locked against other readers until the child exits.
    private static func closeOnExec(_ id: hid_t) {
        guard let descriptor = descriptor(of: id) else { return }
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
    }

    /// The operating system's descriptor of an open file, from its (default, sec2) driver.
    static func descriptor(of id: hid_t) -> Int32? {
        var handle: UnsafeMutableRawPointer?
        let found = unchecked { H5Fget_vfd_handle(id, chdf5_p_default(), &handle) }
        // The sec2 driver's handle is a pointer to its int descriptor.
        guard found >= 0, let descriptor = handle?.assumingMemoryBound(to: Int32.self).pointee, descriptor >= 0
        else { return nil }
        return descriptor
    }

    /// Writes every buffered change of the whole file to disk (`H5Fflush` with global scope).
    /// After it returns, a reader, or a reader after this process is killed, sees everything written so far.
    public func flush() throws(HDF5Error) {
        try checked("H5Fflush", context) { H5Fflush(rawValue, H5F_SCOPE_GLOBAL) }
    }

    /// Switches a file created with `.latest` format into single-writer/multiple-reader mode. Create every group,
    /// dataset and attribute first: afterwards only appends to existing datasets (and `Dataset.flush()`) are allowed.
    /// The corresponding C function is `H5Fstart_swmr_write`.
    public func startSWMRWrite() throws(HDF5Error) {
        try checked("H5Fstart_swmr_write", context) { H5Fstart_swmr_write(rawValue) }
    }

    /// Closes the file, reporting failures (the last buffered writes happen here). Closing twice is a no-op.
    public func close() throws(HDF5Error) {
        guard isOpen else { return }
        isOpen = false
        try checked("H5Fclose", context) { H5Fclose(rawValue) }
    }

    deinit {
        if isOpen { unchecked { _ = H5Fclose(rawValue) } }
    }
}
