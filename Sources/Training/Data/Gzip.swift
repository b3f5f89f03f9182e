import CZlib
import Foundation

/// Gzip decompression through zlib's `inflate`, for data files that ship compressed (`digits.csv.gz`, MNIST's
/// `train-images-idx3-ubyte.gz`).
///
/// Loaders call ``decompress(_:filePath:)`` on every file they read: data that does not start with gzip's magic
/// bytes `1f 8b` comes back unchanged, so a file may be compressed or not whatever its name says.
///
/// Concatenated members (what `cat a.gz b.gz` makes) are decompressed one after the other, as `gunzip` does.
///
/// ### References
///
/// - RFC 1952, "GZIP file format specification version 4.3", https://www.rfc-editor.org/rfc/rfc1952
/// - zlib manual, `inflateInit2`, https://zlib.net/manual.html
public enum Gzip {
    /// Whether `data` starts with gzip's magic bytes `1f 8b` (RFC 1952, section 2.3.1).
    ///
    /// - Parameter data: The bytes to look at; fewer than two bytes are never gzip.
    public static func isCompressed(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// The decompressed contents of `data` if it is gzip, otherwise `data` itself.
    ///
    /// - Parameters:
    ///   - data: The bytes as read from the file.
    ///   - filePath: The file the bytes came from; a ``DataError`` names it.
    /// - Returns: The uncompressed bytes.
    /// - Throws: ``DataError`` when the gzip stream is damaged or ends early.
    public static func decompress(_ data: Data, filePath: String) throws -> Data {
        guard isCompressed(data) else { return data }
        return try inflate(data, filePath: filePath)
    }

    // MARK: - Implementation

    /// zlib's window size exponent, 15 (32 KiB, the largest), plus 32 to make `inflate` detect a gzip or zlib
    /// header by itself.
    private static let windowBits: Int32 = 15 + 32

    /// How much output `inflate` writes per call.
    private static let chunkSize = 1 << 16

    private static func inflate(_ data: Data, filePath: String) throws -> Data {
        // zlib keeps a pointer back to the stream and checks it on every call, so the stream must not move: it
        // lives in memory we allocate, not in a Swift variable passed `inout`.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        var output = Data()
        output.reserveCapacity(sizeHint(data))
        var chunk = [UInt8](repeating: 0, count: chunkSize)

        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.bindMemory(to: Bytef.self).baseAddress else { return }
            var offset = 0
            // avail_in is 32 bits wide, so input beyond 4 GiB is handed over in slices.
            func refill() {
                let length = min(input.count - offset, Int(UInt32.max))
                stream.pointee.next_in = UnsafeMutablePointer(mutating: base + offset)
                stream.pointee.avail_in = uInt(length)
                offset += length
            }
            refill()
            try checked("inflateInit2", stream: stream, filePath: filePath) {
                inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            }
            defer { inflateEnd(stream) }

            while true {
                if stream.pointee.avail_in == 0 && offset < input.count { refill() }
                var produced = 0
                let status = chunk.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = uInt(out.count)
                    let status = CZlib.inflate(stream, Z_NO_FLUSH)
                    produced = out.count - Int(stream.pointee.avail_out)
                    return status
                }
                output.append(contentsOf: chunk[..<produced])
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let remaining = Int(stream.pointee.avail_in) + (input.count - offset)
                    if remaining == 0 { return }
                    // Another member follows; a non-gzip tail makes the next inflate fail with a header error.
                    try checked("inflateReset", stream: stream, filePath: filePath) { inflateReset(stream) }
                case Z_BUF_ERROR where stream.pointee.avail_in == 0 && offset == input.count:
                    throw DataError(filePath: filePath, message: "gzip data ends early (the file is truncated)")
                default:
                    throw failure("inflate", status: status, stream: stream, filePath: filePath)
                }
            }
        }
        return output
    }

    /// The uncompressed size recorded in the last member's trailer (ISIZE, little-endian, modulo 2³²), capped so
    /// that a damaged trailer cannot make us reserve gigabytes.
    private static func sizeHint(_ data: Data) -> Int {
        guard data.count >= 18 else { return 0 }
        let end = data.endIndex
        let size = (0..<4).reduce(0) { sum, k in sum | Int(data[end - 4 + k]) << (8 * k) }
        return min(size, 64 * data.count, 1 << 30)
    }

    /// The one funnel for zlib calls outside the inflate loop: a negative return code throws.
    private static func checked(
        _ operation: String, stream: UnsafeMutablePointer<z_stream>, filePath: String, _ call: () -> Int32
    ) throws {
        let status = call()
        if status != Z_OK {
            throw failure(operation, status: status, stream: stream, filePath: filePath)
        }
    }

    /// A ``DataError`` carrying zlib's own message (`stream.msg`) and the name of the return code.
    private static func failure(
        _ operation: String, status: Int32, stream: UnsafeMutablePointer<z_stream>, filePath: String
    ) -> DataError {
        let reason = stream.pointee.msg.map { String(cString: $0) } ?? "no message"
        return DataError(
            filePath: filePath,
            message: "cannot decompress gzip data: \(reason) (\(operation) returned \(codeName(status)))")
    }

    /// The zlib macro name of a return code, as the zlib manual spells it.
    private static func codeName(_ status: Int32) -> String {
        switch status {
        case Z_OK: "Z_OK"
        case Z_STREAM_END: "Z_STREAM_END"
        case Z_NEED_DICT: "Z_NEED_DICT"
        case Z_ERRNO: "Z_ERRNO"
        case Z_STREAM_ERROR: "Z_STREAM_ERROR"
        case Z_DATA_ERROR: "Z_DATA_ERROR"
        case Z_MEM_ERROR: "Z_MEM_ERROR"
        case Z_BUF_ERROR: "Z_BUF_ERROR"
        case Z_VERSION_ERROR: "Z_VERSION_ERROR"
        default: "code \(status)"
        }
    }
}
