import CHDF5

extension Container {
    /// Removes the link `path` (`H5Ldelete`): the object disappears from the file's tree. Its space is not given back
    /// to the file (HDF5 does not shrink files; `h5repack` does).
    /// - Throws: `.objectNotFound` if there is no such link.
    public func removeLink(_ path: String) throws(HDF5Error) {
        let full = absolutePath(path)
        let context = self.context(at: full)
        guard try exists(path) else {
            throw HDF5Error(
                code: .objectNotFound, operation: "H5Ldelete", filePath: filePath, objectPath: full,
                message: "no such object")
        }
        try checked("H5Ldelete", context) { H5Ldelete(rawValue, path, chdf5_p_default()) }
    }
}
