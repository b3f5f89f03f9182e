import HDF5
import OutputFiles

/// Why a `TraceWriter` could not do what it was asked: one line naming the trace file and the problem.
///
/// Errors met on the writer thread (a full disk, an HDF5 failure) are kept and thrown by the next call on the
/// writer, and by `close()`; after one, the writer records nothing more, so every later call throws the same error.
public struct TraceWriterError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is, for callers that react differently (an existing file, say).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The trace file exists and overwriting was not allowed.
        public static let fileExists = Code(name: "file exists")
        /// The directory the trace should go in does not exist.
        public static let directoryNotFound = Code(name: "directory not found")
        /// The path may not take the trace: a folder, a device or fifo, a dangling symbolic link, one of the
        /// command's inputs, a folder that cannot be written (`refusal` says which).
        public static let refused = Code(name: "refused")
        /// A run description, configuration or call does not fit the trace (a bad name, a duplicate run, invalid
        /// JSON, a run that was not begun or is finished).
        public static let invalidRequest = Code(name: "invalid request")
        /// Another writer is writing the trace (`WriterLock`).
        public static let inUse = Code(name: "in use")
        /// The writer was closed before this call.
        public static let closed = Code(name: "closed")
        /// The storage under the trace failed (a full disk, a file-size limit, an I/O error, the file removed);
        /// `message` names the cause. The file keeps every step up to its last successful flush.
        public static let storage = Code(name: "storage failure")
        /// The HDF5 library failed (I/O, a full disk…); `hdf5Error` has HDF5's own report.
        public static let hdf5 = Code(name: "HDF5 error")
    }

    /// What kind of failure this is.
    public var code: Code
    /// The trace file's path.
    public var path: String
    /// What went wrong, without the path.
    public var message: String
    /// HDF5's report, when the HDF5 library failed.
    public var hdf5Error: HDF5Error?
    /// Why the destination was refused, when it was (`OutputFile`'s checks); its line is this error's.
    public var refusal: OutputError?

    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - path: the trace file's path.
    ///   - message: what went wrong, one sentence without the path.
    ///   - hdf5Error: HDF5's report, when the library failed.
    public init(code: Code, path: String, message: String, hdf5Error: HDF5Error? = nil) {
        self.code = code
        self.path = path
        self.message = message
        self.hdf5Error = hdf5Error
    }

    /// A destination `OutputFile` refused, for the trace at `path`.
    init(refusal: OutputError, path: String) {
        let code: Code =
            switch refusal.reason {
            case .exists, .appeared: .fileExists
            case .missingFolder, .parentNotFolder: .directoryNotFound
            case .writeFailed: .storage
            default: .refused
            }
        self.init(code: code, path: path, message: refusal.description)
        self.refusal = refusal
    }

    /// What a failure leaves on disk, as the error tells it.
    enum Aftermath {
        /// The file was never created (or was a temporary, removed): no trace.
        case nothingWritten
        /// An existing trace was being opened: it is as it was.
        case traceUnchanged
        /// A trace being written: every step up to its last flush.
        case stepsUpToLastFlush

        var text: String {
            switch self {
            case .nothingWritten: "no trace was written"
            case .traceUnchanged: "the trace is unchanged"
            case .stepsUpToLastFlush: "the file keeps every step up to its last flush"
            }
        }
    }

    /// Wraps an HDF5 failure met while doing `action` ("writing run 'x'"), which leaves `aftermath`.
    init(_ error: HDF5Error, path: String, while action: String, leaving aftermath: Aftermath = .stepsUpToLastFlush) {
        if let cause = Self.storageCause(error) {
            // The disk, a limit or the file itself failed: say that, in the system's words, and what is kept.
            self.init(
                code: .storage, path: path, message: "recording stopped while \(action): \(cause); \(aftermath.text)",
                hdf5Error: error)
            return
        }
        if let number = error.systemErrorNumber, number != 0 {
            // The operating system refused (a permission, a lock, a path that is a directory): its words name the
            // cause; HDF5's own (flags, o_flags, buffer addresses) do not help.
            self.init(
                code: .hdf5, path: path, message: "\(action) failed: \(SystemErrorText.describe(number))",
                hdf5Error: error)
            return
        }
        // HDF5Error's description already names the file; keep the object and HDF5's reason, drop the repeat.
        var detail = error.description
        if detail.hasPrefix(path + ": ") { detail.removeFirst(path.count + 2) }
        self.init(code: .hdf5, path: path, message: "\(action) failed: \(detail)", hdf5Error: error)
    }

    /// What failed under HDF5, as a user can act on it, or nil for a failure of HDF5 itself.
    private static func storageCause(_ error: HDF5Error) -> String? {
        if error.code == .storage { return error.message }
        // A lock conflict or a permission is not the storage failing: HDF5's own report says it.
        guard let number = error.systemErrorNumber, let hint = SystemErrorText.storageHint(number) else { return nil }
        return SystemErrorText.describe(number) + hint
    }

    /// One line: `runs/trace.h5: writing run 'adanorm-seed0' failed: … [H5Dwrite]`; a refusal's own line
    /// (`--out runs is a folder; …`), which names the path already.
    public var description: String {
        // HDF5 texts occasionally carry newlines (file names, nested messages); a log line must stay one line.
        (refusal == nil ? "\(path): \(message)" : message).split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
