import Foundation
import HDF5
import Tensors

/// A test of one row, given by its address so that a wide row is not copied to be looked at; run on any thread.
typealias RowCheck<Element> = @Sendable (UnsafePointer<Element>) -> Bool

/// Reads a dataset along axis 0 in blocks of whole rows, so a table of any length is reduced in bounded memory:
/// about `blockRows` rows (times the row width of a 2-D dataset) are held at once, plus the blocks being decoded.
///
/// Where the dataset allows (`Dataset.rawChunkDecoder`), a block's chunks are read raw under HDF5's lock and
/// inflated on every core (`RawChunkReading`), two blocks ahead of the caller; a block of at least a chunk is then
/// rounded down to whole chunks, so that no chunk is inflated for two blocks (smaller blocks are read as asked, each
/// inflating the chunk it lies in). Elsewhere `readRows` (HDF5's `H5Dread`, whose chunk cache keeps a chunk two
/// blocks share) reads blocks of exactly `blockRows`. Both give the same rows.
/// 4096 rows are four of the writer's 1024-row chunks (1 MB of gradient rows): with two blocks ahead, enough for
/// both cores to have a chunk to take while the caller reduces, and little enough to keep the peak RSS of
/// `analyze` on a 1 GB trace under 60 MiB (8192 were 65 MiB).
struct BlockReader {
    static let defaultBlockRows = 4096

    let dataset: Dataset
    let blockRows: Int
    /// How the raw path spreads a block's chunks over the cores; the rows read do not depend on it.
    let parallel: RowParallel

    init(_ dataset: Dataset, blockRows: Int = BlockReader.defaultBlockRows, parallel: RowParallel = .automatic) {
        self.dataset = dataset
        self.blockRows = max(1, blockRows)
        self.parallel = parallel
    }

    static var readsRawChunks: Bool { RawChunkReads.enabled }

    /// The blocks in order, each with the index of its first row. An iterator rather than a callback, so that the
    /// caller's loop body may throw errors of its own (a CSV write) without smuggling them out of a closure.
    struct Blocks<Element: DatasetElement & Sendable> {
        let reader: BlockReader
        let count: Int
        /// The rows of a block: the reader's, for the raw path rounded down to whole chunks when it is one or more.
        let blockRows: Int
        var start = 0
        let raw: RawChunkReading<Element>?
        /// Run on every row as it is read (see `nextScreened()`), nil for none.
        let screen: RowCheck<Element>?

        /// The next block, or nil after the last. After a block that fails, `start` is past it and the next call
        /// reads the block after.
        ///
        /// - Throws: the read's `HDF5Error`, its message extended with the rows that could not be read (a damaged
        ///   or truncated chunk), so the user learns where the file stops being usable.
        mutating func next() throws(HDF5Error) -> (rows: [Element], first: Int)? {
            try nextScreened().map { ($0.rows, $0.first) }
        }

        /// The next block as `next()` gives it, and for each row `screen(row)` (empty without a screen): worked out
        /// beside the decoding, on every core, when the raw path reads the block.
        mutating func nextScreened() throws(HDF5Error) -> (rows: [Element], first: Int, plausible: [Bool])? {
            guard start < count else { return nil }
            let end = min(count, start + blockRows)
            defer { start = end }
            do throws(HDF5Error) {
                if let raw {
                    let (rows, plausible) = try raw.block(start..<end, count: count)
                    return (rows, start, plausible)
                }
                let rows = try reader.dataset.readRows(start..<end, as: Element.self)
                let plausible = screen.map { check in
                    rows.withUnsafeBufferPointer { rows in rows.indices.map { check(rows.baseAddress! + $0) } }
                }
                return (rows, start, plausible ?? [])
            } catch {
                var located = error
                located.message = "rows \(start)..<\(end) of \(count) unreadable: \(error.message)"
                throw located
            }
        }
    }

    /// The blocks of the dataset; `screen`, when given, is run on every row (`Blocks.nextScreened()`).
    func blocks<Element: DatasetElement & Sendable>(
        as type: Element.Type, screen: RowCheck<Element>? = nil
    ) throws(HDF5Error) -> Blocks<Element> {
        let decoder = Self.readsRawChunks ? try dataset.rawChunkDecoder(as: Element.self) : nil
        let rows =
            decoder.map { blockRows >= $0.chunkRows ? blockRows / $0.chunkRows * $0.chunkRows : blockRows }
            ?? blockRows
        let raw = decoder.map {
            RawChunkReading(dataset: dataset, decoder: $0, parallel: parallel, blockRows: rows, screen: screen)
        }
        return Blocks(reader: self, count: try dataset.rowCount(), blockRows: rows, raw: raw, screen: screen)
    }

    /// The rows `range`, read as the blocks are: raw chunks decoded where the dataset allows, `readRows` elsewhere.
    /// Every read of a trace's datasets goes through `BlockReader`, so the damage probe (`DamagedFiles`), which
    /// makes the same HDF5 calls, has made every call a reader will make on the file.
    func rows<Element: DatasetElement & Sendable>(
        _ range: Range<Int>, as type: Element.Type
    ) throws(HDF5Error) -> [Element] {
        guard Self.readsRawChunks, !range.isEmpty, let decoder = try dataset.rawChunkDecoder(as: Element.self) else {
            return try dataset.readRows(range, as: Element.self)
        }
        let reading = RawChunkReading(
            dataset: dataset, decoder: decoder, parallel: parallel, blockRows: range.count, screen: nil)
        return try reading.block(range, count: range.upperBound).0
    }

    /// Every element of the dataset, row-major, as `Dataset.read` gives them (a scalar dataset is one element).
    func all<Element: DatasetElement & Sendable>(as type: Element.Type) throws(HDF5Error) -> [Element] {
        guard let count = try dataset.shape().first else { return try dataset.read(as: Element.self) }
        return try rows(0..<count, as: Element.self)
    }

    /// Calls `body` with every row of a table and its index, in order, one block in memory at a time.
    ///
    /// - Throws: also when the dataset is not one-dimensional: a row is one element here, and a damaged file can
    ///   hold a 2-D dataset where a table of rows is expected (its elements would be taken for rows).
    func forEachRow<Element: DatasetElement & Sendable>(
        as type: Element.Type, _ body: (_ row: Element, _ index: Int) -> Void
    ) throws(HDF5Error) {
        var blocks = try tableBlocks(as: Element.self, screen: nil)
        while let (rows, first) = try blocks.next() {
            for (offset, row) in rows.enumerated() { body(row, first + offset) }
        }
    }

    /// Like `forEachRow`, also telling `body` whether the row passed its per-value checks
    /// (`ValidatedRow.problem == nil`), which are worked out beside the decoding; hand it to `RowScreen.admit`.
    func forEachScreenedRow<Row: DatasetElement & ValidatedRow>(
        as type: Row.Type, _ body: (_ row: Row, _ index: Int, _ plausible: Bool) -> Void
    ) throws(HDF5Error) {
        var blocks = try tableBlocks(as: Row.self, screen: { $0.pointee.problem == nil })
        while let (rows, first, plausible) = try blocks.nextScreened() {
            for offset in rows.indices { body(rows[offset], first + offset, plausible[offset]) }
        }
    }

    private func tableBlocks<Element: DatasetElement & Sendable>(
        as type: Element.Type, screen: RowCheck<Element>?
    ) throws(HDF5Error) -> Blocks<Element> {
        let shape = try dataset.shape()
        guard shape.count == 1 else {
            throw HDF5Error(
                code: .badShape, operation: "analyze", filePath: dataset.filePath, objectPath: dataset.objectPath,
                message: "has shape \(shape) (expected one row per step: a one-dimensional table)")
        }
        return try blocks(as: Element.self, screen: screen)
    }
}

/// The raw-chunk side of a `BlockReader`: fetches a block's chunks under HDF5's lock, has them decoded in the
/// background (`ChunkDecodeJob`) and keeps `depth` blocks ahead of the caller, so its work on a block overlaps the
/// decoding of the next ones.
final class RawChunkReading<Element: DatasetElement & Sendable> {
    /// Blocks decoded ahead of the caller. With one, a core sat idle whenever both tasks had finished the next block
    /// before the caller asked for it (3.5 s against 3.3 s on `bench analyze`'s trace, medians of five).
    static var depth: Int { 2 }

    let dataset: Dataset
    let decoder: RawChunkDecoder<Element>
    let parallel: RowParallel
    let blockRows: Int
    let screen: RowCheck<Element>?
    private let scratch = ScratchPool()
    private var ahead: [ChunkDecodeJob<Element>] = []

    init(
        dataset: Dataset, decoder: RawChunkDecoder<Element>, parallel: RowParallel, blockRows: Int,
        screen: RowCheck<Element>?
    ) {
        self.dataset = dataset
        self.decoder = decoder
        self.parallel = parallel
        self.blockRows = blockRows
        self.screen = screen
        // Up to one task per core at once; blocks beyond the first two find their buffers in the pool by then.
        scratch.prepare(2 * min(parallel.maximumTaskCount, 4), bytes: decoder.chunkBytes)
    }

    /// The rows `rows` (a block of a dataset of `count` rows) and their screen results, after starting the decoding
    /// of the blocks that follow, the ones the caller will ask for next.
    func block(_ rows: Range<Int>, count: Int) throws(HDF5Error) -> ([Element], [Bool]) {
        if ahead.first?.rows != rows { ahead = [start(rows)] }
        var next = ahead[ahead.count - 1].rows.upperBound
        while ahead.count <= Self.depth, next < count {
            let following = next..<min(count, next + blockRows)
            ahead.append(start(following))
            next = following.upperBound
        }
        return try ahead.removeFirst().finish(reading: dataset, screen: screen)
    }

    private func start(_ rows: Range<Int>) -> ChunkDecodeJob<Element> {
        do throws(HDF5Error) {
            let chunks = try dataset.readRawChunks(covering: rows, for: decoder)
            return ChunkDecodeJob(
                rows: rows, chunks: chunks, decoder: decoder, parallel: parallel, scratch: scratch, screen: screen)
        } catch {
            return ChunkDecodeJob(rows: rows, failure: error)
        }
    }
}
