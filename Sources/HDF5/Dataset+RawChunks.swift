import CHDF5

extension Dataset {
    /// A decoder for this dataset's raw chunks as `Element` rows, or nil when reading them raw is not certain to
    /// give what `readRows` gives, byte for byte; the caller then reads with `readRows`.
    ///
    /// Raw reading applies to a chunked dataset of one axis, or of two whose chunks span whole rows, whose filters
    /// are HDF5's shuffle and deflate (either, both in that order, or none), and whose stored type converts to
    /// `Element` by byte copies (`ElementCopyPlan`). Not to files open for writing (chunks may sit in HDF5's cache)
    /// or as a SWMR reader (chunks are appended and their index changes while one reads), to datasets that leave
    /// their edge chunks unfiltered, nor to anything `readRows` would refuse (it then says why).
    public func rawChunkDecoder<Element: DatasetElement>(
        as type: Element.Type = Element.self
    ) throws(HDF5Error) -> RawChunkDecoder<Element>? {
        do {
            try context.admit(.object(objectPath), operation: "H5Dread_chunk")
        } catch {
            return nil
        }
        guard try opensForRawReading() else { return nil }
        let (shape, _) = try extent()
        guard shape.count == 1 || shape.count == 2 else { return nil }
        let rowElements = shape.count == 2 ? shape[1] : 1
        guard rowElements > 0 else { return nil }

        let creation = PropertyList(
            adopting: try checked("H5Dget_create_plist", context) { H5Dget_create_plist(rawValue) })
        guard unchecked({ H5Pget_layout(creation.id) }) == H5D_CHUNKED else { return nil }
        var chunk = [hsize_t](repeating: 0, count: shape.count)
        try checked("H5Pget_chunk", context) { H5Pget_chunk(creation.id, Int32(shape.count), &chunk) }
        guard chunk[0] > 0, shape.count == 1 || chunk[1] == hsize_t(rowElements) else { return nil }
        var options: UInt32 = 0
        try checked("H5Pget_chunk_opts", context) { H5Pget_chunk_opts(creation.id, &options) }
        guard options & H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS == 0 else { return nil }

        let fileType = Datatype(adopting: try checked("H5Dget_type", context) { H5Dget_type(rawValue) })
        do {
            try Datatype.checkReadable(
                stored: fileType.id, as: Element.elementLayout, requested: "\(Element.self)", context)
        } catch {
            return nil
        }
        guard
            let plan = ElementCopyPlan.make(
                fileType: fileType.id, layout: Element.elementLayout, memoryStride: MemoryLayout<Element>.stride),
            let filters = try Self.filters(creation, elementSize: plan.fileSize, context)
        else { return nil }
        // The extent must be one the file can hold, as `readRows` insists; a chunk must be a size one block holds.
        let bound = try HDF5ReadLimits.storageBound(of: rawValue, compressible: true, context)
        do {
            _ = try Dataspace.checkedCount(of: shape, elementSize: plan.fileSize, bound: bound, context)
        } catch {
            return nil
        }
        guard let chunkRows = Int(exactly: chunk[0]) else { return nil }
        let (chunkBytes, overflow) = chunkRows.multipliedReportingOverflow(by: rowElements * plan.fileSize)
        guard !overflow, chunkBytes <= Self.maxRawChunkBytes else { return nil }
        return RawChunkDecoder(
            chunkRows: chunkRows, rowElements: rowElements, rank: shape.count, plan: plan, shuffled: filters.shuffle,
            deflated: filters.deflate)
    }

    /// Chunks larger than this are left to `H5Dread`: two of them per decoding thread must stay small.
    static let maxRawChunkBytes = 16 << 20

    /// Reads the stored bytes of every chunk that holds some of `rows`, in order, under HDF5's lock and without
    /// decoding them (`H5Dread_chunk`); decode them with `decoder`, on any thread.
    ///
    /// - Throws: a chunk whose stored size (read from the file) is more than a chunk of this dataset can take:
    ///   `.damaged`, and nothing is allocated for it.
    public func readRawChunks<Element: DatasetElement>(
        covering rows: Range<Int>, for decoder: RawChunkDecoder<Element>
    ) throws(HDF5Error) -> [RawChunk] {
        guard !rows.isEmpty else { return [] }
        let first = rows.lowerBound / decoder.chunkRows
        let last = (rows.upperBound - 1) / decoder.chunkRows
        var chunks: [RawChunk] = []
        chunks.reserveCapacity(last - first + 1)
        for index in first...last {
            let start = index * decoder.chunkRows
            chunks.append(try readRawChunk(at: start..<(start + decoder.chunkRows), decoder))
        }
        return chunks
    }

    private func readRawChunk<Element>(
        at rows: Range<Int>, _ decoder: RawChunkDecoder<Element>
    ) throws(HDF5Error) -> RawChunk {
        let offset = [hsize_t(rows.lowerBound)] + [hsize_t](repeating: 0, count: decoder.rank - 1)
        var mask: UInt32 = 0
        var address: haddr_t = 0
        var size: hsize_t = 0
        try checked("H5Dget_chunk_info_by_coord", context) {
            H5Dget_chunk_info_by_coord(rawValue, offset, &mask, &address, &size)
        }
        // Never written (the fill value stands in), or stored with a filter skipped: H5Dread knows what to do.
        guard address != haddr_t.max, size > 0, mask == 0 else { return RawChunk(rows: rows, stored: nil) }
        let limit = min(decoder.maxStoredBytes, HDF5ReadLimits.maxReadBytes)
        guard size <= hsize_t(limit) else {
            throw HDF5Error(
                code: .damaged, operation: "H5Dread_chunk", filePath: filePath, objectPath: objectPath,
                message: "the chunk of rows \(rows) claims \(size) stored bytes, more than the \(limit) a chunk of "
                    + "\(decoder.chunkBytes) bytes can take; not read")
        }
        var readMask: UInt32 = 0
        var failure: HDF5Error?
        // Every chunk's buffer is the same size, the most a chunk may store: freed and allocated again block after
        // block, buffers of each chunk's own size fragmented the heap until analyze's peak grew with the trace
        // (peaks of 53 MiB on a 0.3 GB trace, 60 MiB on 1 GB; now 53 and 56).
        let stored = [UInt8](unsafeUninitializedCapacity: limit) { buffer, initialized in
            do throws(HDF5Error) {
                try checked("H5Dread_chunk", context) {
                    H5Dread_chunk(rawValue, chdf5_p_default(), offset, &readMask, buffer.baseAddress)
                }
            } catch {
                buffer.initialize(repeating: 0)
                failure = error
            }
            initialized = Int(size)
        }
        if let failure { throw failure }
        return RawChunk(rows: rows, stored: readMask == 0 ? stored : nil)
    }

    /// Whether the file is open read-only and not as a SWMR reader.
    private func opensForRawReading() throws(HDF5Error) -> Bool {
        let file = try checked("H5Iget_file_id", context) { H5Iget_file_id(rawValue) }
        defer { unchecked { _ = H5Fclose(file) } }
        var intent: UInt32 = 0
        try checked("H5Fget_intent", context) { H5Fget_intent(file, &intent) }
        return intent & (chdf5_f_acc_rdwr() | chdf5_f_acc_swmr_read()) == 0
    }

    /// The filters of a creation property list if they are some of shuffle (of `elementSize`-byte elements) and
    /// deflate, in HDF5's order; nil for any other pipeline.
    private static func filters(
        _ creation: borrowing PropertyList, elementSize: Int, _ context: CallContext
    ) throws(HDF5Error) -> (shuffle: Bool, deflate: Bool)? {
        let stored = try storedFilters(creation, context)
        let found = stored.map(\.id)
        let shuffleSize = stored.first { $0.id == H5Z_FILTER_SHUFFLE }?.values.first
        switch found {
        case []: return (false, false)
        case [H5Z_filter_t(H5Z_FILTER_DEFLATE)]: return (false, true)
        case [H5Z_filter_t(H5Z_FILTER_SHUFFLE)], [H5Z_filter_t(H5Z_FILTER_SHUFFLE), H5Z_filter_t(H5Z_FILTER_DEFLATE)]:
            // HDF5 unshuffles by the element size it stored with the filter; any other size is not its layout.
            guard shuffleSize == UInt32(elementSize) else { return nil }
            return (true, found.count == 2)
        default: return nil
        }
    }
}
