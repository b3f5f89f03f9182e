import HDF5

/// Reads a dataset along axis 0 in blocks of whole rows, so a table of any length is reduced in bounded memory:
/// at most `blockRows` rows (times the row width of a 2-D dataset) are held at once.
///
/// HDF5 decompresses only the chunks a block touches; 8192 rows are eight of the writer's 1024-row chunks, large
/// enough that the per-call overhead of `H5Dread` is negligible and small enough (3 MB of gradient rows) to stay
/// in cache.
struct BlockReader {
    static let defaultBlockRows = 8192

    let dataset: Dataset
    let blockRows: Int

    init(_ dataset: Dataset, blockRows: Int = BlockReader.defaultBlockRows) {
        self.dataset = dataset
        self.blockRows = max(1, blockRows)
    }

    /// Calls `body` with each block and the index of its first row, in order.
    ///
    /// - Throws: the read's `HDF5Error`, its message extended with the rows that could not be read (a damaged or
    ///   truncated chunk), so the user learns where the file stops being usable.
    func forEachBlock<Element: DatasetElement>(
        as type: Element.Type, _ body: (_ block: [Element], _ firstRow: Int) -> Void
    ) throws(HDF5Error) {
        let count = try dataset.rowCount()
        var start = 0
        while start < count {
            let end = min(count, start + blockRows)
            let block: [Element]
            do throws(HDF5Error) {
                block = try dataset.readRows(start..<end, as: Element.self)
            } catch {
                var located = error
                located.message = "rows \(start)..<\(end) of \(count) unreadable: \(error.message)"
                throw located
            }
            body(block, start)
            start = end
        }
    }
}
