import CHDF5

/// Booleans as h5py stores a NumPy bool: an enum of int8 with the members FALSE = 0 and TRUE = 1. h5py and
/// h5netcdf read such a value as `numpy.bool_`; netCDF-C (the netCDF4 engine) reads it as an int8 of an enum type
/// named `bool`, but only when the type is a committed (named) datatype: an attribute of an anonymous enum type is
/// silently left out of what netCDF-C lists (seen with netCDF-C 4.10 through netCDF4-python).
extension Datatype {
    /// Where a file's committed boolean type lives: `/bool`, the name netCDF-4 gives an enum type it writes itself.
    static let committedBooleanName = "bool"

    /// A transient enum {FALSE = 0, TRUE = 1} over the native int8: the in-memory form of a boolean.
    static func boolean(_ context: CallContext) throws(HDF5Error) -> Datatype {
        let type = Datatype(adopting: try checked("H5Tenum_create", context) { H5Tenum_create(chdf5_native_int8()) })
        for (name, value) in [("FALSE", Int8(0)), ("TRUE", Int8(1))] {
            var member = value
            try checked("H5Tenum_insert", context) { H5Tenum_insert(type.id, name, &member) }
        }
        return type
    }

    /// The boolean type to store an attribute of `node` with: the file's committed `/bool` (committing it on first
    /// use), or a transient one when that name is taken by something else, which h5py still reads as a bool.
    static func fileBoolean(for node: some Node, _ context: CallContext) throws(HDF5Error) -> Datatype {
        let file = try checked("H5Iget_file_id", context) { H5Iget_file_id(node.rawValue) }
        defer { unchecked { _ = H5Fclose(file) } }
        let name = committedBooleanName
        let present = try checked("H5Lexists", context) { H5Lexists(file, name, chdf5_p_default()) } > 0
        if !present {
            let type = try boolean(context)
            try checked("H5Tcommit2", context) {
                H5Tcommit2(file, name, type.id, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
            }
            return type
        }
        let opened = unchecked { () -> hid_t in
            let id = H5Topen2(file, name, chdf5_p_default())
            if id < 0 { _ = H5Eclear2(chdf5_e_default()) }
            return id
        }
        if opened >= 0 {
            let type = Datatype(adopting: opened)
            if isBoolean(type.id) { return type }
        }
        return try boolean(context)
    }

    /// Whether a stored type is the boolean enum: two members FALSE = 0 and TRUE = 1 over a plain 1-byte integer.
    /// Checked member by member before anything is converted, so a damaged enum is refused rather than read.
    static func isBoolean(_ typeID: hid_t) -> Bool {
        unchecked { () -> Bool in
            guard H5Tget_class(typeID) == H5T_ENUM, H5Tget_nmembers(typeID) == 2 else { return false }
            let base = H5Tget_super(typeID)
            guard base >= 0 else {
                _ = H5Eclear2(chdf5_e_default())
                return false
            }
            defer { H5Tclose(base) }
            guard H5Tget_class(base) == H5T_INTEGER, H5Tget_size(base) == 1, scalarDefect(base) == nil else {
                return false
            }
            for (index, expected) in [(UInt32(0), ("FALSE", Int8(0))), (UInt32(1), ("TRUE", Int8(1)))] {
                guard let cName = H5Tget_member_name(typeID, index) else { return false }
                let name = String(cString: cName)
                H5free_memory(cName)
                var value: Int8 = -1
                guard H5Tget_member_value(typeID, index, &value) >= 0 else {
                    _ = H5Eclear2(chdf5_e_default())
                    return false
                }
                guard name == expected.0, value == expected.1 else { return false }
            }
            return true
        }
    }
}
