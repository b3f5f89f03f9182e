import Foundation
import TestSupport

/// Writes the small files the data-layer tests load, and gzips them with the system's `gzip`, so the decoder is
/// checked against an independent encoder.
enum DataFixtures {
    /// Writes `bytes` to `path`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// Writes `text` as UTF-8 to `path`.
    static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes `text` to a file called `name` in a fresh directory and runs `body` on its path while the directory
    /// exists; errors name the file by its whole path, so tests compare its suffix.
    static func withFile<T>(_ text: String, named name: String, _ body: (String) throws -> T) throws -> T {
        let directory = TemporaryDirectory(prefix: "normscope-data")
        let path = directory.file(name)
        try write(text, to: path)
        return try withExtendedLifetime(directory) { try body(path) }
    }

    /// Compresses `path` with `gzip -k`, keeping the original, and returns the path of the `.gz` file.
    static func gzip(_ path: String) throws -> String {
        let result = try ChildProcess.run("/usr/bin/env", arguments: ["gzip", "-k", "-f", path])
        guard result.status == 0 else {
            throw FixtureError(message: "gzip failed: \(result.standardError)")
        }
        return path + ".gz"
    }

    /// The bytes of the file at `path`.
    static func read(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// A fixture could not be made (for instance `gzip` is missing), which fails the test rather than skipping it.
struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
