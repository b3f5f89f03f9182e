import CHDF5

/// A file or group: something that holds named groups and datasets, like h5py's `Group`.
public protocol Container: Node {}

extension Container {
    // MARK: - Groups

    /// Creates a group, and any missing groups on its path (`"runs/r0"` creates `runs` if needed).
    /// - Throws: `.alreadyExists` if there is already an object at that path.
    @discardableResult
    public func createGroup(_ path: String) throws(HDF5Error) -> Group {
        let full = absolutePath(path)
        let context = self.context(at: full)
        if try exists(path) {
            throw HDF5Error(
                code: .alreadyExists, operation: "H5Gcreate2", filePath: filePath, objectPath: full,
                message: "an object with this name exists already")
        }
        let links = try PropertyList.intermediateGroups(context)
        let id = try checked("H5Gcreate2", context) {
            H5Gcreate2(rawValue, path, links.id, chdf5_p_default(), chdf5_p_default())
        }
        return Group(id: id, filePath: filePath, objectPath: full, accessGuard: accessGuard)
    }

    /// Opens an existing group.
    /// - Throws: `.objectNotFound` naming the path if it is missing, `.typeMismatch` if it is a dataset.
    public func openGroup(_ path: String) throws(HDF5Error) -> Group {
        let full = try requireObject(path, kind: .group, operation: "H5Gopen2")
        let context = self.context(at: full)
        let id = try checked("H5Gopen2", context) { H5Gopen2(rawValue, path, chdf5_p_default()) }
        return Group(id: id, filePath: filePath, objectPath: full, accessGuard: accessGuard)
    }

    /// Opens the group at `path`, creating it (and its parents) if it does not exist yet.
    public func requireGroup(_ path: String) throws(HDF5Error) -> Group {
        try exists(path) ? openGroup(path) : createGroup(path)
    }

    // MARK: - Looking around

    /// Whether a link exists at `path` (relative or absolute). Every component is checked in turn, because
    /// `H5Lexists` fails rather than answering "no" when an intermediate group is missing.
    public func exists(_ path: String) throws(HDF5Error) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: true)
        var prefix = path.hasPrefix("/") ? "/" : ""
        // Each lookup reads the links of the group holding the component.
        var holder = path.hasPrefix("/") ? "/" : objectPath
        for component in components {
            try context(at: holder).admit(.linkIteration(group: holder), operation: "H5Lexists")
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            let candidate = prefix
            holder = absolutePath(candidate)
            let found = try checked("H5Lexists", context(at: absolutePath(candidate))) {
                H5Lexists(rawValue, candidate, chdf5_p_default())
            }
            if found == 0 { return false }
        }
        return true
    }

    /// What the object at `path` is, or nil if nothing is there.
    public func kind(of path: String) throws(HDF5Error) -> ObjectKind? {
        guard try exists(path) else { return nil }
        let context = self.context(at: absolutePath(path))
        try context.admit(.object(absolutePath(path)), operation: "H5Oopen")
        let id = try checked("H5Oopen", context) { H5Oopen(rawValue, path, chdf5_p_default()) }
        defer { unchecked { _ = H5Oclose(id) } }
        switch unchecked({ H5Iget_type(id) }) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    /// Names of the direct children, in name order.
    public func children() throws(HDF5Error) -> [String] {
        try context.admit(.linkIteration(group: objectPath), operation: "H5Gget_info")
        var info = H5G_info_t()
        try checked("H5Gget_info", context) { H5Gget_info(rawValue, &info) }
        var names: [String] = []
        names.reserveCapacity(Int(info.nlinks))
        for index in 0..<info.nlinks {
            let length = try checked("H5Lget_name_by_idx", context) {
                H5Lget_name_by_idx(rawValue, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_p_default())
            }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try checked("H5Lget_name_by_idx", context) {
                H5Lget_name_by_idx(
                    rawValue, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, chdf5_p_default())
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// Throws a precise error unless an object of `kind` exists at `path`; returns its absolute path.
    func requireObject(_ path: String, kind wanted: ObjectKind, operation: String) throws(HDF5Error) -> String {
        let full = absolutePath(path)
        guard let found = try kind(of: path) else {
            throw HDF5Error(
                code: .objectNotFound, operation: operation, filePath: filePath, objectPath: full,
                message: "no \(wanted) at this path")
        }
        guard found == wanted else {
            throw HDF5Error(
                code: .typeMismatch, operation: operation, filePath: filePath, objectPath: full,
                message: "is a \(found), expected a \(wanted)")
        }
        return full
    }
}
