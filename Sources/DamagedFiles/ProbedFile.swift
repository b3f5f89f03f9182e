import HDF5

/// A file the damage probe has walked, with its verdict: the only way the readers of `Analysis` open a trace, so
/// that no reader can reach a file's damaged objects unvetted. Made by `DamageProbe.vet(_:)`.
public struct ProbedFile: Sendable {
    /// The file, as given to `vet`.
    public let path: String
    /// What the probe kept away from HDF5; empty for a clean file, one that is missing or not HDF5 (its reader says
    /// why), or when the probe is off (`NORMSCOPE_NO_PROBE=1`).
    public let quarantine: Quarantine

    init(path: String, quarantine: Quarantine) {
        self.path = path
        self.quarantine = quarantine
    }

    /// Opens the file under its verdict: every call that would reach a quarantined object throws `.damaged`
    /// instead of calling into libhdf5.
    public func open(mode: OpenMode = .readOnly) throws(HDF5Error) -> File {
        try File.open(path, mode: mode, accessGuard: quarantine)
    }
}
