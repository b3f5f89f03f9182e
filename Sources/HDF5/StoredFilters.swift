import CHDF5

/// One filter of a dataset's pipeline as its creation property list stores it: which filter, and its client
/// values (deflate's level, shuffle's element size).
struct StoredFilter: Equatable {
    var id: H5Z_filter_t
    var values: [UInt32]
}

/// The filters of a dataset creation property list, in pipeline order: what both the raw chunk reader and the
/// chunk writer check before they do a filter's work outside HDF5.
func storedFilters(_ creation: borrowing PropertyList, _ context: CallContext) throws(HDF5Error) -> [StoredFilter] {
    let count = try checked("H5Pget_nfilters", context) { H5Pget_nfilters(creation.id) }
    var filters: [StoredFilter] = []
    for index in 0..<UInt32(count) {
        var flags: UInt32 = 0
        var valueCount = 8
        var values = [UInt32](repeating: 0, count: 8)
        var name = [CChar](repeating: 0, count: 64)
        var configuration: UInt32 = 0
        let filter = try checked("H5Pget_filter2", context) {
            H5Pget_filter2(creation.id, index, &flags, &valueCount, &values, name.count, &name, &configuration)
        }
        filters.append(StoredFilter(id: filter, values: Array(values.prefix(min(valueCount, values.count)))))
    }
    return filters
}
