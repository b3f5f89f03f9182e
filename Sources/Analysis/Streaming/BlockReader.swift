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

    /// The blocks in order, each with the index of its first row. An iterator rather than a callback, so that the
    /// caller's loop body may throw errors of its own (a CSV write) without smuggling them out of a closure.
    struct Blocks<Element: DatasetElement> {
        let reader: BlockReader
        let count: Int
        var start = 0

        /// The next block, or nil after the last.
        ///
        /// - Throws: the read's `HDF5Error`, its message extended with the rows that could not be read (a damaged
        ///   or truncated chunk), so the user learns where the file stops being usable.
        mutating func next() throws(HDF5Error) -> (rows: [Element], first: Int)? {
            guard start < count else { return nil }
            let end = min(count, start + reader.blockRows)
            defer { start = end }
            do throws(HDF5Error) {
                return (try reader.dataset.readRows(start..<end, as: Element.self), start)
            } catch {
                var located = error
                located.message = "rows \(start)..<\(end) of \(count) unreadable: \(error.message)"
                throw located
            }
        }
    }

    func blocks<Element: DatasetElement>(as type: Element.Type) throws(HDF5Error) -> Blocks<Element> {
        Blocks(reader: self, count: try dataset.rowCount())
    }

    /// Calls `body` with every row of a table and its index, in order, one block in memory at a time.
    ///
    /// - Throws: also when the dataset is not one-dimensional: a row is one element here, and a damaged file can
    ///   hold a 2-D dataset where a table of rows is expected (its elements would be taken for rows).
    func forEachRow<Element: DatasetElement>(
        as type: Element.Type, _ body: (_ row: Element, _ index: Int) -> Void
    ) throws(HDF5Error) {
        let shape = try dataset.shape()
        guard shape.count == 1 else {
            throw HDF5Error(
                code: .badShape, operation: "analyze", filePath: dataset.filePath, objectPath: dataset.objectPath,
                message: "has shape \(shape) (expected one row per step: a one-dimensional table)")
        }
        var blocks = try blocks(as: Element.self)
        while let (rows, first) = try blocks.next() {
            for (offset, row) in rows.enumerated() { body(row, first + offset) }
        }
    }
}
