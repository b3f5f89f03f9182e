import CHDF5

extension Container {
    /// Creates a dataset (and any missing groups on its path).
    ///
    /// - Parameters:
    ///   - path: relative or absolute path of the new dataset.
    ///   - type: the element type: a scalar (`Float.self`, `Int64.self`…) or a `CompoundRow`.
    ///   - shape: the initial extent; an appendable dataset usually starts with 0 rows.
    ///   - layout: `.contiguous` (default) or chunked; `.appendable(chunkRows:compression:)` for per-step tables.
    /// - Throws: `.alreadyExists` if something is at `path`; `.badShape` for a layout that cannot hold `shape`.
    @discardableResult
    public func createDataset<Element: DatasetElement>(
        _ path: String, of type: Element.Type, shape: [Int], layout: DatasetLayout = .contiguous
    ) throws(HDF5Error) -> Dataset {
        let full = absolutePath(path)
        let context = self.context(at: full)
        func bad(_ message: String) -> HDF5Error {
            HDF5Error(code: .badShape, operation: "H5Dcreate2", filePath: filePath, objectPath: full, message: message)
        }
        if try exists(path) {
            throw HDF5Error(
                code: .alreadyExists, operation: "H5Dcreate2", filePath: filePath, objectPath: full,
                message: "an object with this name exists already")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw bad("negative extent in shape \(shape)") }
        let chunks = layout.resolvedChunks(for: shape)
        if layout.isAppendable || layout.compression != .none {
            guard chunks != nil else { throw bad("an appendable or compressed dataset needs a chunk shape") }
        }
        if let chunks, chunks.count != shape.count {
            throw bad("chunk shape \(chunks) does not match the rank of shape \(shape)")
        }
        guard !layout.isAppendable || !shape.isEmpty else { throw bad("a scalar dataset cannot be appendable") }

        let maxShape: [Int?]? = layout.isAppendable ? [nil] + shape.dropFirst().map { Optional($0) } : nil
        let space = try Dataspace(shape: shape, maxShape: maxShape, context)
        let fileType = try Datatype.fileType(for: Element.elementLayout, context)
        let creation = try PropertyList(class: chdf5_p_dataset_create(), context)
        if let chunks {
            let dims = chunks.map { hsize_t($0) }
            try checked("H5Pset_chunk", context) { H5Pset_chunk(creation.id, Int32(dims.count), dims) }
        }
        if case .deflate(let level, let shuffle) = layout.compression {
            guard (0...9).contains(level) else { throw bad("deflate level must be 0…9, got \(level)") }
            if shuffle { try checked("H5Pset_shuffle", context) { H5Pset_shuffle(creation.id) } }
            try checked("H5Pset_deflate", context) { H5Pset_deflate(creation.id, UInt32(level)) }
        }
        let links = try PropertyList.intermediateGroups(context)
        let id = try checked("H5Dcreate2", context) {
            H5Dcreate2(rawValue, path, fileType.id, space.id, links.id, creation.id, chdf5_p_default())
        }
        return Dataset(id: id, filePath: filePath, objectPath: full, accessGuard: accessGuard)
    }

    /// Creates a fixed-size dataset holding `values`, shaped `shape` (default: one-dimensional).
    @discardableResult
    public func createDataset<Element: DatasetElement>(
        _ path: String, values: [Element], shape: [Int]? = nil, layout: DatasetLayout = .contiguous
    ) throws(HDF5Error) -> Dataset {
        let dataset = try createDataset(path, of: Element.self, shape: shape ?? [values.count], layout: layout)
        try dataset.write(values)
        return dataset
    }

    /// Opens an existing dataset.
    /// - Throws: `.objectNotFound` naming the path if it is missing, `.typeMismatch` if it is a group.
    public func openDataset(_ path: String) throws(HDF5Error) -> Dataset {
        let full = try requireObject(path, kind: .dataset, operation: "H5Dopen2")
        let context = self.context(at: full)
        let id = try checked("H5Dopen2", context) { H5Dopen2(rawValue, path, chdf5_p_default()) }
        return Dataset(id: id, filePath: filePath, objectPath: full, accessGuard: accessGuard)
    }
}
