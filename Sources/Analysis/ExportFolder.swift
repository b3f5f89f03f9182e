import Foundation
import Recording

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The folder an export writes into, all or nothing: files are written into a hidden staging folder next to the
/// target and moved into place only after every one of them was written, so a failed export (an unreadable
/// chunk, a full disk, a write error) leaves the file system as it found it.
///
/// - Target absent: the staging folder is renamed to the target in one step. Missing parent folders are created
///   and, on failure, removed again (they are empty, since we made them).
/// - Target present: the export's files are moved into it one by one, each replacing the file of the same name
///   atomically (`rename(2)`); files of other names are left alone. Every replaced file is kept (a hard link in
///   the staging folder) until all are in place, so a failure part-way puts the old files back.
///
/// Only the staging folder and the parents this export created are ever deleted: never a folder it found. When the
/// target exists but its parent cannot be written, the staging folder goes inside the target instead.
struct ExportFolder {
    /// The folder the user asked for, as given (for messages and the paths returned).
    let target: String
    /// The same folder as an absolute path, its symbolic links resolved when it exists.
    private let location: String
    /// Where the files are written until `commit`.
    let staging: String
    private let createdParents: [String]

    /// Creates the staging folder (and the target's missing parents).
    ///
    /// - Throws: `ExportError` when the target is a file, or a folder cannot be created.
    init(target: String) throws(ExportError) {
        self.target = target
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        let exists = manager.fileExists(atPath: target, isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            throw ExportError(path: target, reason: "exists and is not a folder")
        }
        // Next to where the folder really is (a symbolic link may lead to another file system), so that every
        // move into it is a rename.
        var url = URL(fileURLWithPath: target).standardizedFileURL
        if exists { url = url.resolvingSymlinksInPath() }
        location = url.path
        var missing: [String] = []
        var ancestor = url.deletingLastPathComponent()
        while !manager.fileExists(atPath: ancestor.path), ancestor.pathComponents.count > 1 {
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
        // Hidden and named after the target, so a staging folder left by a killed export says what it was.
        let name = ".\(url.lastPathComponent).export-\(String(UInt32.random(in: .min ... .max), radix: 36))"
        var place = url.deletingLastPathComponent().appendingPathComponent(name).path
        if mkdir(place, 0o777) != 0 {
            let reason = Self.reason(errno)
            // An existing folder in a parent we may not write (a home folder in /home): stage inside it, on the
            // same file system still.
            place = url.appendingPathComponent(name).path
            guard exists, mkdir(place, 0o777) == 0 else {
                Self.removeEmpty(created)
                throw ExportError(
                    path: target, reason: exists ? "cannot write in it: \(reason)" : "cannot be created: \(reason)")
            }
        }
        staging = place
        createdParents = created
    }

    /// The path a file named `name` is written to before `commit`.
    func stagingPath(_ name: String) -> String {
        (staging as NSString).appendingPathComponent(name)
    }

    /// Moves the written files into the target; on failure the target is as it was and nothing is left.
    ///
    /// - Returns: the files' final paths.
    func commit(_ names: [String]) throws(ExportError) -> [String] {
        let finals = names.map { (target as NSString).appendingPathComponent($0) }
        let places = names.map { (location as NSString).appendingPathComponent($0) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory) else {
            guard rename(staging, location) == 0 else {
                let reason = Self.reason(errno)
                discard()
                throw ExportError(path: target, reason: "cannot be created: \(reason)")
            }
            return finals
        }
        guard isDirectory.boolValue else {
            discard()
            throw ExportError(path: target, reason: "exists and is not a folder")
        }
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
        for (index, (name, final)) in zip(names, places).enumerated() {
            var replaced = false
            var existing = stat()
            if lstat(final, &existing) == 0 {
                guard (existing.st_mode & S_IFMT) == S_IFREG else {
                    undo()
                    discard()
                    throw ExportError(
                        path: finals[index], reason: "exists and is not a regular file; nothing was exported")
                }
                _ = mkdir(kept, 0o777)  // already there after the first replaced file
                guard link(final, (kept as NSString).appendingPathComponent(name)) == 0 else {
                    let reason = Self.reason(errno)
                    undo()
                    discard()
                    throw ExportError(
                        path: finals[index], reason: "cannot be replaced safely: \(reason); nothing was exported")
                }
                replaced = true
            }
            guard rename(stagingPath(name), final) == 0 else {
                let reason = Self.reason(errno)
                if replaced { _ = unlink((kept as NSString).appendingPathComponent(name)) }
                undo()
                discard()
                throw ExportError(path: finals[index], reason: "cannot be written: \(reason); nothing was exported")
            }
            moved.append((name, replaced))
        }
        try? FileManager.default.removeItem(atPath: staging)
        return finals
    }

    /// Deletes the staging folder and the parents this export created; the target is untouched.
    func discard() {
        try? FileManager.default.removeItem(atPath: staging)
        Self.removeEmpty(createdParents)
    }

    /// `rmdir` only: a folder that is not empty is not ours to delete.
    private static func removeEmpty(_ folders: [String]) {
        for folder in folders.reversed() { _ = rmdir(folder) }
    }

    private static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// The system's reason for a failed write ("File too large", "No space left on device"), which Foundation
    /// keeps under a generic "operation could not be completed".
    static func reason(_ error: any Error) -> String {
        let error = error as NSError
        for candidate in [error, error.userInfo[NSUnderlyingErrorKey] as? NSError].compactMap({ $0 })
        where candidate.domain == NSPOSIXErrorDomain {
            return reason(Int32(candidate.code))
        }
        return error.localizedDescription
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
