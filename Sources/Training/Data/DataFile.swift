import Foundation

/// What every loader does first: read a file whole, decompress it if it is gzip, and derive a dataset name from
/// its file name.
enum DataFile {
    /// The file's bytes, decompressed when they are gzip.
    ///
    /// - Parameter path: The file, as the caller named it; errors repeat it unchanged.
    /// - Throws: ``DataError`` when the file is missing, unreadable or damaged gzip.
    static func bytes(atPath path: String) throws -> [UInt8] {
        try bytes(of: URL(fileURLWithPath: path), reportedAs: path)
    }

    /// The bytes at `url`, decompressed when they are gzip, with errors naming `reportedAs`.
    static func bytes(of url: URL, reportedAs filePath: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DataError(filePath: filePath, message: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw DataError(filePath: filePath, message: "is a directory, not a file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DataError(filePath: filePath, message: "cannot read the file (\(error.localizedDescription))")
        }
        return [UInt8](try Gzip.decompress(data, filePath: filePath))
    }

    /// The file name without directories, without a `.gz` suffix and without one further extension:
    /// `data/digits.csv.gz` → `digits`, `/tmp/train.idx` → `train`.
    static func baseName(of path: String) -> String {
        var name = URL(fileURLWithPath: path).lastPathComponent
        if name.lowercased().hasSuffix(".gz") { name.removeLast(3) }
        // A leading dot (".hidden") is part of the name, not an extension.
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            name = String(name[..<dot])
        }
        return name
    }
}
