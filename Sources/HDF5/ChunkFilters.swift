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
        let elements = rows.count / memoryStride
        var plain = [UInt8](repeating: 0, count: chunkBytes)
        plain.withUnsafeMutableBytes { output in
            guard let fields else {
                if rows.count > 0 { output.baseAddress!.copyMemory(from: rows.baseAddress!, byteCount: rows.count) }
                return
            }
            for element in 0..<elements {
                let source = rows.baseAddress! + element * memoryStride
                let destination = output.baseAddress! + element * elementSize
                for field in fields {
                    (destination + field.fileOffset).copyMemory(from: source + field.memoryOffset, byteCount: field.size)
                }
            }
        }
        guard shuffle || deflateLevel != nil else { return plain }
        var shuffled = plain
        if shuffle {
            plain.withUnsafeBytes { input in
                shuffled.withUnsafeMutableBytes { output in
                    ChunkCodec.shuffle(input, elementSize: elementSize, into: output)
                }
            }
        }
        guard let deflateLevel else { return shuffled }
        return shuffled.withUnsafeBytes { ChunkCodec.deflate($0, level: deflateLevel) }
    }
}
