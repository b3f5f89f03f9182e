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

    /// Current and maximum extent; a nil maximum means unlimited. A rank or extent no file can hold (a damaged
    /// dataspace message: more than HDF5's 32 axes, an axis past `Int.max` or past its maximum) is a `.damaged`
    /// error, never a trap.
    func extent(_ context: CallContext) throws(HDF5Error) -> (shape: [Int], maxShape: [Int?]) {
        let rank = Int(try checked("H5Sget_simple_extent_ndims", context) { H5Sget_simple_extent_ndims(id) })
        guard rank <= Self.maxRank else { throw Self.damaged("has \(rank) axes, HDF5 allows at most 32", context) }
        var dims = [hsize_t](repeating: 0, count: rank)
        var maxDims = [hsize_t](repeating: 0, count: rank)
        try checked("H5Sget_simple_extent_dims", context) { H5Sget_simple_extent_dims(id, &dims, &maxDims) }
        var shape: [Int] = []
        var maxShape: [Int?] = []
        for (extent, limit) in zip(dims, maxDims) {
            guard let extent = Int(exactly: extent) else {
                throw Self.damaged("has an axis of \(extent) elements", context)
            }
            let maximum = limit == chdf5_s_unlimited() ? nil : Int(exactly: limit) ?? Int.max
            // HDF5 never lets an extent outgrow its maximum; 1.10 does not check it when it reads one.
            if let maximum, extent > maximum {
                throw Self.damaged("has an axis of \(extent) elements, more than its maximum \(maximum)", context)
            }
            shape.append(extent)
            maxShape.append(maximum)
        }
        return (shape, maxShape)
    }

    /// HDF5's `H5S_MAX_RANK`.
    static let maxRank = 32

    /// The number of elements of `shape`, refusing one whose `elementSize`-byte elements would exceed `bound`
    /// bytes (see `HDF5ReadLimits`): a damaged extent, not data.
    static func checkedCount(
        of shape: [Int], elementSize: Int, bound: Int?, _ context: CallContext
    ) throws(HDF5Error) -> Int {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw damaged("has an extent \(shape) past any size", context) }
            count = product
        }
        if let bound {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: max(1, elementSize))
            guard !overflow, bytes <= bound else {
                throw damaged(
                    "has an extent \(shape) of \(elementSize)-byte elements; expected at most \(bound) bytes for a "
                        + "file of this size", context)
            }
        }
        return count
    }

    static func damaged(_ what: String, _ context: CallContext) -> HDF5Error {
        HDF5Error(
            code: .damaged, operation: "H5Sget_simple_extent_dims", filePath: context.filePath,
            objectPath: context.objectPath, message: "damaged dataspace: \(what); not read")
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
