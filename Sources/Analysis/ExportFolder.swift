import Foundation
import OutputFiles
import Recording

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folder an export writes into, all or nothing and under the output contract of every writing command: files
/// are written into a hidden staging folder next to the target and moved into place only after every one of them
/// was written, so a failed export (an unreadable chunk, a full disk, a write error) leaves the file system as it
/// found it.
///
/// - Checked first (`check`): the target is a folder, or nothing yet with a folder it can be made in; a file, a
///   device or a dangling link is refused.
/// - Target present: each of the export's files is checked as an output (`OutputFile`) before anything is written:
///   none may be the trace, and none may be in the way as a folder, a device or a symbolic link (the export writes
///   regular files only, and never follows a link out of the folder); one that exists is replaced only with
///   `force`. At the end the files are moved in one by one: without `force` as new names only (a file that
///   appeared meanwhile is never replaced), with it each replacing the file of the same name atomically
///   (`rename(2)`), every replaced file kept (a hard link in the staging folder) until all are in place, so a
///   failure part-way puts the old files back. Files of other names are left alone.
/// - Target absent: missing parent folders are created (and removed again on failure: they are empty, since we
///   made them), and the staging folder is renamed to the target in one step, never over a folder that appeared.
///
/// Only the staging folder and the parents this export created are ever deleted: never a folder it found. When the
/// target exists but its parent cannot be written, the staging folder goes inside the target instead.
struct ExportFolder {
    /// The folder the user asked for, as given (for messages and the paths returned).
    let target: String
    /// The option it came from, to name in refusals.
    let option: String
    /// The same folder as an absolute path, its symbolic links resolved when it exists.
    private let location: String
    /// Where the files are written until `commit`.
    let staging: String
    /// The files of the export, in order.
    private let names: [String]
    /// Whether the folder existed when checked: the files are then moved into it one by one.
    private let existed: Bool
    private let force: Bool
    /// The file exported, which none of the files may be.
    private let trace: String
    private let createdParents: [String]

    /// Checks `target` and every file the export will write into it, then creates the staging folder (and the
    /// target's missing parents).
    ///
    /// - Parameters:
    ///   - names: the files the export writes, all known before one is written.
    ///   - force: replace files of the same names in an existing folder.
    ///   - trace: the file exported, which no output may be.
    /// - Throws: `OutputError` for a target or a file the contract refuses, `ExportError` when a folder cannot be
    ///   created.
    init(target: String, option: String, names: [String], force: Bool, trace: String) throws {
        self.target = target
        self.option = option
        self.names = names
        self.force = force
        self.trace = trace
        let exists = try Self.check(target, option: option)
        if exists { try Self.checkFiles(names, in: target, option: option, force: force, trace: trace) }
        existed = exists
        // Next to where the folder really is (a symbolic link may lead to another file system), so that every
        // move into it is a rename.
        var url = URL(fileURLWithPath: target).standardizedFileURL
        if exists { url = url.resolvingSymlinksInPath() }
        location = url.path
        var missing: [String] = []
        var ancestor = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path), ancestor.pathComponents.count > 1 {
            missing.append(ancestor.path)
            ancestor = ancestor.deletingLastPathComponent()
        }
        var created: [String] = []
        for folder in missing.reversed() {
            guard mkdir(folder, 0o777) == 0 else {
                let reason = Self.reason(errno)
                Self.removeEmpty(created)
                throw ExportError(path: folder, reason: "cannot be created: \(reason)")
            }
            created.append(folder)
        }
        // Hidden, named after the target (a staging folder left by a killed export says what it was) and unique:
        // mkdtemp makes a new folder or fails, so two exports never share one.
        let hidden = ".\(url.lastPathComponent).export-XXXXXX"
        var place = Self.makeUniqueFolder(url.deletingLastPathComponent().appendingPathComponent(hidden).path)
        if place == nil {
            let reason = Self.reason(errno)
            // An existing folder in a parent we may not write (a home folder in /home): stage inside it, on the
            // same file system still.
            place = exists ? Self.makeUniqueFolder(url.appendingPathComponent(hidden).path) : nil
            guard place != nil else {
                Self.removeEmpty(created)
                throw ExportError(
                    path: target, reason: exists ? "cannot write in it: \(reason)" : "cannot be created: \(reason)")
            }
        }
        staging = place!
        createdParents = created
    }

    // MARK: - Checks

    /// Checks `target` as a folder to export into, before any work is done: a folder (through a symbolic link
    /// too) that can be written in, or a path whose nearest existing folder can be.
    ///
    /// - Returns: whether the folder exists.
    static func check(_ target: String, option: String) throws(OutputError) -> Bool {
        let name = "\(option) \(target)"
        guard !target.isEmpty else { throw OutputError(.missingFolder, "\(option): the path is empty; name a folder.") }
        var link = stat()
        if lstat(target, &link) == 0 {
            var status = stat()
            guard stat(target, &status) == 0 else {
                throw OutputError(.danglingLink, "\(name) is a symbolic link to a missing folder; name a folder.")
            }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                guard access(target, W_OK | X_OK) == 0 else {
                    throw OutputError(
                        .notWritable, "\(name): cannot write in it (\(reason(errno))); choose another folder.")
                }
                return true
            case S_IFREG:
                throw OutputError(
                    .isFile, "\(name) is a file, not a folder; name a folder for the CSV files (made if missing).")
            default:
                throw OutputError(
                    .notRegularFile, "\(name) is not a folder (a device, fifo or socket); name a folder.")
            }
        }
        // A new folder: made with its missing parents, in the nearest folder that exists.
        var ancestor = URL(fileURLWithPath: target).standardizedFileURL.deletingLastPathComponent()
        var status = stat()
        while stat(ancestor.path, &status) != 0, ancestor.pathComponents.count > 1 {
            ancestor = ancestor.deletingLastPathComponent()
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else {
            throw OutputError(.parentNotFolder, "\(name): \(ancestor.path) is a file, not a folder.")
        }
        guard access(ancestor.path, W_OK | X_OK) == 0 else {
            throw OutputError(
                .notWritable,
                "\(name): cannot make it in \(ancestor.path) (\(reason(errno))); choose another folder.")
        }
        return false
    }

    /// Each file of the export in an existing folder, checked as an output: the trace, a folder, a device or a
    /// link in its way is refused, and existing files are refused together (naming how many) unless `force`.
    private static func checkFiles(
        _ names: [String], in target: String, option: String, force: Bool, trace: String
    ) throws(OutputError) {
        var existing: [String] = []
        for name in names {
            if try checkFile(name, option: option, target: target, trace: trace) {
                existing.append((target as NSString).appendingPathComponent(name))
            }
        }
        if !force, let first = existing.first {
            throw OutputError(
                .exists,
                existing.count == 1
                    ? "\(option) \(target): \(first) exists; add --force to replace it."
                    : "\(option) \(target): \(existing.count) of the export's files exist there (\(first), …); "
                        + "add --force to replace them.")
        }
    }

    /// One file of the export as an output (see `OutputFile.file(named:in:)`), and not a symbolic link: the
    /// export renames its files into the folder, which would replace a link, not write through it.
    ///
    /// - Returns: whether the file exists (checked as replaceable, so that every existing file is counted).
    @discardableResult
    private static func checkFile(_ name: String, option: String, target: String, trace: String) throws(OutputError)
        -> Bool
    {
        let output = try OutputFile.file(
            named: name, in: target, option: option, force: true, inputs: [CommandInput("the trace", trace)])
        var status = stat()
        if output.replaces, lstat(output.path, &status) == 0, (status.st_mode & S_IFMT) == S_IFLNK {
            throw OutputError(
                .notRegularFile,
                "\(option) \(target): \(output.path) is a symbolic link where the export writes a file of that name; "
                    + "move it, or choose another folder.")
        }
        return output.replaces
    }

    // MARK: - Writing

    /// The path a file named `name` is written to before `commit`.
    func stagingPath(_ name: String) -> String {
        (staging as NSString).appendingPathComponent(name)
    }

    /// Moves the written files into the target; on failure the target is as it was and nothing is left.
    ///
    /// - Returns: the files' final paths.
    func commit() throws -> [String] {
        let finals = names.map { (target as NSString).appendingPathComponent($0) }
        guard existed else {
            // A new folder: the staging folder becomes it, unless one appeared there meanwhile.
            guard Self.renameWithoutReplacing(staging, location) else {
                let code = errno
                discard()
                if code == EEXIST || code == ENOTEMPTY {
                    throw OutputError(
                        .appeared, "\(option) \(target) was created by something else meanwhile; export again.")
                }
                throw ExportError(path: target, reason: "cannot be created: \(Self.reason(code))")
            }
            return finals
        }
        // A folder, a device or a link to the trace may have appeared while the files were written.
        for name in names {
            do { try Self.checkFile(name, option: option, target: target, trace: trace) } catch {
                discard()
                throw error
            }
        }
        let places = names.map { (location as NSString).appendingPathComponent($0) }
        let kept = stagingPath(".replaced")
        var moved: [(name: String, replaced: Bool)] = []
        func undo() {
            for entry in moved.reversed() {
                let final = (location as NSString).appendingPathComponent(entry.name)
                if entry.replaced {
                    _ = rename((kept as NSString).appendingPathComponent(entry.name), final)
                } else {
                    _ = unlink(final)
                }
            }
        }
        func fail(_ error: any Error) -> any Error {
            undo()
            discard()
            return error
        }
        for (index, (name, final)) in zip(names, places).enumerated() {
            var existing = stat()
            guard lstat(final, &existing) == 0 else {
                // A new name: linked, which never replaces, so a file that appeared meanwhile is kept.
                guard Self.placeWithoutReplacing(stagingPath(name), final) else {
                    let code = errno
                    throw fail(
                        code == EEXIST
                            ? OutputError(
                                .appeared,
                                "\(option) \(finals[index]) was created by something else meanwhile; nothing was "
                                    + "exported.")
                            : ExportError(
                                path: finals[index],
                                reason: "cannot be written: \(Self.reason(code)); nothing was exported"))
                }
                moved.append((name, false))
                continue
            }
            guard force else {
                throw fail(
                    OutputError(
                        .appeared,
                        "\(option) \(finals[index]) was created by something else meanwhile; add --force to "
                            + "replace it."))
            }
            guard (existing.st_mode & S_IFMT) == S_IFREG else {
                throw fail(
                    ExportError(path: finals[index], reason: "exists and is not a regular file; nothing was exported"))
            }
            _ = mkdir(kept, 0o777)  // already there after the first replaced file
            guard link(final, (kept as NSString).appendingPathComponent(name)) == 0 else {
                throw fail(
                    ExportError(
                        path: finals[index],
                        reason: "cannot be replaced safely: \(Self.reason(errno)); nothing was exported"))
            }
            guard rename(stagingPath(name), final) == 0 else {
                let reason = Self.reason(errno)
                _ = unlink((kept as NSString).appendingPathComponent(name))
                throw fail(
                    ExportError(path: finals[index], reason: "cannot be written: \(reason); nothing was exported"))
            }
            moved.append((name, true))
        }
        try? FileManager.default.removeItem(atPath: staging)
        return finals
    }

    /// Deletes the staging folder and the parents this export created; the target is untouched.
    func discard() {
        try? FileManager.default.removeItem(atPath: staging)
        Self.removeEmpty(createdParents)
    }

    // MARK: - System calls

    /// mkdtemp: a new folder from `template` (ending in XXXXXX), with the mode any other new folder gets rather
    /// than mkdtemp's 0700, since a new target folder is this folder renamed. Nil with errno set on failure.
    private static func makeUniqueFolder(_ template: String) -> String? {
        var bytes = Array(template.utf8CString)
        guard bytes.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else { return nil }
        let path = bytes.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let mask = umask(0o022)
        umask(mask)
        chmod(path, 0o777 & ~mask)
        return path
    }

    /// rename(2) that never replaces: renameat2's RENAME_NOREPLACE, which Swift's Glibc module does not declare
    /// (looked up by name); where the kernel or file system lacks it, a check then a plain rename.
    private static func renameWithoutReplacing(_ source: String, _ destination: String) -> Bool {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") {
            let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
            if renameat2(AT_FDCWD, source, AT_FDCWD, destination, 1 /* RENAME_NOREPLACE */) == 0 { return true }
            guard errno == EINVAL || errno == ENOSYS else { return false }
        }
        var status = stat()
        guard lstat(destination, &status) != 0 else {
            errno = EEXIST
            return false
        }
        return rename(source, destination) == 0
    }

    /// Puts a written file at a new name without ever replacing one: a hard link, then the staging name goes; on a
    /// file system without hard links, a check then a rename.
    private static func placeWithoutReplacing(_ source: String, _ destination: String) -> Bool {
        if link(source, destination) == 0 {
            unlink(source)
            return true
        }
        guard errno == EPERM || errno == EOPNOTSUPP || errno == EXDEV else { return false }
        return renameWithoutReplacing(source, destination)
    }

    /// `rmdir` only: a folder that is not empty is not ours to delete.
    private static func removeEmpty(_ folders: [String]) {
        for folder in folders.reversed() { _ = rmdir(folder) }
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The system's reason for a failed write ("File too large", "No space left on device"), which Foundation
    /// keeps under a generic "operation could not be completed".
    static func reason(_ error: any Error) -> String {
        (error as NSError).underlyingPOSIXCode.map(reason) ?? error.localizedDescription
    }
}

/// A folder or file of an export that could not be written: one line naming it.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    /// The signal that stopped the export, when that is why it failed.
    public var signal: TerminationSignal?

    public init(path: String, reason: String, signal: TerminationSignal? = nil) {
        self.path = path
        self.reason = reason
        self.signal = signal
    }

    public var description: String { "\(path): \(reason)" }
}
