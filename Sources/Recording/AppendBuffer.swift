import HDF5

/// Rows waiting on the writer thread to be appended to one appendable dataset.
///
/// Rows are kept in memory and appended in one `H5Dwrite` when the writer decides (a full chunk, or a flush), so
/// a chunk is compressed once per flush instead of once per step. Not `Sendable`: it holds a `Dataset`, and lives
/// and dies on the writer thread.
final class AppendBuffer<Element: DatasetElement> {
    /// The dataset the rows go to.
    let dataset: Dataset
    /// Elements per row: 1 for a table, the column count for a two-dimensional dataset such as `phi_hist`.
    let rowWidth: Int
    private var pending: [Element] = []
    /// Rows already appended to the dataset.
    private(set) var writtenRows = 0

    /// - Parameters:
    ///   - dataset: an appendable dataset, empty when the writer created it.
    ///   - rowWidth: elements per row.
    init(_ dataset: Dataset, rowWidth: Int = 1) {
        self.dataset = dataset
        self.rowWidth = rowWidth
    }

    /// Rows held in memory, not yet appended.
    var pendingRows: Int { pending.count / rowWidth }

    /// Adds one row.
    func add(_ row: Element) {
        pending.append(row)
    }

    /// Adds one row of `rowWidth` elements.
    func add(row elements: [Element]) {
        precondition(elements.count == rowWidth, "\(dataset.objectPath) expects rows of \(rowWidth) values")
        pending.append(contentsOf: elements)
    }

    /// Appends the pending rows to the dataset.
    func write() throws(HDF5Error) {
        guard !pending.isEmpty else { return }
        try dataset.append(pending)
        writtenRows += pendingRows
        // Keep the capacity: the next chunk's worth of rows reuses it.
        pending.removeAll(keepingCapacity: true)
    }
}
