import CHDF5
import Foundation

/// Bounds on what one read may claim, so that a damaged extent in a file cannot make a reader allocate gigabytes
/// or loop over billions of rows that were never written.
///
/// The bound on a dataset follows from the file's size: deflate cannot compress better than about 1032:1, and
/// NormScope writes every chunk it declares, so a dataset read from a file cannot hold more than ~1100 times the
/// file's bytes (plus some slack for tiny files). Attributes are never compressed: they fit in the file itself.
/// Files open for writing are not bounded (their last chunks may still be in HDF5's cache, not yet on disk).
public enum HDF5ReadLimits {
    /// Logical bytes a dataset may hold per byte of its file.
    public static let compressionBound = 1100
    /// Bytes added to every bound, so that a small file's legitimately sparse datasets are not refused.
    public static let slack = 1 << 20

    private final class Store: @unchecked Sendable {
        let lock = NSLock()
        var maxReadBytes = 1 << 30
    }
    private static let store = Store()

    /// The most memory a single read may allocate, 1 GiB unless changed; `BlockReader`-style readers stay far
    /// below it, a damaged extent goes far above it.
    public static var maxReadBytes: Int {
        get { store.lock.withLock { store.maxReadBytes } }
        set { store.lock.withLock { store.maxReadBytes = max(1, newValue) } }
    }

    /// The most bytes the data of the object `id` can plausibly hold, or nil when its file is open for writing.
    static func storageBound(of id: hid_t, compressible: Bool, _ context: CallContext) throws(HDF5Error) -> Int? {
        let file = try checked("H5Iget_file_id", context) { H5Iget_file_id(id) }
        defer { unchecked { _ = H5Fclose(file) } }
        var intent: UInt32 = 0
        try checked("H5Fget_intent", context) { H5Fget_intent(file, &intent) }
        guard intent & chdf5_f_acc_rdwr() == 0 else { return nil }
        var size: hsize_t = 0
        try checked("H5Fget_filesize", context) { H5Fget_filesize(file, &size) }
        let bytes = Int(clamping: size)
        let scaled = bytes.multipliedReportingOverflow(by: compressible ? compressionBound : 1)
        guard !scaled.overflow else { return .max }
        let total = scaled.partialValue.addingReportingOverflow(slack)
        return total.overflow ? .max : total.partialValue
    }
}
