import CHDF5

/// A dataset: an n-dimensional array of scalars or compound rows, like h5py's `Dataset`.
///
/// ```swift
/// let loss = try run.createDataset("loss", of: Float.self, shape: [0], layout: .appendable(chunkRows: 256))
/// try loss.append([2.30, 2.11, 1.97])
/// let firstTwo = try loss.readRows(0..<2, as: Float.self)
/// ```
///
/// Not `Sendable`, like every object of this layer: see `HDF5Library` for why.
public final class Dataset: Node {
    /// The dataset identifier (an `hid_t`).
    public let rawValue: Int64
    public let filePath: String
    public let objectPath: String
    public let accessGuard: (any AccessGuard)?
    private var isOpen = true

    init(id: hid_t, filePath: String, objectPath: String, accessGuard: (any AccessGuard)?) {
        self.rawValue = id
        self.filePath = filePath
        self.objectPath = objectPath
        self.accessGuard = accessGuard
    }

    /// The last component of the path.
    public var name: String { String(objectPath.split(separator: "/").last ?? "") }

    /// The current extent, axis 0 first.
    public func shape() throws(HDF5Error) -> [Int] {
        try extent().shape
    }

    /// The maximum extent; nil marks an unlimited axis.
    public func maxShape() throws(HDF5Error) -> [Int?] {
        try extent().maxShape
    }

    /// The chunk shape, or nil for contiguous storage.
    public func chunkShape() throws(HDF5Error) -> [Int]? {
        let list = PropertyList(adopting: try checked("H5Dget_create_plist", context) { H5Dget_create_plist(rawValue) })
        guard unchecked({ H5Pget_layout(list.id) }) == H5D_CHUNKED else { return nil }
        let rank = try shape().count
        var dims = [hsize_t](repeating: 0, count: rank)
        try checked("H5Pget_chunk", context) { H5Pget_chunk(list.id, Int32(rank), &dims) }
        return dims.map { Int($0) }
    }

    /// A short description of the stored element type: "float32", "int64", "compound{step,loss}"…
    public func typeDescription() throws(HDF5Error) -> String {
        let type = Datatype(adopting: try checked("H5Dget_type", context) { H5Dget_type(rawValue) })
        return Datatype.describe(type.id)
    }

    /// Number of rows (the extent of axis 0; 1 for a scalar dataset).
    public func rowCount() throws(HDF5Error) -> Int {
        try shape().first ?? 1
    }

    /// Writes this dataset's buffered data and metadata to disk (`H5Dflush`). In single-writer/multiple-reader mode
    /// this is what makes appended rows visible to readers.
    public func flush() throws(HDF5Error) {
        try checked("H5Dflush", context) { H5Dflush(rawValue) }
    }

    /// Re-reads the dataset's metadata from disk (`H5Drefresh`), so a single-writer/multiple-reader reader sees the
    /// rows appended since it opened the dataset.
    public func refresh() throws(HDF5Error) {
        try checked("H5Drefresh", context) { H5Drefresh(rawValue) }
    }

    /// Closes the dataset, reporting failures. Closing twice is a no-op.
    public func close() throws(HDF5Error) {
        guard isOpen else { return }
        isOpen = false
        try checked("H5Dclose", context) { H5Dclose(rawValue) }
    }

    deinit {
        if isOpen { unchecked { _ = H5Dclose(rawValue) } }
    }

    func extent() throws(HDF5Error) -> (shape: [Int], maxShape: [Int?]) {
        let space = Dataspace(adopting: try checked("H5Dget_space", context) { H5Dget_space(rawValue) })
        return try space.extent(context)
    }
}
