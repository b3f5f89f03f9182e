import CHDF5

/// An HDF5 dataspace we created or obtained, closed when it goes out of scope.
struct Dataspace: ~Copyable {
    let id: hid_t

    init(adopting id: hid_t) { self.id = id }

    /// A simple dataspace; a nil entry of `maxShape` means unlimited along that axis.
    init(shape: [Int], maxShape: [Int?]? = nil, _ context: CallContext) throws(HDF5Error) {
        let dims = shape.map { hsize_t($0) }
        if let maxShape {
            let maxDims = maxShape.map { $0.map { hsize_t($0) } ?? chdf5_s_unlimited() }
            id = try checked("H5Screate_simple", context) { H5Screate_simple(Int32(dims.count), dims, maxDims) }
        } else {
            id = try checked("H5Screate_simple", context) { H5Screate_simple(Int32(dims.count), dims, nil) }
        }
    }

    /// A scalar dataspace, for single-value attributes.
    static func scalar(_ context: CallContext) throws(HDF5Error) -> Dataspace {
        Dataspace(adopting: try checked("H5Screate", context) { H5Screate(H5S_SCALAR) })
    }

    deinit { unchecked { _ = H5Sclose(id) } }

    /// Current and maximum extent; a nil maximum means unlimited.
    func extent(_ context: CallContext) throws(HDF5Error) -> (shape: [Int], maxShape: [Int?]) {
        let rank = Int(try checked("H5Sget_simple_extent_ndims", context) { H5Sget_simple_extent_ndims(id) })
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        try checked("H5Sget_simple_extent_dims", context) { H5Sget_simple_extent_dims(id, &dims, &maxDims) }
        return (dims.map { Int($0) }, maxDims.map { $0 == chdf5_s_unlimited() ? nil : Int($0) })
    }

    /// Selects rows `rows` along axis 0 (all of every other axis).
    func selectRows(_ rows: Range<Int>, shape: [Int], _ context: CallContext) throws(HDF5Error) {
        var start = [hsize_t](repeating: 0, count: shape.count)
        var count = shape.map { hsize_t($0) }
        start[0] = hsize_t(rows.lowerBound)
        count[0] = hsize_t(rows.count)
        try checked("H5Sselect_hyperslab", context) {
            H5Sselect_hyperslab(id, H5S_SELECT_SET, start, nil, count, nil)
        }
    }
}
