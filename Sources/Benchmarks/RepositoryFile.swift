import Foundation

/// A file of this repository that a benchmark runs beside NormScope (the scripts under `analysis/`), found from
/// wherever `normscope` was started.
public enum RepositoryFile {
    /// The path of the running executable (`/proc/self/exe` on Linux).
    public static var currentExecutable: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// `relative` under the current directory, under a directory above `executable` (a built `normscope` sits in
    /// `.build/<configuration>/` of the repository), or under the package this file was compiled from; nil when
    /// none holds it.
    public static func locate(_ relative: String, executable: String = currentExecutable) -> String? {
        var roots = [FileManager.default.currentDirectoryPath]
        for start in [executable, #filePath] {
            var directory = URL(fileURLWithPath: start).deletingLastPathComponent()
            for _ in 0..<6 {
                roots.append(directory.path)
                directory.deleteLastPathComponent()
            }
        }
        return roots.lazy.map { ($0 as NSString).appendingPathComponent(relative) }
            .first { FileManager.default.fileExists(atPath: $0) }
    }
}
