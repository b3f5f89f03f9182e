import CHDF5

extension Dataset {
    /// The most strings `readStrings` reads at once: it is meant for labels, such as a dimension scale's.
    public static let maxStringCount = 1 << 16

    /// Reads a one-dimensional dataset of strings (fixed or variable length), such as the `part` scale of a
    /// trace. Each variable-length element is a heap pointer that HDF5 follows unchecked, so every one is checked
    /// in the file's bytes first; that check reads contiguous data only (what `createDataset(_:strings:)` writes).
    ///
    /// - Returns: the strings, or nil when the dataset stores variable-length strings in a layout that cannot be
    ///   checked before reading (chunked, say), which is left unread rather than read blind.
    /// - Throws: `.typeMismatch` for a dataset of another type or rank, `.damaged` for a damaged string type or
    ///   heap pointer.
    public func readStrings() throws(HDF5Error) -> [String]? {
        try context.admit(.object(objectPath), operation: "H5Dread")
        let type = Datatype(adopting: try checked("H5Dget_type", context) { H5Dget_type(rawValue) })
        let shape = try shape()
        let stored = Datatype.describe(type.id)
        guard unchecked({ H5Tget_class(type.id) }) == H5T_STRING, shape.count == 1 else {
            throw HDF5Error(
                code: .typeMismatch, operation: "read", filePath: filePath, objectPath: objectPath,
                message: "holds \(stored) of shape \(shape), cannot be read as a list of strings")
        }
        let bound = try HDF5ReadLimits.storageBound(of: rawValue, compressible: true, context)
        if let defect = Datatype.stringDefect(type.id, maxFixedSize: bound ?? Int.max) {
            throw Datatype.corrupt(defect, stored: stored, context, operation: "H5Dread")
        }
        let size = unchecked { H5Tget_size(type.id) }
        let count = try Dataspace.checkedCount(of: shape, elementSize: size, bound: bound, context)
        guard count > 0 else { return [] }
        guard count <= Self.maxStringCount else {
            throw HDF5Error(
                code: .badShape, operation: "H5Dread", filePath: filePath, objectPath: objectPath,
                message: "holds \(count) strings, more than the \(Self.maxStringCount) one read of labels takes")
        }
        let isVariable = try checked("H5Tis_variable_str", context) { H5Tis_variable_str(type.id) } > 0
        guard isVariable else {
            var buffer = [UInt8](repeating: 0, count: size * count)
            try checked("H5Dread", context) {
                H5Dread(rawValue, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &buffer)
            }
            return (0..<count).map { index in
                let element = buffer[(index * size)..<((index + 1) * size)]
                let end = element.firstIndex(of: 0) ?? element.endIndex
                return String(decoding: element[..<end], as: UTF8.self)
            }
        }
        try context.admit(.variableLengthStrings, operation: "H5Dread")
        // HDF5's "undefined address" (all bits set) when the data is not one contiguous block in the file.
        let address = unchecked { H5Dget_offset(rawValue) }
        guard address != haddr_t.max, let start = Int(exactly: address) else { return nil }
        switch VariableStringCheck.verdict(object: rawValue, contiguousData: start, path: filePath, count: count) {
        case .damaged(let why):
            throw HDF5Error(
                code: .damaged, operation: "H5Dread", filePath: filePath, objectPath: objectPath,
                message: "damaged variable-length string: \(why); not read")
        case .unknown: return nil
        case .valid: break
        }
        let memoryType = try Datatype.variableString(context)
        var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
        try checked("H5Dread", context) {
            H5Dread(rawValue, memoryType.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), &pointers)
        }
        defer { unchecked { for pointer in pointers where pointer != nil { _ = H5free_memory(pointer) } } }
        return pointers.map { $0.map { String(cString: $0) } ?? "" }
    }
}
