import CHDF5
import Foundation

extension Container {
    /// Creates a small one-dimensional dataset of variable-length UTF-8 strings (h5py reads it as `str`, netCDF-C
    /// as NC_STRING): labels such as a dimension scale's `["total", "direct", …]`. Contiguous and written at once.
    @discardableResult
    public func createDataset(_ path: String, strings: [String]) throws(HDF5Error) -> Dataset {
        let full = absolutePath(path)
        let context = self.context(at: full)
        if try exists(path) {
            throw HDF5Error(
                code: .alreadyExists, operation: "H5Dcreate2", filePath: filePath, objectPath: full,
                message: "an object with this name exists already")
        }
        let type = try Datatype.variableString(context)
        let space = try Dataspace(shape: [strings.count], context)
        let links = try PropertyList.intermediateGroups(context)
        let id = try checked("H5Dcreate2", context) {
            H5Dcreate2(rawValue, path, type.id, space.id, links.id, chdf5_p_default(), chdf5_p_default())
        }
        let dataset = Dataset(id: id, filePath: filePath, objectPath: full, accessGuard: accessGuard)
        if strings.isEmpty { return dataset }
        // HDF5 copies the strings during the write; the C copies only have to outlive the call.
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        try checked("H5Dwrite", context) {
            copies.map { UnsafePointer($0) }.withUnsafeBufferPointer {
                H5Dwrite(id, type.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), $0.baseAddress!)
            }
        }
        return dataset
    }
}
