import CHDF5

/// What `File.create` does when the path exists already.
public enum CreateMode: Sendable {
    /// Replace an existing file. The corresponding C constant is `H5F_ACC_TRUNC`.
    case truncate
    /// Fail with `.alreadyExists` if the file exists. The corresponding C constant is `H5F_ACC_EXCL`.
    case failIfExists

    var flags: UInt32 { self == .truncate ? chdf5_f_acc_trunc() : chdf5_f_acc_excl() }
}

/// How `File.open` opens an existing file.
public enum OpenMode: Sendable {
    /// Read only. The corresponding C constant is `H5F_ACC_RDONLY`.
    case readOnly
    /// Read and write. The corresponding C constant is `H5F_ACC_RDWR`.
    case readWrite
    /// Read only, following a file another process writes in single-writer/multiple-reader mode; call
    /// `Dataset.refresh()` to see rows appended since. The corresponding C constants are
    /// `H5F_ACC_RDONLY | H5F_ACC_SWMR_READ`.
    case swmrRead

    var flags: UInt32 {
        switch self {
        case .readOnly: chdf5_f_acc_rdonly()
        case .readWrite: chdf5_f_acc_rdwr()
        case .swmrRead: chdf5_f_acc_rdonly() | chdf5_f_acc_swmr_read()
        }
    }
}

/// The on-disk format version bounds of a new file.
public enum FileFormat: Sendable {
    /// The earliest format that can hold the objects: readable by every HDF5 1.8+ tool. A file in this format whose
    /// writer was killed still opens, holding what was flushed (measured by killing real recorders; README, "Crash safety").
    case compatible
    /// The latest format of the linked library (1.10 here). Required for single-writer/multiple-reader mode.
    /// The corresponding C call is `H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST)`.
    case latest
}
