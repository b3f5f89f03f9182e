import CHDF5

extension Dataset {
    /// Makes this one-dimensional dataset a dimension scale named `name` (netCDF-4 / xarray read this as the
    /// coordinate of every axis it is attached to). The corresponding C function is `H5DSset_scale`.
    public func makeDimensionScale(name: String) throws(HDF5Error) {
        try checked("H5DSset_scale", context) { H5DSset_scale(rawValue, name) }
    }

    /// Whether this dataset is a dimension scale. The corresponding C function is `H5DSis_scale`.
    public func isDimensionScale() throws(HDF5Error) -> Bool {
        // H5DSis_scale reads the CLASS attribute itself, past the checks of `attributeValue`.
        try context.admit(.attribute(object: objectPath, name: "CLASS"), operation: "H5DSis_scale")
        return try checked("H5DSis_scale", context) { H5DSis_scale(rawValue) } > 0
    }

    /// Attaches `scale` (a dataset made a dimension scale) to `axis` of this dataset; their extents along that axis
    /// should stay equal. The corresponding C function is `H5DSattach_scale`.
    public func attachDimensionScale(_ scale: Dataset, axis: Int) throws(HDF5Error) {
        try checked("H5DSattach_scale", context) { H5DSattach_scale(rawValue, scale.rawValue, UInt32(axis)) }
    }

    /// Whether `scale` is attached to `axis` of this dataset. The corresponding C function is `H5DSis_attached`.
    public func isDimensionScale(_ scale: Dataset, attachedTo axis: Int) throws(HDF5Error) -> Bool {
        // H5DSis_attached reads both datasets' DIMENSION_LIST and REFERENCE_LIST attributes itself.
        for (node, name) in [(objectPath, "DIMENSION_LIST"), (scale.objectPath, "REFERENCE_LIST")] {
            try context.admit(.attribute(object: node, name: name), operation: "H5DSis_attached")
        }
        return try checked("H5DSis_attached", context) { H5DSis_attached(rawValue, scale.rawValue, UInt32(axis)) } > 0
    }

    /// Labels `axis` (h5py's `dims[axis].label`). The corresponding C function is `H5DSset_label`.
    public func setDimensionLabel(_ label: String, axis: Int) throws(HDF5Error) {
        try checked("H5DSset_label", context) { H5DSset_label(rawValue, UInt32(axis), label) }
    }
}
