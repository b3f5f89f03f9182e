import CHDF5

/// Storing chunks that were filtered outside HDF5 (`ChunkFilters.encode`), so that a writer can compress on every
/// core while HDF5, serial and behind one lock, only places bytes.
extension Dataset {
    /// This dataset's filters, when a writer of `Element` rows can reproduce them byte for byte; nil when it cannot
    /// (contiguous storage, chunks that split a row, another stored type, a filter other than shuffle and deflate, a
    /// fill value of its own), and then `append` is the way to write it.
    public func chunkFilters<Element: DatasetElement>(
        for type: Element.Type = Element.self
    ) throws(HDF5Error) -> ChunkFilters? {
        let creation = PropertyList(
            adopting: try checked("H5Dget_create_plist", context) { H5Dget_create_plist(rawValue) })
        guard unchecked({ H5Pget_layout(creation.id) }) == H5D_CHUNKED else { return nil }
        let shape = try shape()
        guard !shape.isEmpty, let chunks = try chunkShape(), chunks.count == shape.count else { return nil }
        // A chunk must hold whole rows: then a row's bytes lie together in one chunk, as they do in memory.
        guard Array(chunks.dropFirst()) == Array(shape.dropFirst()) else { return nil }
        var fill = H5D_FILL_VALUE_ERROR
        try checked("H5Pfill_value_defined", context) { H5Pfill_value_defined(creation.id, &fill) }
        guard fill == H5D_FILL_VALUE_DEFAULT else { return nil }

        let stored = Datatype(adopting: try checked("H5Dget_type", context) { H5Dget_type(rawValue) })
        let layout = Element.elementLayout
        let expected = try Datatype.fileType(for: layout, context)
        guard try checked("H5Tequal", context, { H5Tequal(stored.id, expected.id) }) > 0 else { return nil }
        let elementSize = unchecked { H5Tget_size(stored.id) }
        let (memoryStride, fields) = try Self.placements(of: layout, in: stored.id, context)

        var shuffle = false
        var level: Int?
        let count = try checked("H5Pget_nfilters", context) { H5Pget_nfilters(creation.id) }
        for index in 0..<UInt32(count) {
            var flags: UInt32 = 0
            var valueCount = 8
            var values = [UInt32](repeating: 0, count: 8)
            var name = [CChar](repeating: 0, count: 64)
            var configuration: UInt32 = 0
            let filter = try checked("H5Pget_filter2", context) {
                H5Pget_filter2(creation.id, index, &flags, &valueCount, &values, name.count, &name, &configuration)
            }
            switch filter {
            case H5Z_FILTER_SHUFFLE where index == 0:
                shuffle = true
            case H5Z_FILTER_DEFLATE where index == count - 1 && valueCount >= 1:
                level = Int(values[0])
            default:
                return nil
            }
        }
        // Shuffle alone is not a pipeline HDF5 writers make; leave it to HDF5 rather than reason about it.
        if shuffle && level == nil { return nil }
        return ChunkFilters(
            chunkRows: chunks[0], rowElements: shape.dropFirst().reduce(1, *), elementSize: elementSize,
            shuffle: shuffle, deflateLevel: level, memoryStride: memoryStride, fields: fields)
    }

    /// The memory stride of `layout` and, for a compound whose stored (packed) members lie elsewhere than in memory,
    /// where each one goes.
    private static func placements(
        of layout: ElementLayout, in stored: hid_t, _ context: CallContext
    ) throws(HDF5Error) -> (Int, [ChunkFilters.FieldPlacement]?) {
        switch layout.storage {
        case .scalar(let kind):
            return (kind.byteCount, nil)
        case .compound(let stride, let fields):
            var placements: [ChunkFilters.FieldPlacement] = []
            for field in fields {
                let index = unchecked { H5Tget_member_index(stored, field.name) }
                guard index >= 0 else {
                    throw HDF5Error(
                        code: .typeMismatch, operation: "H5Tget_member_index", filePath: context.filePath,
                        objectPath: context.objectPath, message: "the stored rows have no field '\(field.name)'")
                }
                let offset = unchecked { H5Tget_member_offset(stored, UInt32(index)) }
                placements.append(.init(memoryOffset: field.offset, fileOffset: offset, size: field.kind.byteCount))
            }
            let packedSize = fields.reduce(0) { $0 + $1.kind.byteCount }
            let same = stride == packedSize && placements.allSatisfy { $0.memoryOffset == $0.fileOffset }
            return (stride, same ? nil : placements)
        }
    }

    /// The bytes the dataset's data takes in the file as stored (`H5Dget_storage_size`): compressed chunks, or the
    /// contiguous block.
    public func storedBytes() -> UInt64 {
        UInt64(unchecked { H5Dget_storage_size(rawValue) })
    }

    /// Sets the number of rows (the extent of axis 0), keeping the other axes: what an appender does before it
    /// stores the chunks that hold the new rows.
    public func setRowCount(_ rows: Int) throws(HDF5Error) {
        var dims = try shape().map { hsize_t($0) }
        guard !dims.isEmpty else {
            throw HDF5Error(
                code: .badShape, operation: "H5Dset_extent", filePath: filePath, objectPath: objectPath,
                message: "a scalar dataset has no rows")
        }
        dims[0] = hsize_t(rows)
        try checked("H5Dset_extent", context) { H5Dset_extent(rawValue, dims) }
    }

    /// Stores one chunk as it is (`H5Dwrite_chunk`, filter mask 0: every filter of the pipeline was applied), the
    /// chunk that starts at row `firstRow`, a multiple of the chunk's rows below the current row count.
    ///
    /// HDF5 places the bytes in new file space when the chunk is new or its size changed, as its own writes do; the
    /// chunk index and extent reach the disk with the next flush.
    public func writeChunk(_ bytes: [UInt8], firstRow: Int) throws(HDF5Error) {
        let rank = try shape().count
        var offset = [hsize_t](repeating: 0, count: max(1, rank))
        offset[0] = hsize_t(firstRow)
        try checked("H5Dwrite_chunk", context) {
            bytes.withUnsafeBytes { buffer in
                H5Dwrite_chunk(rawValue, chdf5_p_default(), 0, offset, buffer.count, buffer.baseAddress)
            }
        }
    }
}
