import Foundation
import TestSupport

/// A git repository holding a snapshot of this package's sources, tagged as a release, and a consumer package and
/// build folder beside it: what another package sees when it depends on a tagged NormScope.
///
/// The folder is named after the snapshot's git tree, so that running the suite again on the same sources reuses
/// the consumer's build (a first debug build of the library takes minutes, an unchanged one seconds), while any
/// change of the sources gets a folder of its own (about 100 MB). Only the most recently used few are kept.
struct ConsumerWorkspace {
    /// Where every workspace lives, one folder per snapshot.
    static let base = (NSTemporaryDirectory() as NSString).appendingPathComponent("normscope-consumer")
    /// How many of the most recently used workspaces are kept.
    static let kept = 3
    /// A workspace used more recently than this may be another test run's, busy building: never removed.
    static let busyFor: TimeInterval = 30 * 60

    let directory: String
    /// The tagged snapshot. Its folder is named `normscope`, so the package's identity is the one a consumer
    /// names in `.product(name: "NormScope", package: "normscope")`.
    var repository: String { path("normscope") }
    var consumer: String { path("consumer") }
    var scratch: String { path("build") }
    /// SwiftPM's cache of cloned repositories, kept here so the tests neither use nor fill the user's.
    var cache: String { path("cache") }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Snapshots the files git sees in `root` (tracked, and untracked but not ignored: the work tree as it is, not
    /// only its last commit), commits them and tags the commit `tag`.
    static func make(snapshotOf root: String, tag: String) throws -> ConsumerWorkspace {
        let files = FileManager.default
        try files.createDirectory(atPath: base, withIntermediateDirectories: true)
        removeStale()
        let staging = (base as NSString).appendingPathComponent("staging-\(UUID().uuidString)")
        defer { try? files.removeItem(atPath: staging) }
        let snapshot = (staging as NSString).appendingPathComponent("normscope")
        try copyWorkTree(of: root, to: snapshot)
        try git(["init", "-q"], in: snapshot)
        try git(["add", "-A"], in: snapshot)
        try git(
            [
                "-c", "user.name=NormScope tests", "-c", "user.email=tests@normscope.invalid", "-c",
                "commit.gpgsign=false",
                "commit", "-q", "-m", "Snapshot of the work tree under test",
            ], in: snapshot)
        try git(["tag", tag], in: snapshot)
        let tree = try git(["rev-parse", "HEAD^{tree}"], in: snapshot).trimmingCharacters(in: .whitespacesAndNewlines)

        let workspace = ConsumerWorkspace(directory: (base as NSString).appendingPathComponent(String(tree.prefix(20))))
        // The staging folder becomes the workspace in one rename, so a workspace always holds its whole repository;
        // when the rename fails because another run made the same workspace first, that one is used.
        if !files.fileExists(atPath: workspace.directory) {
            do {
                try files.moveItem(atPath: staging, toPath: workspace.directory)
            } catch  where files.fileExists(atPath: workspace.directory) {}
        }
        _ = files.createFile(atPath: workspace.path("last-used"), contents: Data())
        return workspace
    }

    /// Writes `text` to `name` under the consumer package unless it already holds it, so that an unchanged file
    /// keeps its date and the build stays incremental.
    func writeConsumerFile(_ name: String, _ text: String) throws {
        let file = (consumer as NSString).appendingPathComponent(name)
        if (try? String(contentsOfFile: file, encoding: .utf8)) == text { return }
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
    }

    private static func copyWorkTree(of root: String, to destination: String) throws {
        let listing = try git(["ls-files", "-z", "--cached", "--others", "--exclude-standard"], in: root)
        let files = FileManager.default
        for name in listing.split(separator: "\0") {
            let source = (root as NSString).appendingPathComponent(String(name))
            // The index can list a file deleted from the work tree; the snapshot is the work tree.
            guard files.fileExists(atPath: source) else { continue }
            let target = (destination as NSString).appendingPathComponent(String(name))
            try files.createDirectory(
                atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try files.copyItem(atPath: source, toPath: target)
        }
    }

    /// Removes all but the `kept` most recently used workspaces, and staging folders that killed runs left, once
    /// they are no longer busy.
    private static func removeStale() {
        let files = FileManager.default
        let now = Date()
        let folders = ((try? files.contentsOfDirectory(atPath: base)) ?? []).map {
            (base as NSString).appendingPathComponent($0)
        }
        let used: [(folder: String, date: Date)] = folders.compactMap { folder in
            let stamp = (folder as NSString).appendingPathComponent("last-used")
            let date = [stamp, folder].lazy.compactMap {
                (try? files.attributesOfItem(atPath: $0))?[.modificationDate] as? Date
            }.first
            return date.map { (folder, $0) }
        }
        let workspaces = used.filter { !($0.folder as NSString).lastPathComponent.hasPrefix("staging-") }
        let keptFolders = Set(workspaces.sorted { $0.date > $1.date }.prefix(kept).map(\.folder))
        for (folder, date) in used where !keptFolders.contains(folder) && now.timeIntervalSince(date) > busyFor {
            try? files.removeItem(atPath: folder)
        }
    }

    struct CommandFailed: Error, CustomStringConvertible {
        var command: String
        var output: ChildProcess.Output
        var description: String { "\(command) exited \(output.status): \(output.standardError)" }
    }

    @discardableResult
    private static func git(_ arguments: [String], in directory: String) throws -> String {
        let output = try ChildProcess.run("/usr/bin/env", arguments: ["git", "-C", directory] + arguments)
        guard output.status == 0 else {
            throw CommandFailed(command: "git " + arguments.joined(separator: " "), output: output)
        }
        return output.standardOutput
    }
}
