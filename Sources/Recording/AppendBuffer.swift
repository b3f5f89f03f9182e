import HDF5

/// Rows waiting on the writer thread to be appended to one appendable dataset.
///
/// Rows are kept in memory and appended when the writer decides (a full chunk, or a flush), so a chunk is
/// compressed once per flush instead of once per step. Two ways to store them:
///
/// - HDF5's filters (`filters` nil): one `H5Dwrite` of the pending rows, which compresses on the writer thread and,
///   for a partial chunk written at an earlier flush, reads it back and inflates it first;
/// - this writer's (`filters` set): whole chunks filtered on every core (`ChunkEncoder`) and stored with
///   `H5Dwrite_chunk`. The rows of the dataset's last, partial chunk stay held here after a flush, so that chunk is
///   encoded again from memory when it grows, never read back.
///
/// Not `Sendable`: it holds a `Dataset`, and lives and dies on the writer thread.
final class AppendBuffer<Element: DatasetElement> {
    /// The dataset the rows go to.
    let dataset: Dataset
    /// Elements per row: 1 for a table, the column count for a two-dimensional dataset such as `phi_hist`.
    let rowWidth: Int
    /// How the dataset's chunks are filtered when this writer does it; nil when HDF5 does.
    let filters: ChunkFilters?
    /// Rows from `firstRow` on: the pending ones, preceded (with `filters`) by the rows already stored in the
    /// dataset's last, partial chunk.
    private var rows: [Element] = []
    /// The dataset row of `rows[0]`; with `filters`, always the first row of a chunk.
    private var firstRow = 0
    /// Rows already appended to the dataset.
    private(set) var writtenRows = 0

    /// - Parameters:
    ///   - dataset: an appendable dataset, empty when the writer created it.
    ///   - rowWidth: elements per row.
    ///   - filtersChunks: filter whole chunks outside HDF5 when the dataset's pipeline allows it.
    init(_ dataset: Dataset, rowWidth: Int = 1, filtersChunks: Bool = false) throws(HDF5Error) {
        self.dataset = dataset
        self.rowWidth = rowWidth
        filters = filtersChunks ? try dataset.chunkFilters(for: Element.self) : nil
    }

    /// Rows held in memory, not yet appended.
    var pendingRows: Int { firstRow + rows.count / rowWidth - writtenRows }

    /// Whether the pending rows complete at least one chunk: with `filters`, counted from the chunk the file's
    /// last rows lie in, so chunks are stored whole and aligned.
    func fillsChunk(_ chunkRows: Int) -> Bool {
        guard let filters else { return pendingRows >= chunkRows }
        return rows.count / rowWidth >= filters.chunkRows
    }

    /// Adds one row.
    func add(_ row: Element) {
        rows.append(row)
    }

    /// Adds one row of `rowWidth` elements.
    func add(row elements: [Element]) {
        precondition(elements.count == rowWidth, "\(dataset.objectPath) expects rows of \(rowWidth) values")
        rows.append(contentsOf: elements)
    }

    /// Appends the pending rows through HDF5's own filters. Only without `filters` (`ChunkEncoder.write` otherwise).
    func write() throws(HDF5Error) {
        precondition(filters == nil, "\(dataset.objectPath): rows of a dataset filtered here go through ChunkEncoder")
        guard !rows.isEmpty else { return }
        try dataset.append(rows)
        writtenRows += rows.count / rowWidth
        firstRow = writtenRows
        // Keep the capacity: the next chunk's worth of rows reuses it.
        rows.removeAll(keepingCapacity: true)
    }

    // MARK: - Chunks filtered by this writer

    /// Takes every whole chunk held, for `ChunkEncoder` to filter and later `store`: their rows leave the buffer
    /// now (they count as pending until stored), so the next whole chunk is taken from where these end.
    func takeWholeChunks() -> ChunkRun? {
        guard let filters else { return nil }
        let whole = rows.count / rowWidth / filters.chunkRows
        guard whole > 0 else { return nil }
        let run = ChunkRun(
            firstRow: firstRow, rowCount: whole * filters.chunkRows,
            chunks: (0..<whole).map { chunk(rowsFrom: $0 * filters.chunkRows, count: filters.chunkRows) })
        rows.removeFirst(whole * filters.chunkRows * rowWidth)
        firstRow += whole * filters.chunkRows
        return run
    }

    /// The last, partial chunk with every row held (those stored in it at an earlier flush, and the new ones), when
    /// it has rows the file lacks. Take the whole chunks first, and store them: it starts where they end.
    func takePartialChunk() -> ChunkRun? {
        guard let filters, pendingRows > 0 else { return nil }
        let held = rows.count / rowWidth
        precondition(held < filters.chunkRows && writtenRows >= firstRow, "whole chunks go first")
        return ChunkRun(firstRow: firstRow, rowCount: held, chunks: [chunk(rowsFrom: 0, count: held)])
    }

    /// `count` held rows from `start`, as bytes in memory layout.
    private func chunk(rowsFrom start: Int, count: Int) -> PendingChunk {
        let rowBytes = filters!.memoryRowBytes
        return rows.withUnsafeBytes { bytes in
            PendingChunk(
                rows: Array(UnsafeRawBufferPointer(rebasing: bytes[(start * rowBytes)..<((start + count) * rowBytes)])),
                filters: filters!)
        }
    }

    /// Stores a run of chunks taken from this buffer, filtered in order: grows the dataset to the rows they end
    /// at, then writes each.
    func store(_ run: ChunkRun, encoded: [[UInt8]]) throws(HDF5Error) {
        guard let filters else { return }
        precondition(encoded.count == run.chunks.count)
        try dataset.setRowCount(run.firstRow + run.rowCount)
        for (index, bytes) in encoded.enumerated() {
            try dataset.writeChunk(bytes, firstRow: run.firstRow + index * filters.chunkRows)
        }
        writtenRows = run.firstRow + run.rowCount
    }
}

/// One chunk's rows, unfiltered, on their way to `ChunkFilters.encode` on another core.
struct PendingChunk: Sendable {
    var rows: [UInt8]
    var filters: ChunkFilters
}

/// Consecutive chunks of one dataset taken for filtering: they hold rows `firstRow ..< firstRow + rowCount`.
struct ChunkRun: Sendable {
    var firstRow: Int
    var rowCount: Int
    var chunks: [PendingChunk]
}

/// The side of an `AppendBuffer` that `ChunkEncoder` sees, whatever its element type.
protocol ChunkStore: AnyObject {
    var filters: ChunkFilters? { get }
    func takeWholeChunks() -> ChunkRun?
    func takePartialChunk() -> ChunkRun?
    func store(_ run: ChunkRun, encoded: [[UInt8]]) throws(HDF5Error)
    func write() throws(HDF5Error)
}

extension AppendBuffer: ChunkStore {}
