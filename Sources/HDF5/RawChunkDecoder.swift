/// One chunk of a dataset as its file stores it, read by `Dataset.readRawChunks`: still deflated and shuffled.
public struct RawChunk: Sendable {
    /// The chunk's rows in the dataset: a whole chunk's, even where the dataset ends inside it.
    public let rows: Range<Int>
    /// The stored bytes, or nil when the chunk is not one the decoder handles (never written, or stored with one of
    /// its filters skipped): `Dataset.readRows` must read those rows.
    public let stored: [UInt8]?
}

/// Turns raw chunks of one dataset into rows, without HDF5: what HDF5's filter pipeline and conversion would do on
/// `H5Dread`, for the pipelines and types where that is inflate, unshuffle and byte copies (see
/// `Dataset.rawChunkDecoder(as:)`, which makes one only then). `Sendable` and free of HDF5 calls, so any number of
/// threads may decode chunks of the same dataset at once; each needs its own `RawChunkScratch`.
public struct RawChunkDecoder<Element: DatasetElement>: Sendable {
    /// Rows per chunk.
    public let chunkRows: Int
    /// Elements per row: 1 for a table of rows, the width of a two-dimensional dataset.
    public let rowElements: Int
    /// The dataset's rank, 1 or 2: how many coordinates name a chunk.
    let rank: Int
    let plan: ElementCopyPlan
    let shuffled: Bool
    let deflated: Bool

    /// Whether decoding writes every byte of a row; if not, the block's padding must be set beforehand.
    public var writesEveryByte: Bool { plan.coversMemory }

    /// Bytes of a decoded chunk.
    public var chunkBytes: Int { chunkRows * rowElements * plan.fileSize }

    /// The most bytes a chunk may occupy in the file: its decoded size, plus what deflate adds to data it cannot
    /// compress (5 bytes per 64 KiB stored block and the stream's header and checksum). A size read from the file
    /// beyond it is damage, and is not allocated.
    var maxStoredBytes: Int { chunkBytes + 5 * (chunkBytes / 65535 + 1) + 64 }

    /// Decodes `chunk` and writes the rows it shares with `blockRows` into `block`, which holds `blockRows` (row
    /// `blockRows.lowerBound` at its start, `rowElements` elements per row).
    ///
    /// - Throws: a chunk whose stream is damaged (libdeflate checks its Adler-32, as zlib does for HDF5) or that
    ///   decodes to another size than a chunk has; the block's rows of this chunk are undefined then.
    public func decode(
        _ chunk: RawChunk, into block: UnsafeMutableBufferPointer<Element>, blockRows: Range<Int>,
        scratch: RawChunkScratch
    ) throws(ChunkCodec.DecodeError) {
        guard let stored = chunk.stored else { throw ChunkCodec.DecodeError(description: "chunk not stored raw") }
        precondition(block.count >= blockRows.count * rowElements, "block smaller than its rows")
        let rows = chunk.rows.clamped(to: blockRows)
        guard !rows.isEmpty else { return }
        let destination =
            UnsafeMutableRawPointer(block.baseAddress!)
            + (rows.lowerBound - blockRows.lowerBound) * rowElements * plan.memoryStride
        // A whole chunk of a packed row type is decoded straight into the block by its last filter: one pass over
        // the rows fewer.
        let direct =
            plan.isIdentity && rows == chunk.rows
            ? UnsafeMutableRawBufferPointer(start: destination, count: chunkBytes) : nil
        // A non-throwing closure keeps the typed error: withUnsafeBytes only rethrows untyped.
        let result = stored.withUnsafeBytes { stored in
            Result { () throws(ChunkCodec.DecodeError) in
                try decode(stored, rows: rows, of: chunk, to: destination, direct: direct, scratch: scratch)
            }
        }
        try result.get()
    }

    private func decode(
        _ stored: UnsafeRawBufferPointer, rows: Range<Int>, of chunk: RawChunk, to destination: UnsafeMutableRawPointer,
        direct: UnsafeMutableRawBufferPointer?, scratch: RawChunkScratch
    ) throws(ChunkCodec.DecodeError) {
        var data = stored
        if deflated {
            let target = shuffled ? scratch.first(chunkBytes) : direct ?? scratch.first(chunkBytes)
            try ChunkCodec.inflate(stored, into: target)
            if !shuffled, direct != nil { return }
            data = UnsafeRawBufferPointer(target)
        } else if stored.count != chunkBytes {
            throw ChunkCodec.DecodeError(description: "chunk stores \(stored.count) bytes, expected \(chunkBytes)")
        }
        if shuffled {
            let target = direct ?? scratch.second(chunkBytes)
            ChunkCodec.unshuffle(data, elementSize: plan.fileSize, into: target)
            if direct != nil { return }
            data = UnsafeRawBufferPointer(target)
        }
        let rowBytes = rowElements * plan.fileSize
        let source = data.baseAddress! + (rows.lowerBound - chunk.rows.lowerBound) * rowBytes
        plan.copy(rows.count * rowElements, from: source, to: destination)
    }
}

/// The two chunk-sized buffers one thread decodes in, reused from chunk to chunk; not shared between threads.
public final class RawChunkScratch {
    private var buffers: [UnsafeMutableRawPointer?] = [nil, nil]
    private var capacities = [0, 0]

    public init() {}

    /// Allocates the inflate buffer now, `bytes` long: on the calling thread, whose heap it then belongs to. (The
    /// other is needed only for chunks that are not unshuffled straight into their block.)
    public init(reserving bytes: Int) {
        _ = first(bytes)
    }

    /// The buffer inflate writes to, at least `bytes` long.
    func first(_ bytes: Int) -> UnsafeMutableRawBufferPointer { buffer(0, bytes) }
    /// The buffer unshuffle writes to when the rows are not copied straight into the block.
    func second(_ bytes: Int) -> UnsafeMutableRawBufferPointer { buffer(1, bytes) }

    private func buffer(_ index: Int, _ bytes: Int) -> UnsafeMutableRawBufferPointer {
        if capacities[index] < bytes {
            buffers[index]?.deallocate()
            buffers[index] = .allocate(byteCount: bytes, alignment: 16)
            capacities[index] = bytes
        }
        return UnsafeMutableRawBufferPointer(start: buffers[index], count: bytes)
    }

    deinit {
        for buffer in buffers { buffer?.deallocate() }
    }
}
