import Foundation

/// A CSV file written line by line through a buffer, to a temporary name renamed into place when finished, so an
/// export of any size needs no more memory than the buffer and never leaves half a file under the final name.
final class CSVFileWriter {
    private let path: String
    private let temporary: String
    private let handle: FileHandle
    private var buffer = ""
    private static let bufferLimit = 1 << 20

    init(path: String, header: [String]) throws {
        self.path = path
        temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try append(header)
    }

    /// Appends one row; fields with a comma, quote or newline are quoted (RFC 4180).
    func append(_ fields: [String]) throws {
        buffer += fields.map(Self.escape).joined(separator: ",")
        buffer += "\n"
        if buffer.utf8.count >= Self.bufferLimit { try drain() }
    }

    /// Writes what is buffered, closes the file and moves it to its name.
    func finish() throws {
        try drain()
        try handle.close()
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    /// Closes and deletes the temporary file after a failure.
    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: temporary)
    }

    private func drain() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }

    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
