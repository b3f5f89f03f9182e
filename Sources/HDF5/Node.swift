import CHDF5

/// Anything in a file that can carry attributes: the file (its root group), a group, a dataset.
public protocol Node: AnyObject {
    /// The HDF5 identifier (an `hid_t`): the escape hatch for calls this layer does not wrap.
    var rawValue: Int64 { get }
    /// The file this object lives in, for messages.
    var filePath: String { get }
    /// The object's absolute path inside the file, for example `/runs/r0/loss`.
    var objectPath: String { get }
    /// What the file was opened with to refuse accesses before they reach libhdf5 (`File.open(_:accessGuard:)`);
    /// every object opened from it carries the same.
    var accessGuard: (any AccessGuard)? { get }
}

extension Node {
    var context: CallContext { context(at: objectPath) }

    /// The context of a call about `path`, an object in this object's file.
    func context(at path: String) -> CallContext {
        CallContext(filePath: filePath, objectPath: path, accessGuard: accessGuard)
    }

    /// The absolute path of `name` relative to this object.
    func absolutePath(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        return objectPath == "/" ? "/" + name : objectPath + "/" + name
    }
}

/// What an object in a group is.
public enum ObjectKind: Sendable, Equatable {
    case group, dataset, other
}
