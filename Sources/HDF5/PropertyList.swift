import CHDF5

/// A property list we created, closed when it goes out of scope.
struct PropertyList: ~Copyable {
    let id: hid_t

    init(class classID: hid_t, _ context: CallContext) throws(HDF5Error) {
        id = try checked("H5Pcreate", context) { H5Pcreate(classID) }
    }

    deinit { unchecked { _ = H5Pclose(id) } }
}

extension PropertyList {
    /// A link creation list that makes missing intermediate groups, like `mkdir -p`.
    static func intermediateGroups(_ context: CallContext) throws(HDF5Error) -> PropertyList {
        let list = try PropertyList(class: chdf5_p_link_create(), context)
        try checked("H5Pset_create_intermediate_group", context) { H5Pset_create_intermediate_group(list.id, 1) }
        return list
    }
}

extension PropertyList {
    init(adopting id: hid_t) { self.id = id }
}
