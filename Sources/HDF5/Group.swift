import CHDF5

/// A group inside a file: a folder of groups and datasets, with attributes.
///
/// Not `Sendable`, like every object of this layer: see `HDF5Library` for why.
public final class Group: Container {
    /// The group identifier (an `hid_t`).
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
    public var name: String { String(objectPath.split(separator: "/").last ?? "/") }

    /// Closes the group, reporting failures. Closing twice is a no-op.
    public func close() throws(HDF5Error) {
        guard isOpen else { return }
        isOpen = false
        try checked("H5Gclose", context) { H5Gclose(rawValue) }
    }

    deinit {
        if isOpen { unchecked { _ = H5Gclose(rawValue) } }
    }
}
