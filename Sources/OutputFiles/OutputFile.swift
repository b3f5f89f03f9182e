import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One file a command writes, checked before any work is done and written as a transaction.
///
/// The contract every writing command keeps, so that no command ever costs a user a file:
/// - a folder is never deleted or replaced: a path that is a folder is refused;
/// - anything but a regular file (a device, a fifo, a socket) is refused, never replaced;
/// - a symbolic link is written through, to the file it names (which must exist), never replaced itself;
/// - none of the command's inputs, nor its own executable, is written over, compared by file identity, so that
///   symbolic links, hard links and `..` spellings count;
/// - an existing file is replaced only with `force` (`--force` on every command);
/// - the bytes go to a temporary file under a unique name beside the destination and are renamed into place
///   whole, so a failure, a full disk or an interrupt leaves the old file or none, and never a temporary.
///
/// Every refusal is an `OutputError` of one line naming the option, the path and what to do.
public struct OutputFile: Sendable {
    /// The path as the user gave it.
    public let path: String
    /// The option it came from (`"--out"`), to name in messages.
    public let option: String
    /// The file that will be created or replaced: `path`, or through a symbolic link the file it names.
    public let destination: String
    /// Whether the destination existed when checked (and so is replaced: `force` was given).
    public let replaces: Bool
    let force: Bool
    let inputs: [CommandInput]
    let example: String

    /// Checks `path` as the destination of `option`, before the command does its work.
    /// - Parameters:
    ///   - force: the user allowed an existing file to be replaced.
    ///   - inputs: the files the command reads; none may be the output.
    ///   - example: a file name to suggest when `path` is a folder (`"report.html"`).
    public init(
        _ path: String, option: String, force: Bool, inputs: [CommandInput] = [], example: String = "output"
    ) throws(OutputError) {
        self.path = path
        self.option = option
        self.force = force
        self.inputs = inputs
        self.example = example
        (destination, replaces) = try Self.check(path, option: option, force: force, inputs: inputs, example: example)
    }

    /// Checks again, just before writing: a file may have appeared, or become a folder, while the command worked.
    public func recheck() throws(OutputError) {
        _ = try Self.check(path, option: option, force: force, inputs: inputs, example: example)
    }

    // MARK: - Writing

    /// Writes `bytes` as the whole new content of the destination; `executable` (a script) adds execute
    /// permission wherever the file's mode gives read permission.
    public func write(_ bytes: some Sequence<UInt8>, executable: Bool = false) throws(OutputError) {
        let data = Array(bytes)
        try write { (temporary: String) throws(OutputError) in
            guard let handle = FileHandle(forWritingAtPath: temporary) else {
                throw failure(errno)
            }
            defer { try? handle.close() }
            var status = stat()
            if executable, fstat(handle.fileDescriptor, &status) == 0 {
                fchmod(handle.fileDescriptor, status.st_mode & 0o7777 | (status.st_mode & 0o444) >> 2)
            }
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
            } catch {
                throw failure((error as NSError).underlyingPOSIXCode ?? EIO)
            }
        }
    }

    /// Writes the text as UTF-8.
    public func write(text: String) throws(OutputError) { try write(Array(text.utf8)) }

    /// Lets `body` fill a temporary file beside the destination (created empty, its path passed in) and renames it
    /// into place when `body` returns; when `body` or the rename fails, the temporary is removed and the
    /// destination is as it was. SIGINT, SIGTERM and SIGHUP arriving meanwhile take effect after the rename or the
    /// clean-up, so an interrupt never leaves a temporary behind.
    public func write<Failure: Error>(using body: (String) throws(Failure) -> Void) throws(OutputError) {
        try recheck()
        let deferral = SignalDeferral.begin()
        defer { deferral.end() }
        let temporary = try makeTemporary()
        do {
            try body(temporary)
        } catch let error as OutputError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw OutputError(
                .writeFailed, "\(option) \(path): could not be written: \(error); nothing was written, try again.")
        }
        try commit(temporary)
    }

    /// Creates an empty temporary file under a unique name beside the destination, for a writer (HDF5) that
    /// fills it itself; `commit(_:)` or `discard(_:)` ends it.
    public func makeTemporary() throws(OutputError) -> String {
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        var template = Array((folder + "/." + url.lastPathComponent + ".XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure(errno) }
        // mkstemp makes the file private (0600); a new output gets the mode any other new file would get, and a
        // replaced file keeps its own.
        var existing = stat()
        let mode = stat(destination, &existing) == 0 ? existing.st_mode & 0o7777 : 0o666 & ~Self.umaskValue
        fchmod(descriptor, mode)
        close(descriptor)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Renames a filled temporary into place: over the destination when it may be replaced, and otherwise only
    /// if no file appeared there meanwhile (then the temporary is removed and `.appeared` thrown).
    public func commit(_ temporary: String) throws(OutputError) {
        let descriptor = open(temporary, O_RDONLY | O_CLOEXEC)
        if descriptor >= 0 {
            let synced = fsync(descriptor)
            let code = errno
            close(descriptor)
            if synced != 0 {
                unlink(temporary)
                throw failure(code)
            }
        }
        if force {
            if rename(temporary, destination) != 0 {
                let code = errno
                unlink(temporary)
                throw code == EISDIR ? folderError() : failure(code)
            }
        } else if link(temporary, destination) == 0 {
            // A hard link cannot replace: the destination was still free. The temporary name goes.
            unlink(temporary)
        } else {
            let code = errno
            guard code != EEXIST else {
                unlink(temporary)
                throw OutputError(
                    .appeared, "\(option) \(path) was created by something else meanwhile; add --force to replace it.")
            }
            // A file system without hard links (some FUSE mounts): check, then rename.
            var status = stat()
            if lstat(destination, &status) == 0 {
                unlink(temporary)
                throw OutputError(
                    .appeared, "\(option) \(path) was created by something else meanwhile; add --force to replace it.")
            }
            if rename(temporary, destination) != 0 {
                let code = errno
                unlink(temporary)
                throw failure(code)
            }
        }
        Self.synchronizeFolder(of: destination)
    }

    /// Removes a temporary that will not be committed.
    public func discard(_ temporary: String) { unlink(temporary) }

    // MARK: - Checks

    private static func check(
        _ path: String, option: String, force: Bool, inputs: [CommandInput], example: String
    ) throws(OutputError) -> (String, Bool) {
        let name = "\(option) \(path)"
        guard !path.isEmpty else { throw OutputError(.missingFolder, "\(option): the path is empty; name a file.") }
        var link = stat()
        let present = lstat(path, &link) == 0
        if path.hasSuffix("/") && !(present && isFolder(path)) {
            throw OutputError(.isFolder, "\(name) names a folder (it ends in /); name a file, e.g. \(path)\(example).")
        }
        var destination = path
        if present && (link.st_mode & S_IFMT) == S_IFLNK {
            var target = stat()
            guard stat(path, &target) == 0 else {
                throw OutputError(
                    .danglingLink, "\(name) is a symbolic link to a missing file; name a file to write.")
            }
            // Written through: the file the link names is replaced, the link stays.
            guard let resolved = realpath(path, nil) else { throw OutputError(.danglingLink, "\(name): \(String(cString: strerror(errno)))") }
            destination = String(cString: resolved)
            free(resolved)
            link = target
        }
        let exists = present
        if exists {
            switch link.st_mode & S_IFMT {
            case S_IFDIR:
                throw OutputError(.isFolder, "\(name) is a folder; name a file in it, e.g. \(trimmed(path))/\(example).")
            case S_IFREG: break
            default:
                throw OutputError(
                    .notRegularFile, "\(name) is not a regular file (a device, fifo or socket); name a file to write.")
            }
        } else {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            var status = stat()
            guard stat(folder, &status) == 0 else {
                throw OutputError(.missingFolder, "\(name): the folder \(folder) does not exist; create it first.")
            }
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw OutputError(.parentNotFolder, "\(name): \(folder) is a file, not a folder.")
            }
        }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        guard access(folder, W_OK | X_OK) == 0 else {
            throw OutputError(
                .notWritable,
                "\(name): cannot write in the folder \(folder) (\(String(cString: strerror(errno)))); choose another folder.")
        }
        let identity = exists ? FileIdentity(path: destination) : nil
        let spelled = canonical(destination)
        for input in inputs {
            let same =
                if let identity, let other = FileIdentity(path: input.path) { identity == other } else {
                    canonical(input.path) == spelled
                }
            if same {
                throw OutputError(.isInput, "\(name) is \(input.role) (\(input.path)); write to another file.")
            }
        }
        if let identity, identity == FileIdentity.executable {
            throw OutputError(.isInput, "\(name) is this normscope executable; write to another file.")
        }
        if exists && !force {
            throw OutputError(.exists, "\(name) exists; add --force to replace it.")
        }
        return (destination, exists)
    }

    /// The path with its folder's symbolic links and `..` resolved, for files that do not exist yet.
    static func canonical(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let folder = url.deletingLastPathComponent().path
        guard let resolved = realpath(folder, nil) else { return url.path }
        defer { free(resolved) }
        return String(cString: resolved) + "/" + url.lastPathComponent
    }

    static func isFolder(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func trimmed(_ path: String) -> String {
        var name = Substring(path)
        while name.count > 1, name.hasSuffix("/") { name = name.dropLast() }
        return String(name)
    }

    private func folderError() -> OutputError {
        OutputError(.isFolder, "\(option) \(path) is a folder; name a file in it, e.g. \(Self.trimmed(path))/\(example).")
    }

    private func failure(_ code: Int32) -> OutputError {
        OutputError(
            .writeFailed,
            "\(option) \(path): could not be written (\(String(cString: strerror(code)))); "
                + (replaces ? "the existing file is unchanged." : "nothing was written."))
    }

    private static var umaskValue: mode_t {
        let current = umask(0o022)
        umask(current)
        return current
    }

    /// Makes the rename durable: a crash after the command says "Wrote" keeps the new name.
    private static func synchronizeFolder(of path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}

extension NSError {
    /// The POSIX code under a Foundation file error, if there is one: what a one-line message names ("Permission
    /// denied", "Exec format error") instead of Foundation's "NSCocoaErrorDomain error 256".
    public var underlyingPOSIXCode: Int32? {
        if domain == NSPOSIXErrorDomain { return Int32(code) }
        return (userInfo[NSUnderlyingErrorKey] as? NSError)?.underlyingPOSIXCode
    }
}
