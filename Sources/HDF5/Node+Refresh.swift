import CHDF5

extension Node {
    /// Drops the object's metadata from HDF5's cache and reads it again from the file (`H5Orefresh`). A probe uses
    /// it to make HDF5 free what it decoded of an object right away, where a damaged object header crashes the
    /// freeing, instead of at some later close where the culprit can no longer be named.
    public func refreshMetadata() throws(HDF5Error) {
        try context.admit(.object(objectPath), operation: "H5Orefresh")
        try checked("H5Orefresh", context) { H5Orefresh(rawValue) }
    }
}
