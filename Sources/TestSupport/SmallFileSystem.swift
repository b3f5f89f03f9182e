import Foundation

/// A small tmpfs mounted on a folder, for tests of a full disk or a read-only folder: what permission bits cannot
/// show when the tests run as root, who writes through them.
///
/// Mounting needs the right to (root, outside most containers' restrictions); a test that needs one is enabled
/// with `.enabled(if: SmallFileSystem.canMount, Comment(rawValue: SmallFileSystem.unavailable))`, so that a
/// machine without that right reports it as skipped, with the reason, instead of passing untested.
public final class SmallFileSystem: @unchecked Sendable {
    /// The folder it is mounted on.
    public let path: String
    private var mounted = true

    /// Whether this process may mount a tmpfs: tried once, on a scratch folder.
    public static let canMount: Bool = {
        let scratch = TemporaryDirectory(prefix: "normscope-mount-probe")
        guard let probe = try? SmallFileSystem(at: scratch.file("probe"), kilobytes: 64) else { return false }
        probe.unmount()
        return true
    }()

    /// Why a test that needs a mount did not run.
    public static let unavailable = "mounting a small tmpfs was refused (run the tests as root to include this)"

    /// Mounts a tmpfs of `kilobytes` on `path` (created if missing), read-only when asked.
    public init(at path: String, kilobytes: Int, readOnly: Bool = false) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let options = "size=\(kilobytes)k" + (readOnly ? ",ro" : "")
        let output = try ChildProcess.run("/bin/mount", arguments: ["-t", "tmpfs", "-o", options, "tmpfs", path])
        guard output.status == 0 else {
            throw MountFailure(message: "mount -t tmpfs on \(path): \(output.standardError)")
        }
    }

    /// Unmounts it (before the folder holding it is removed); later calls do nothing.
    public func unmount() {
        guard mounted else { return }
        mounted = false
        _ = try? ChildProcess.run("/bin/umount", arguments: [path])
    }

    deinit { unmount() }

    /// Why `mount` failed.
    public struct MountFailure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
