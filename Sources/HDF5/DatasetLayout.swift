/// Storage options of a new dataset: chunking, growth along axis 0, compression.
///
/// `DatasetLayout.contiguous` is a fixed-size dataset. `DatasetLayout.appendable(chunkRows:)` is what per-step
/// tables use: chunked, unlimited along axis 0, so `Dataset.append` can grow it a chunk at a time.
public struct DatasetLayout: Sendable {
    /// Chunk shape, or nil for contiguous storage (which cannot grow or be compressed).
    public var chunkShape: [Int]?
    /// Whether axis 0 may grow without limit (requires chunks).
    public var isAppendable: Bool
    /// Filters applied to each chunk.
    public var compression: Compression

    public init(chunkShape: [Int]? = nil, isAppendable: Bool = false, compression: Compression = .none) {
        self.chunkShape = chunkShape
        self.isAppendable = isAppendable
        self.compression = compression
    }

    /// Contiguous, fixed size, uncompressed.
    public static let contiguous = DatasetLayout()

    /// Chunked by `chunkRows` rows (each chunk spans every other axis whole), unlimited along axis 0.
    /// - Parameters:
    ///   - chunkRows: rows per chunk. Appends of whole chunks are cheapest; readers fetch a chunk at a time.
    ///   - compression: `.none`, or `.deflate(level:shuffle:)`.
    public static func appendable(chunkRows: Int = 1024, compression: Compression = .none) -> DatasetLayout {
        DatasetLayout(chunkShape: [chunkRows], isAppendable: true, compression: compression)
    }

    /// The full chunk shape for a dataset of `shape`: a shorter `chunkShape` is completed with the trailing axes.
    func resolvedChunks(for shape: [Int]) -> [Int]? {
        guard let chunkShape else { return nil }
        guard chunkShape.count < shape.count else { return chunkShape.map { max($0, 1) } }
        return chunkShape.map { max($0, 1) } + shape.dropFirst(chunkShape.count).map { max($0, 1) }
    }
}

/// Per-chunk filters.
public enum Compression: Sendable, Equatable {
    /// No filter.
    case none
    /// zlib deflate at `level` (1 fastest … 9 smallest), optionally after the byte-shuffle filter, which groups the
    /// bytes of equal significance and typically halves the size of float data. Readable by every HDF5 reader.
    /// The corresponding C calls are `H5Pset_shuffle` and `H5Pset_deflate`.
    case deflate(level: Int, shuffle: Bool)
}
