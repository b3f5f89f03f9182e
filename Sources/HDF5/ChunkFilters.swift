/// A chunked dataset's filter pipeline as ``ChunkCodec`` reproduces it: what a writer needs to filter whole chunks
/// itself, on any thread, and hand HDF5 the finished bytes (`Dataset.writeChunk`). HDF5 runs its own filters under
/// its one lock, on the calling thread; a trace of a gigabyte then waits on one core's deflate.
///
/// Made by `Dataset.chunkFilters(for:)`, which only returns one when every byte it produces is what HDF5's own
/// filters would store for the same rows: the stored type is the row type's packed form, the chunks span whole
/// rows, the pipeline is deflate with or without shuffle before it, and the fill value is HDF5's default (zeros).
public struct ChunkFilters: Sendable, Equatable {
    /// Rows (along axis 0) in one chunk.
    public let chunkRows: Int
    /// Elements in one row: 1 for a table, the column count of a two-dimensional dataset.
    public let rowElements: Int
    /// Bytes of one element in the file (a compound row packed), the unit of the shuffle filter.
    public let elementSize: Int
    /// Whether the shuffle filter runs before deflate.
    public let shuffle: Bool
    /// Deflate's level, or nil for a dataset stored without filters.
    public let deflateLevel: Int?
    /// Bytes of one element in memory (the Swift stride).
    let memoryStride: Int
    /// Where each field of an element goes between memory and file; nil when the two layouts are the same bytes.
    let fields: [FieldPlacement]?

    struct FieldPlacement: Sendable, Equatable {
        var memoryOffset: Int
        var fileOffset: Int
        var size: Int
    }

    /// Bytes of one whole chunk before filtering: what HDF5 filters for a chunk, an edge chunk included.
    public var chunkBytes: Int { chunkRows * rowElements * elementSize }

    /// Bytes of one row in memory.
    public var memoryRowBytes: Int { rowElements * memoryStride }

    /// One stored chunk made of `rows`, whole rows in memory layout, at most `chunkRows` of them: packed into the
    /// file's layout, padded with zeros to a whole chunk (HDF5 pads an edge chunk with the fill value, zeros by
    /// default, before filtering it), shuffled, deflated. The same rows always give the same bytes, on any thread.
    public func encode(_ rows: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(
            rows.count % memoryRowBytes == 0 && rows.count / memoryRowBytes <= chunkRows,
            "a chunk takes at most \(chunkRows) whole rows of \(memoryRowBytes) bytes, got \(rows.count) bytes")
        return withWholeChunk(rows) { plain in
            guard shuffle else { return deflateLevel == nil ? Array(plain) : deflate(plain) }
            let shuffled = [UInt8](unsafeUninitializedCapacity: chunkBytes) { buffer, initialized in
                ChunkCodec.shuffle(plain, elementSize: elementSize, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = chunkBytes
            }
            return shuffled.withUnsafeBytes { deflate($0) }
        }
    }

    /// The zlib stream of a whole unfiltered-or-shuffled chunk.
    private func deflate(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        ChunkCodec.deflate(bytes, level: Self.libdeflateLevel(forZlibLevel: deflateLevel ?? 1))
    }

    /// Calls `body` with the chunk's unfiltered bytes in the file's layout: `rows` themselves when they already
    /// are (a whole chunk whose layout is the file's), else a packed, zero-padded copy.
    private func withWholeChunk<Result>(
        _ rows: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        if fields == nil && rows.count == chunkBytes { return body(rows) }
        var plain = [UInt8](repeating: 0, count: chunkBytes)
        plain.withUnsafeMutableBytes { output in
            guard let fields else {
                if rows.count > 0 { output.baseAddress!.copyMemory(from: rows.baseAddress!, byteCount: rows.count) }
                return
            }
            for element in 0..<(rows.count / memoryStride) {
                let source = rows.baseAddress! + element * memoryStride
                let destination = output.baseAddress! + element * elementSize
                for field in fields {
                    (destination + field.fileOffset).copyMemory(from: source + field.memoryOffset, byteCount: field.size)
                }
            }
        }
        return plain.withUnsafeBytes(body)
    }

    /// The libdeflate level for a dataset's declared zlib level. The two libraries' levels name different
    /// searches: on shuffled trace chunks libdeflate's level 1 stores within 0.7% of zlib's level 4 at 2.4× its
    /// speed, and its level 2 as small as zlib's 4 (bench analyze's synthetic chunks and the demo trace's, measured
    /// with both libraries). So the declared level, which HDF5 itself would use, maps three levels down.
    public static func libdeflateLevel(forZlibLevel level: Int) -> Int { max(1, level - 3) }
}
