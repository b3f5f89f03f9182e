import CHDF5

extension File {
    /// Holds HDF5's metadata cache for this open file at `bytes`, without the adaptive resizing that otherwise
    /// lets it grow with the objects touched (`H5Fset_mdc_config`). Evicting one object's metadata
    /// (`Node.refreshMetadata`) walks every entry of the cache; a reader that evicts after each object keeps its
    /// walk of a file linear in the file's objects only with a cache of bounded size.
    public func limitMetadataCache(toBytes bytes: Int) throws(HDF5Error) {
        var cache = H5AC_cache_config_t()
        cache.version = H5AC__CURR_CACHE_CONFIG_VERSION
        try checked("H5Fget_mdc_config", context) { H5Fget_mdc_config(rawValue, &cache) }
        cache.set_initial_size = true
        cache.initial_size = bytes
        cache.min_size = bytes
        cache.max_size = bytes
        cache.incr_mode = H5C_incr__off
        cache.flash_incr_mode = H5C_flash_incr__off
        cache.decr_mode = H5C_decr__off
        try checked("H5Fset_mdc_config", context) { H5Fset_mdc_config(rawValue, &cache) }
    }

    /// How many entries HDF5's metadata cache holds for this file now (`H5Fget_mdc_size`).
    public func metadataCacheEntryCount() throws(HDF5Error) -> Int {
        var entries: UInt32 = 0
        try checked("H5Fget_mdc_size", context) { H5Fget_mdc_size(rawValue, nil, nil, nil, &entries) }
        return Int(entries)
    }
}
