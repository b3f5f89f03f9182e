import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every entry under a folder and what it is: a regular file's bytes and inode (a file replaced by the same bytes
/// is still seen), a symbolic link's destination, or its kind. A command that was to leave a folder alone can be
/// seen to have, and one that wrote can be seen to have touched nothing else.
struct FolderSnapshot: Equatable, CustomStringConvertible {
    enum Entry: Equatable {
        case file(Data, inode: UInt64)
        case link(String)
        case folder
        case other(mode: UInt32)
    }

    let entries: [String: Entry]

    init(_ path: String) throws {
        var entries: [String: Entry] = [:]
        let enumerator = try #require(FileManager.default.enumerator(atPath: path))
        while let name = enumerator.nextObject() as? String {
            let full = path + "/" + name
            var status = stat()
            try #require(lstat(full, &status) == 0, "\(full): \(String(cString: strerror(errno)))")
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                entries[name] = .file(try Data(contentsOf: URL(fileURLWithPath: full)), inode: UInt64(status.st_ino))
            case S_IFLNK: entries[name] = .link(try FileManager.default.destinationOfSymbolicLink(atPath: full))
            case S_IFDIR: entries[name] = .folder
            default: entries[name] = .other(mode: UInt32(status.st_mode))
            }
        }
        self.entries = entries
    }

    /// The names added, removed or changed since `before`, sorted.
    func changes(since before: FolderSnapshot) -> [String] {
        Set(entries.keys).union(before.entries.keys).filter { entries[$0] != before.entries[$0] }.sorted()
    }

    var description: String { entries.keys.sorted().joined(separator: ", ") }
}
