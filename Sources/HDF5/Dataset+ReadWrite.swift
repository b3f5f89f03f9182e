import CHDF5

extension Dataset {
    // MARK: - Reading

    /// Reads the whole dataset, row-major.
    /// - Throws: `.typeMismatch` if the stored type cannot be read as `Element` without loss (float64 data as
    ///   `Float`, a float dataset as `Int64`, a compound lacking one of the row's fields…).
    public func read<Element: DatasetElement>(as type: Element.Type = Element.self) throws(HDF5Error) -> [Element] {
        let shape = try shape()
        return try read(rows: nil, shape: shape, as: Element.self)
    }

    /// Reads rows `rows` along axis 0 (a hyperslab), row-major; only those chunks are read from disk.
    /// - Throws: `.badShape` if the range is outside the current extent.
    public func readRows<Element: DatasetElement>(
        _ rows: Range<Int>, as type: Element.Type = Element.self
    ) throws(HDF5Error) -> [Element] {
        let shape = try shape()
        guard let count = shape.first, rows.lowerBound >= 0, rows.upperBound <= count else {
            throw HDF5Error(
                code: .badShape, operation: "H5Dread", filePath: filePath, objectPath: objectPath,
                message: "rows \(rows) are outside the extent \(shape)")
        }
        return try read(rows: rows, shape: shape, as: Element.self)
    }

    private func read<Element: DatasetElement>(
        rows: Range<Int>?, shape: [Int], as type: Element.Type
    ) throws(HDF5Error) -> [Element] {
        try context.admit(.object(objectPath), operation: "H5Dread")
        let fileType = Datatype(adopting: try checked("H5Dget_type", context) { H5Dget_type(rawValue) })
        try Datatype.checkReadable(
            stored: fileType.id, as: Element.elementLayout, requested: "\(Element.self)",
            context)
        // The whole extent must fit what the file can hold, or a damaged dimension sends readers over billions of
        // rows that were never written; the selection must fit what one read may allocate.
        let elementSize = unchecked { H5Tget_size(fileType.id) }
        let bound = try HDF5ReadLimits.storageBound(of: rawValue, compressible: true, context)
        _ = try Dataspace.checkedCount(of: shape, elementSize: elementSize, bound: bound, context)
        let rowSize = shape.dropFirst().reduce(1, *)
        let count = rows.map { $0.count * rowSize } ?? shape.reduce(1, *)
        guard count > 0 else { return [] }
        let limit = HDF5ReadLimits.maxReadBytes
        guard count <= limit / MemoryLayout<Element>.stride else {
            throw HDF5Error(
                code: .badShape, operation: "H5Dread", filePath: filePath, objectPath: objectPath,
                message: "reading \(count) elements of \(MemoryLayout<Element>.stride) bytes would allocate more than "
                    + "the \(limit) bytes one read may; read it in blocks of rows")
        }
        // Fields added to the row after the table was written are not asked of HDF5, and get their stand-ins.
        let absent = Element.elementLayout.absentFields(in: fileType.id)
        let memoryType = try Datatype.memoryType(for: Element.elementLayout.without(absent), context)

        let fileSpace = Dataspace(adopting: try checked("H5Dget_space", context) { H5Dget_space(rawValue) })
        var selectedShape = shape
        if let rows {
            try fileSpace.selectRows(rows, shape: shape, context)
            selectedShape[0] = rows.count
        }
        let memorySpace = try Dataspace(shape: selectedShape.isEmpty ? [1] : selectedShape, context)
        var failure: HDF5Error?
        let values = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(HDF5Error) {
                try checked("H5Dread", context) {
                    H5Dread(
                        rawValue, memoryType.id, memorySpace.id, fileSpace.id, chdf5_p_default(),
                        buffer.baseAddress)
                }
                ElementLayout.fill(
                    absent, count: count, stride: MemoryLayout<Element>.stride,
                    at: UnsafeMutableRawPointer(buffer.baseAddress!))
                initialized = count
            } catch {
                // Elements are BitwiseCopyable: zero-filling makes the discarded buffer valid without touching HDF5.
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                initialized = count
                failure = error
            }
        }
        if let failure { throw failure }
        return values
    }

    // MARK: - Writing

    /// Overwrites the whole dataset with `values` (row-major); the count must match the current extent.
    public func write<Element: DatasetElement>(_ values: [Element]) throws(HDF5Error) {
        let shape = try shape()
        let expected = shape.reduce(1, *)
        guard values.count == expected else {
            throw HDF5Error(
                code: .badShape, operation: "H5Dwrite", filePath: filePath, objectPath: objectPath,
                message: "\(values.count) values do not fill the extent \(shape) (\(expected) values)")
        }
        guard expected > 0 else { return }
        let memoryType = try Datatype.memoryType(for: Element.elementLayout, context)
        try checked("H5Dwrite", context) {
            values.withUnsafeBytes { bytes in
                H5Dwrite(rawValue, memoryType.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), bytes.baseAddress)
            }
        }
    }

    /// Appends rows along axis 0: `values.count` must be a whole number of rows (the product of the other axes).
    /// The dataset must have been created `.appendable`. Appending whole chunks at a time is fastest.
    /// - Returns: the new number of rows.
    @discardableResult
    public func append<Element: DatasetElement>(_ values: [Element]) throws(HDF5Error) -> Int {
        // A non-throwing closure keeps the typed error: withUnsafeBufferPointer only rethrows untyped.
        let result = values.withUnsafeBufferPointer { buffer in
            Result { () throws(HDF5Error) in try append(contentsOf: buffer) }
        }
        return try result.get()
    }

    /// Appends rows from a buffer; see `append(_:)`. Lets a writer append from a reused buffer without copying.
    @discardableResult
    public func append<Element: DatasetElement>(
        contentsOf values: UnsafeBufferPointer<Element>
    ) throws(HDF5Error) -> Int {
        let (shape, maxShape) = try extent()
        func bad(_ message: String) -> HDF5Error {
            HDF5Error(
                code: .badShape, operation: "append", filePath: filePath, objectPath: objectPath, message: message)
        }
        guard let oldRows = shape.first, maxShape.first == .some(nil) else {
            throw bad("is not appendable (shape \(shape)); create it with layout .appendable")
        }
        let rowSize = shape.dropFirst().reduce(1, *)
        guard rowSize > 0, values.count % rowSize == 0 else {
            throw bad("\(values.count) values are not a whole number of rows of \(rowSize)")
        }
        let newRows = values.count / rowSize
        guard newRows > 0 else { return oldRows }

        var newShape = shape
        newShape[0] = oldRows + newRows
        let dims = newShape.map { hsize_t($0) }
        try checked("H5Dset_extent", context) { H5Dset_extent(rawValue, dims) }
        let fileSpace = Dataspace(adopting: try checked("H5Dget_space", context) { H5Dget_space(rawValue) })
        try fileSpace.selectRows(oldRows..<newShape[0], shape: newShape, context)
        var memoryShape = newShape
        memoryShape[0] = newRows
        let memorySpace = try Dataspace(shape: memoryShape, context)
        let memoryType = try Datatype.memoryType(for: Element.elementLayout, context)
        try checked("H5Dwrite", context) {
            H5Dwrite(rawValue, memoryType.id, memorySpace.id, fileSpace.id, chdf5_p_default(), values.baseAddress)
        }
        return newShape[0]
    }
}
