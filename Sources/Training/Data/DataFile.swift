import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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
        let raw = try contents(atPath: url.path, reportedAs: filePath)
        return [UInt8](try Gzip.decompress(Data(raw), filePath: filePath))
    }

    /// The bytes of the file at `path` as stored, read with the system's calls so that a failure is the system's
    /// reason in one line (`Permission denied`), never Foundation's `NSCocoaErrorDomain error 257`.
    ///
    /// A pipe (`--config <(…)`) is read to its end; a folder is refused before it is opened.
    ///
    /// - Throws: ``DataError`` naming `filePath`: no such file, a folder, or the reason the system gives.
    static func contents(atPath path: String, reportedAs filePath: String) throws(DataError) -> [UInt8] {
        func failure(_ message: String) -> DataError { DataError(filePath: filePath, message: message) }
        var status = stat()
        guard stat(path, &status) == 0 else {
            let number = errno
            throw failure(number == ENOENT ? "no such file" : "cannot read it: \(reason(number))")
        }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw failure("is a folder, not a file") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("cannot read it: \(reason(errno))") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read it: \(reason(errno))")
            }
            bytes += block[..<count]
        }
    }

    /// The system's words for an error number: `Permission denied`.
    private static func reason(_ number: Int32) -> String {
        String(cString: strerror(number))
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
