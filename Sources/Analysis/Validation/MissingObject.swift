import DamagedFiles
import HDF5

/// An object of a trace that could not be read at all: the summary goes on without it and lists it (`missing`).
public struct MissingObject: Sendable, Equatable, CustomStringConvertible {
    /// Why the object could not be read.
    public enum Reason: Sendable, Equatable {
        /// Reading it failed: HDF5's error, or a check made before calling HDF5.
        case unreadable
        /// A probe process saw HDF5 crash or hang on it (or on what holds it), so it was never handed to HDF5: it is
        /// damage, listed from the quarantine's own entries (``DamagedObject``), not a missing object.
        case quarantined
    }

    /// The trace file.
    public var file: String
    /// The object's HDF5 path, when the error names one; for a quarantined object, the quarantined target.
    public var object: String?
    public var reason: Reason
    /// One line: `file.h5: /runs/r0/loss: unable to open dataset (object 'loss' doesn't exist) [H5Dopen2]`.
    public var description: String

    /// The object `error` failed to read in `file`, which was read under `quarantine` (its `ProbedFile`'s).
    init(_ error: HDF5Error, file: String, quarantine: Quarantine) {
        self.file = file
        object = error.objectPath
        description = "\(error)"
        // The quarantine throws `.damaged` naming the target that stands in the way, as it spells targets.
        let quarantined =
            error.code == .damaged
            && quarantine.entries.contains {
                $0.target.description == error.objectPath
            }
        reason = quarantined ? .quarantined : .unreadable
    }
}
