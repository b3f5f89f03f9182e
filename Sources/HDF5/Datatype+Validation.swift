import CHDF5

/// Checks of a stored datatype made before any read converts data of that type.
///
/// HDF5 1.10 converts whatever type a file declares: a compound whose member offsets a damaged byte moved past the
/// end of the compound makes `H5T__conv_struct_opt` copy from outside its buffer, a float type with an impossible
/// exponent field confuses the float converter, and a fixed string type "of 2 GB" is allocated as asked. The
/// writers of traces (NormScope, h5py, NumPy) only ever store plain IEEE floats, two's-complement integers, packed
/// compounds of those, and strings; anything else is refused here, before `H5Dread` or `H5Aread` is called.
extension Datatype {
    /// The IEEE 754 bit layout of each float size a writer stores: sign position, exponent position and size,
    /// mantissa position and size, exponent bias.
    private static let ieeeLayouts: [Int: (sign: Int, exponent: Int, exponentSize: Int, mantissaSize: Int, bias: Int)] =
        [
            2: (15, 10, 5, 10, 15),
            4: (31, 23, 8, 23, 127),
            8: (63, 52, 11, 52, 1023),
        ]

    /// Why a stored integer or float type is not a plain one, or nil when it is.
    static func scalarDefect(_ typeID: hid_t) -> String? {
        unchecked { () -> String? in
            let size = H5Tget_size(typeID)
            let order = H5Tget_order(typeID)
            guard order == H5T_ORDER_LE || order == H5T_ORDER_BE else { return "byte order \(order.rawValue)" }
            let precision = H5Tget_precision(typeID)
            let bitOffset = H5Tget_offset(typeID)
            guard precision == size * 8, bitOffset == 0 else {
                return "\(precision) bits at bit \(bitOffset) of \(size) bytes, expected \(size * 8) at bit 0"
            }
            switch H5Tget_class(typeID) {
            case H5T_INTEGER:
                guard [1, 2, 4, 8].contains(size) else { return "an integer of \(size) bytes, expected 1, 2, 4 or 8" }
                let sign = H5Tget_sign(typeID)
                guard sign == H5T_SGN_NONE || sign == H5T_SGN_2 else {
                    return "integer sign convention \(sign.rawValue)"
                }
                return nil
            case H5T_FLOAT:
                guard let ieee = ieeeLayouts[size] else { return "a float of \(size) bytes, expected 2, 4 or 8" }
                var sign = 0
                var exponent = 0
                var exponentSize = 0
                var mantissa = 0
                var mantissaSize = 0
                guard H5Tget_fields(typeID, &sign, &exponent, &exponentSize, &mantissa, &mantissaSize) >= 0 else {
                    return "unreadable float fields"
                }
                let bias = H5Tget_ebias(typeID)
                guard sign == ieee.sign, exponent == ieee.exponent, exponentSize == ieee.exponentSize, mantissa == 0,
                    mantissaSize == ieee.mantissaSize, bias == ieee.bias, H5Tget_norm(typeID) == H5T_NORM_IMPLIED
                else {
                    return "a \(size)-byte float with sign bit \(sign), exponent \(exponentSize) bits at \(exponent) "
                        + "(bias \(bias)), mantissa \(mantissaSize) bits at \(mantissa); expected IEEE 754 "
                        + "(sign bit \(ieee.sign), exponent \(ieee.exponentSize) bits at \(ieee.exponent), "
                        + "bias \(ieee.bias), mantissa \(ieee.mantissaSize) bits at 0)"
                }
                return nil
            default:
                return "class \(H5Tget_class(typeID).rawValue), expected an integer or a float"
            }
        }
    }

    /// Why a stored compound type's layout is impossible, or nil: members must lie inside the compound and not
    /// overlap, and every numeric member must be a plain scalar.
    static func compoundDefect(_ typeID: hid_t) -> String? {
        unchecked { () -> String? in
            let size = H5Tget_size(typeID)
            let count = H5Tget_nmembers(typeID)
            guard count > 0 else { return "a compound without members" }
            var extents: [(offset: Int, end: Int, name: String)] = []
            for index in 0..<UInt32(count) {
                guard let cName = H5Tget_member_name(typeID, index) else { return "member \(index) has no name" }
                let name = String(cString: cName)
                H5free_memory(cName)
                let member = H5Tget_member_type(typeID, index)
                guard member >= 0 else { return "member '\(name)' has an unreadable type" }
                defer { H5Tclose(member) }
                let offset = H5Tget_member_offset(typeID, index)
                let memberSize = H5Tget_size(member)
                guard memberSize > 0, offset <= size, memberSize <= size - offset else {
                    return "member '\(name)' (\(memberSize) bytes at offset \(offset)) runs past the compound's "
                        + "\(size) bytes"
                }
                let memberClass = H5Tget_class(member)
                if memberClass == H5T_INTEGER || memberClass == H5T_FLOAT, let defect = scalarDefect(member) {
                    return "member '\(name)' is \(defect)"
                }
                extents.append((offset, offset + memberSize, name))
            }
            extents.sort { $0.offset < $1.offset }
            for (before, after) in zip(extents, extents.dropFirst()) where after.offset < before.end {
                return "members '\(before.name)' (bytes \(before.offset)..<\(before.end)) and '\(after.name)' "
                    + "(bytes \(after.offset)..<\(after.end)) overlap"
            }
            return nil
        }
    }

    /// Why a stored string type is not one a reader should convert, or nil. `maxFixedSize` bounds a fixed-length
    /// string: a damaged size field must not become an allocation.
    static func stringDefect(_ typeID: hid_t, maxFixedSize: Int) -> String? {
        unchecked { () -> String? in
            let cset = H5Tget_cset(typeID)
            guard cset == H5T_CSET_ASCII || cset == H5T_CSET_UTF8 else {
                return "character set \(cset.rawValue), expected ASCII or UTF-8"
            }
            let isVariable = H5Tis_variable_str(typeID)
            guard isVariable >= 0 else { return "a string of unreadable kind" }
            if isVariable > 0 { return nil }
            let pad = H5Tget_strpad(typeID)
            guard pad == H5T_STR_NULLTERM || pad == H5T_STR_NULLPAD || pad == H5T_STR_SPACEPAD else {
                return "string padding \(pad.rawValue)"
            }
            let size = H5Tget_size(typeID)
            guard size >= 1, size <= maxFixedSize else {
                return "a fixed-length string of \(size) bytes, more than the \(maxFixedSize) its file can hold"
            }
            return nil
        }
    }

    /// A `.damaged` error saying the stored type itself is impossible.
    static func corrupt(_ defect: String, stored: String, _ context: CallContext, operation: String) -> HDF5Error {
        HDF5Error(
            code: .damaged, operation: operation, filePath: context.filePath, objectPath: context.objectPath,
            message: "holds a corrupted \(stored) type: \(defect); not read")
    }
}
