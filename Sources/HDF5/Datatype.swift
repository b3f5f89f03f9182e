import CHDF5

/// An HDF5 datatype we created (a copy or a compound), closed when it goes out of scope.
struct Datatype: ~Copyable {
    let id: hid_t

    init(adopting id: hid_t) { self.id = id }

    deinit { unchecked { _ = H5Tclose(id) } }

    consuming func close() throws(HDF5Error) {
        let id = self.id
        discard self
        try checked("H5Tclose", CallContext()) { H5Tclose(id) }
    }

    /// The in-memory type for a Swift element layout.
    static func memoryType(for layout: ElementLayout, _ context: CallContext) throws(HDF5Error) -> Datatype {
        switch layout.storage {
        case .scalar(let kind):
            return Datatype(adopting: try checked("H5Tcopy", context) { H5Tcopy(kind.nativeTypeID) })
        case .compound(let stride, let fields):
            let type = Datatype(adopting: try checked("H5Tcreate", context) { H5Tcreate(H5T_COMPOUND, stride) })
            for field in fields {
                try checked("H5Tinsert", context) {
                    H5Tinsert(type.id, field.name, field.offset, field.kind.nativeTypeID)
                }
            }
            return type
        }
    }

    /// The type to store in the file: the memory type, with compound padding removed.
    static func fileType(for layout: ElementLayout, _ context: CallContext) throws(HDF5Error) -> Datatype {
        let type = try memoryType(for: layout, context)
        if case .compound = layout.storage {
            try checked("H5Tpack", context) { H5Tpack(type.id) }
        }
        return type
    }

    /// A variable-length UTF-8 string type, what h5py writes for a Python `str`.
    static func variableString(_ context: CallContext) throws(HDF5Error) -> Datatype {
        let type = Datatype(adopting: try checked("H5Tcopy", context) { H5Tcopy(chdf5_c_s1()) })
        try checked("H5Tset_size", context) { H5Tset_size(type.id, chdf5_variable()) }
        try checked("H5Tset_cset", context) { H5Tset_cset(type.id, H5T_CSET_UTF8) }
        return type
    }

    // MARK: - Describing a stored type

    /// A short name of a stored type for messages: "float32", "int64", "compound{step,loss}", "string".
    static func describe(_ typeID: hid_t) -> String {
        unchecked {
            let size = H5Tget_size(typeID)
            switch H5Tget_class(typeID) {
            case H5T_FLOAT: return "float\(size * 8)"
            case H5T_INTEGER: return (H5Tget_sign(typeID) == H5T_SGN_NONE ? "uint" : "int") + "\(size * 8)"
            case H5T_STRING: return "string"
            case H5T_ENUM: return isBoolean(typeID) ? "bool" : "enum"
            case H5T_COMPOUND:
                let names = (0..<max(0, H5Tget_nmembers(typeID))).map { index -> String in
                    guard let name = H5Tget_member_name(typeID, UInt32(index)) else { return "?" }
                    defer { H5free_memory(name) }
                    return String(cString: name)
                }
                return "compound{\(names.joined(separator: ","))}"
            default: return "other"
            }
        }
    }

    /// Whether a stored scalar type converts to `kind` without loss (same class; never narrower; no sign loss).
    static func scalar(_ typeID: hid_t, readsLosslesslyAs kind: ScalarKind) -> Bool {
        unchecked {
            let size = H5Tget_size(typeID)
            switch H5Tget_class(typeID) {
            case H5T_FLOAT:
                return kind.isFloatingPoint && size <= kind.byteCount
            case H5T_INTEGER:
                guard !kind.isFloatingPoint else { return false }
                let storedSigned = H5Tget_sign(typeID) != H5T_SGN_NONE
                if storedSigned == kind.isSigned { return size <= kind.byteCount }
                // Unsigned values fit a strictly wider signed type; signed values never fit an unsigned one.
                return !storedSigned && kind.isSigned && size < kind.byteCount
            default:
                return false
            }
        }
    }

    /// Checks that data stored with `typeID` can be read into `layout`, naming what is wrong if not: the class and
    /// size of a scalar, and for a compound every field the row reads (present by name, a scalar of a class and
    /// size that converts without loss) and every member's place (inside the compound, no overlaps). A stored type
    /// that no writer makes (a damaged file) is refused as `.damaged` before HDF5 is asked to convert it.
    static func checkReadable(
        stored typeID: hid_t, as layout: ElementLayout, requested: String, _ context: CallContext
    ) throws(HDF5Error) {
        let stored = describe(typeID)
        func mismatch(_ detail: String) -> HDF5Error {
            HDF5Error(
                code: .typeMismatch, operation: "read", filePath: context.filePath, objectPath: context.objectPath,
                message: "holds \(stored), cannot be read as \(requested)\(detail)")
        }
        let storedClass = unchecked { H5Tget_class(typeID) }
        switch layout.storage {
        case .scalar(let kind):
            guard storedClass == H5T_INTEGER || storedClass == H5T_FLOAT else {
                throw mismatch(" (expected a number, found \(stored))")
            }
            if let defect = scalarDefect(typeID) { throw corrupt(defect, stored: stored, context, operation: "read") }
            guard scalar(typeID, readsLosslesslyAs: kind) else { throw mismatch(" without loss") }
        case .compound(_, let fields):
            guard storedClass == H5T_COMPOUND else { throw mismatch(" (expected a compound, found \(stored))") }
            if let defect = compoundDefect(typeID) {
                throw corrupt(defect, stored: "compound", context, operation: "read")
            }
            for field in fields {
                let index = unchecked { H5Tget_member_index(typeID, field.name) }
                if index < 0, field.absentBytes != nil { continue }
                guard index >= 0 else { throw mismatch(" (no field '\(field.name)')") }
                let memberType = unchecked { H5Tget_member_type(typeID, UInt32(index)) }
                defer { unchecked { _ = H5Tclose(memberType) } }
                guard scalar(memberType, readsLosslesslyAs: field.kind) else {
                    throw mismatch(
                        " (field '\(field.name)' is \(describe(memberType)), expected \(field.kind.rawValue))")
                }
            }
        }
    }
}
