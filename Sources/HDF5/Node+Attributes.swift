import CHDF5
import Foundation

extension Node {
    // MARK: - Writing

    /// Writes (or replaces) an attribute: `try run.setAttribute("lr", 0.001)`.
    public func setAttribute<Value: AttributeConvertible>(_ name: String, _ value: Value) throws(HDF5Error) {
        try setAttributeValue(name, value.attributeValue)
    }

    /// Writes (or replaces) an attribute from its stored form. Strings are variable-length UTF-8 (h5py's `str`),
    /// arrays are one-dimensional.
    public func setAttributeValue(_ name: String, _ value: AttributeValue) throws(HDF5Error) {
        let context = attributeContext(name)
        if try hasAttribute(name) {
            try checked("H5Adelete", context) { H5Adelete(rawValue, name) }
        }
        switch value {
        case .int64(var scalar):
            try writeAttribute(name, kind: .int64, count: nil, context) { pointer in
                withUnsafeMutablePointer(to: &scalar) { pointer(UnsafeRawPointer($0)) }
            }
        case .double(var scalar):
            try writeAttribute(name, kind: .float64, count: nil, context) { pointer in
                withUnsafeMutablePointer(to: &scalar) { pointer(UnsafeRawPointer($0)) }
            }
        case .int64Array(let values):
            try writeAttribute(name, kind: .int64, count: values.count, context) { pointer in
                values.withUnsafeBytes { pointer($0.baseAddress!) }
            }
        case .doubleArray(let values):
            try writeAttribute(name, kind: .float64, count: values.count, context) { pointer in
                values.withUnsafeBytes { pointer($0.baseAddress!) }
            }
        case .bool(let flag):
            let fileType = try Datatype.fileBoolean(for: self, context)
            let memoryType = try Datatype.boolean(context)
            let space = try Dataspace.scalar(context)
            let id = try checked("H5Acreate2", context) {
                H5Acreate2(rawValue, name, fileType.id, space.id, chdf5_p_default(), chdf5_p_default())
            }
            defer { unchecked { _ = H5Aclose(id) } }
            var byte: Int8 = flag ? 1 : 0
            try checked("H5Awrite", context) { H5Awrite(id, memoryType.id, &byte) }
        case .stringArray(let texts):
            try writeStringArrayAttribute(name, texts, context)
        case .string(let text):
            let type = try Datatype.variableString(context)
            let space = try Dataspace.scalar(context)
            let id = try checked("H5Acreate2", context) {
                H5Acreate2(rawValue, name, type.id, space.id, chdf5_p_default(), chdf5_p_default())
            }
            defer { unchecked { _ = H5Aclose(id) } }
            try checked("H5Awrite", context) {
                text.withCString { cString in
                    var pointer: UnsafePointer<CChar>? = cString
                    return H5Awrite(id, type.id, &pointer)
                }
            }
        }
    }

    /// Writes a value as JSON text in a string attribute (the configuration of a run, say), readable by any
    /// `json.loads` on the other side.
    public func setJSONAttribute<Value: Encodable>(_ name: String, _ value: Value) throws(HDF5Error) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(value) } catch {
            throw HDF5Error(
                code: .badValue, operation: "JSONEncoder", filePath: filePath,
                objectPath: attributeContext(name).objectPath, message: "cannot encode: \(error)")
        }
        try setAttributeValue(name, .string(String(decoding: data, as: UTF8.self)))
    }

    private func writeAttribute(
        _ name: String, kind: ScalarKind, count: Int?, _ context: CallContext,
        _ withBytes: ((UnsafeRawPointer) -> herr_t) -> herr_t
    ) throws(HDF5Error) {
        let space = try count == nil ? Dataspace.scalar(context) : Dataspace(shape: [count!], context)
        let id = try checked("H5Acreate2", context) {
            H5Acreate2(rawValue, name, kind.nativeTypeID, space.id, chdf5_p_default(), chdf5_p_default())
        }
        defer { unchecked { _ = H5Aclose(id) } }
        // An empty array has nothing to write (and an empty Swift array need not have a base address).
        if count == 0 { return }
        try checked("H5Awrite", context) { withBytes { H5Awrite(id, kind.nativeTypeID, $0) } }
    }

    // MARK: - Reading

    /// Whether the object has an attribute called `name`.
    public func hasAttribute(_ name: String) throws(HDF5Error) -> Bool {
        try attributeContext(name).admit(.attribute(object: objectPath, name: name), operation: "H5Aexists")
        return try checked("H5Aexists", attributeContext(name)) { H5Aexists(rawValue, name) } > 0
    }

    /// Names of all attributes, in name order.
    public func attributeNames() throws(HDF5Error) -> [String] {
        try context.admit(.attributeIteration(object: objectPath), operation: "H5Aiterate2")
        return try HDF5.attributeNames(of: rawValue, context)
    }

    /// Reads an attribute as a Swift type: `try run.attribute("seed", as: Int64.self)`.
    /// - Throws: `.objectNotFound` if it is missing, `.typeMismatch` naming both types if it holds another kind.
    public func attribute<Value: AttributeConvertible>(
        _ name: String, as type: Value.Type = Value.self
    ) throws(HDF5Error) -> Value {
        let stored = try attributeValue(name)
        guard let value = Value(attributeValue: stored) else {
            throw HDF5Error(
                code: .typeMismatch, operation: "read attribute", filePath: filePath,
                objectPath: attributeContext(name).objectPath,
                message: "holds \(stored.kindName), cannot be read as \(Value.self)")
        }
        return value
    }

    /// Reads a string attribute holding JSON and decodes it.
    public func jsonAttribute<Value: Decodable>(_ name: String, as type: Value.Type = Value.self) throws(HDF5Error)
        -> Value
    {
        let text = try attribute(name, as: String.self)
        do { return try JSONDecoder().decode(Value.self, from: Data(text.utf8)) } catch {
            throw HDF5Error(
                code: .badValue, operation: "JSONDecoder", filePath: filePath,
                objectPath: attributeContext(name).objectPath,
                message: "is not valid JSON for \(Value.self): \(error)")
        }
    }

    /// Reads any attribute this layer understands: integers (as Int64), floats (as Double), booleans (h5py's enum
    /// of int8), strings (fixed or variable length), and one-dimensional arrays of numbers or strings. The stored type and extent are checked first
    /// (see `Datatype.checkReadable`, `HDF5ReadLimits`): a damaged one is an error, not a read.
    ///
    /// - Parameter beforeHeapRead: called just before the value of a variable-length string is read, which follows
    ///   pointers into the file's global heap (the damage probe names that step, `HDF5Access.variableLengthStrings`).
    public func attributeValue(
        _ name: String, beforeHeapRead: () -> Void = {}
    ) throws(HDF5Error) -> AttributeValue {
        let context = attributeContext(name)
        guard try hasAttribute(name) else {
            throw HDF5Error(
                code: .objectNotFound, operation: "H5Aopen", filePath: filePath,
                objectPath: context.objectPath, message: "no such attribute")
        }
        let id = try checked("H5Aopen", context) { H5Aopen(rawValue, name, chdf5_p_default()) }
        defer { unchecked { _ = H5Aclose(id) } }
        let type = Datatype(adopting: try checked("H5Aget_type", context) { H5Aget_type(id) })
        let space = Dataspace(adopting: try checked("H5Aget_space", context) { H5Aget_space(id) })
        func unsupported(_ what: String) -> HDF5Error {
            HDF5Error(
                code: .typeMismatch, operation: "read attribute", filePath: filePath,
                objectPath: context.objectPath, message: "holds \(what), which this reader does not support")
        }
        let spaceKind = unchecked { H5Sget_simple_extent_type(space.id) }
        guard spaceKind != H5S_NULL else { throw unsupported("no value (an empty dataspace)") }
        guard spaceKind == H5S_SCALAR || spaceKind == H5S_SIMPLE else {
            throw Dataspace.damaged("of unknown kind \(spaceKind.rawValue)", context)
        }
        let shape = try space.extent(context).shape
        let bound = try HDF5ReadLimits.storageBound(of: id, compressible: false, context)
        let storedSize = unchecked { H5Tget_size(type.id) }
        let count = try Dataspace.checkedCount(of: shape, elementSize: storedSize, bound: bound, context)
        let stored = Datatype.describe(type.id)
        if count == 0 {
            switch unchecked({ H5Tget_class(type.id) }) {
            case H5T_INTEGER: return .int64Array([])
            case H5T_FLOAT: return .doubleArray([])
            case H5T_STRING: return .stringArray([])
            default: throw unsupported("an empty array of \(stored)")
            }
        }

        switch unchecked({ H5Tget_class(type.id) }) {
        case H5T_INTEGER:
            if let defect = Datatype.scalarDefect(type.id) {
                throw Datatype.corrupt(defect, stored: stored, context, operation: "H5Aread")
            }
            guard Datatype.scalar(type.id, readsLosslesslyAs: .int64) else { throw unsupported(stored) }
            var values = [Int64](repeating: 0, count: count)
            try checked("H5Aread", context) { H5Aread(id, chdf5_native_int64(), &values) }
            return shape.isEmpty ? .int64(values[0]) : .int64Array(values)
        case H5T_FLOAT:
            if let defect = Datatype.scalarDefect(type.id) {
                throw Datatype.corrupt(defect, stored: stored, context, operation: "H5Aread")
            }
            var values = [Double](repeating: 0, count: count)
            try checked("H5Aread", context) { H5Aread(id, chdf5_native_double(), &values) }
            return shape.isEmpty ? .double(values[0]) : .doubleArray(values)
        case H5T_ENUM:
            guard Datatype.isBoolean(type.id) else { throw unsupported(stored) }
            guard shape.isEmpty else { throw unsupported("an array of booleans") }
            let memoryType = try Datatype.boolean(context)
            var byte: Int8 = 0
            try checked("H5Aread", context) { H5Aread(id, memoryType.id, &byte) }
            return .bool(byte != 0)
        case H5T_STRING:
            if let defect = Datatype.stringDefect(type.id, maxFixedSize: bound ?? Int.max) {
                throw Datatype.corrupt(defect, stored: stored, context, operation: "H5Aread")
            }
            guard shape.isEmpty else {
                return .stringArray(
                    try readStrings(
                        attribute: id, named: name, type: type.id, count: count, context,
                        beforeHeapRead: beforeHeapRead))
            }
            return .string(
                try readString(attribute: id, named: name, type: type.id, context, beforeHeapRead: beforeHeapRead))
        default:
            throw unsupported(stored)
        }
    }

    private func readString(
        attribute id: hid_t, named name: String, type: hid_t, _ context: CallContext, beforeHeapRead: () -> Void
    ) throws(HDF5Error) -> String {
        let isVariable = try checked("H5Tis_variable_str", context) { H5Tis_variable_str(type) } > 0
        if isVariable {
            try context.admit(.variableLengthStrings, operation: "H5Aread")
            // HDF5 follows the stored heap pointer without checking it; check it first.
            if case .damaged(let why) = VariableStringCheck.verdict(object: rawValue, attribute: name, path: filePath) {
                throw HDF5Error(
                    code: .damaged, operation: "H5Aread", filePath: filePath, objectPath: context.objectPath,
                    message: "damaged variable-length string: \(why); not read")
            }
            let memoryType = try Datatype.variableString(context)
            var pointer: UnsafeMutablePointer<CChar>? = nil
            beforeHeapRead()
            try checked("H5Aread", context) { H5Aread(id, memoryType.id, &pointer) }
            guard let pointer else { return "" }
            defer { unchecked { _ = H5free_memory(pointer) } }
            return String(cString: pointer)
        }
        // Fixed-length strings (NumPy's `S` dtype) may be null-padded or space-padded and lack a terminator.
        let size = unchecked { H5Tget_size(type) }
        var buffer = [UInt8](repeating: 0, count: size + 1)
        try checked("H5Aread", context) { H5Aread(id, type, &buffer) }
        let end = buffer.firstIndex(of: 0) ?? size
        return String(decoding: buffer[..<end], as: UTF8.self)
    }

    func attributeContext(_ name: String) -> CallContext {
        context(at: objectPath + "@" + name)
    }
}

/// Names of the attributes of the open object `object`, in name order: for a `Node`, and for objects the module
/// opens by identifier alone (a file being compacted).
func attributeNames(of object: hid_t, _ context: CallContext) throws(HDF5Error) -> [String] {
    var names: [String] = []
    var index: hsize_t = 0
    try checked("H5Aiterate2", context) {
        withUnsafeMutablePointer(to: &names) { pointer in
            H5Aiterate2(
                object, H5_INDEX_NAME, H5_ITER_INC, &index,
                { _, name, _, client in
                    guard let name, let client else { return -1 }
                    client.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                    return 0
                }, pointer)
        }
    }
    return names
}
