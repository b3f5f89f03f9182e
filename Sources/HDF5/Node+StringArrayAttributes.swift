import CHDF5
import Foundation

/// One-dimensional string-array attributes: written as variable-length UTF-8 (what h5py writes for a list of `str`,
/// and what netCDF-C reads as NC_STRING), read from variable or fixed-length strings.
extension Node {
    func writeStringArrayAttribute(_ name: String, _ texts: [String], _ context: CallContext) throws(HDF5Error) {
        let type = try Datatype.variableString(context)
        let space = try Dataspace(shape: [texts.count], context)
        let id = try checked("H5Acreate2", context) {
            H5Acreate2(rawValue, name, type.id, space.id, chdf5_p_default(), chdf5_p_default())
        }
        defer { unchecked { _ = H5Aclose(id) } }
        if texts.isEmpty { return }
        // HDF5 copies the strings during the write; the C copies only have to outlive the call.
        let copies = texts.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        try checked("H5Awrite", context) {
            copies.map { UnsafePointer($0) }.withUnsafeBufferPointer { H5Awrite(id, type.id, $0.baseAddress!) }
        }
    }

    /// The `count` strings of an array attribute whose stored string type was already checked.
    func readStrings(
        attribute id: hid_t, named name: String, type: hid_t, count: Int, _ context: CallContext,
        beforeHeapRead: () -> Void = {}
    ) throws(HDF5Error) -> [String] {
        let isVariable = try checked("H5Tis_variable_str", context) { H5Tis_variable_str(type) } > 0
        if isVariable {
            try context.admit(.variableLengthStrings, operation: "H5Aread")
            // Every element is a heap pointer that HDF5 follows unchecked; check them all first.
            let verdict = VariableStringCheck.verdict(object: rawValue, attribute: name, path: filePath, count: count)
            if case .damaged(let why) = verdict {
                throw HDF5Error(
                    code: .damaged, operation: "H5Aread", filePath: filePath, objectPath: context.objectPath,
                    message: "damaged variable-length string: \(why); not read")
            }
            let memoryType = try Datatype.variableString(context)
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            beforeHeapRead()
            try checked("H5Aread", context) { H5Aread(id, memoryType.id, &pointers) }
            defer { unchecked { for pointer in pointers where pointer != nil { _ = H5free_memory(pointer) } } }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = unchecked { H5Tget_size(type) }
        var buffer = [UInt8](repeating: 0, count: size * count)
        try checked("H5Aread", context) { H5Aread(id, type, &buffer) }
        return (0..<count).map { index in
            let element = buffer[(index * size)..<((index + 1) * size)]
            let end = element.firstIndex(of: 0) ?? element.endIndex
            return String(decoding: element[..<end], as: UTF8.self)
        }
    }
}
