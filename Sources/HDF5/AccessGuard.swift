/// What a call of this layer is about to hand to libhdf5, named before the call is made.
///
/// Some damage makes HDF5 1.10 itself read wild memory or loop for ever (a corrupted global heap under a string, a
/// half-decoded attribute table), and no check on this side of the C API sees it coming. A file opened with an
/// `AccessGuard` (`File.open(_:accessGuard:)`) asks it about each of these before the call, and a refused access
/// throws `HDF5Error` with code `.damaged` without calling into libhdf5. Who decides what to refuse — the damage
/// probe of the `DamagedFiles` module, which walks the file in a child process — is not this module's business.
public enum HDF5Access: Sendable, Hashable, CustomStringConvertible {
    /// A group or dataset: opening it, reading it, and everything below it.
    case object(String)
    /// One attribute of an object.
    case attribute(object: String, name: String)
    /// Listing an object's attributes.
    case attributeIteration(object: String)
    /// Listing a group's links.
    case linkIteration(group: String)
    /// The value of any variable-length string of the file: all of them live in its global heap collections.
    case variableLengthStrings

    /// How messages name the access: `/runs/r0`, `/runs/r0@config`, `/runs/r0:iterate`, `/runs:children`,
    /// `/:strings`.
    public var description: String {
        switch self {
        case .object(let path): path
        case .attribute(let object, let name): "\(object)@\(name)"
        case .attributeIteration(let object): "\(object):iterate"
        case .linkIteration(let group): "\(group):children"
        case .variableLengthStrings: "/:strings"
        }
    }
}

/// Decides, before each call into libhdf5 on a file, whether the call may be made.
public protocol AccessGuard: Sendable {
    /// Why `access` must not reach libhdf5, or nil to let it through.
    func refusal(of access: HDF5Access) -> AccessRefusal?
}

/// Why an access was refused: what stands in its way (an object, or an attribute, …, the access itself or one
/// above it) and what is wrong with it. It becomes the `objectPath` and `message` of the `.damaged` error.
public struct AccessRefusal: Sendable, Hashable {
    /// The object in the way, spelled as `HDF5Access.description` spells it.
    public var objectPath: String
    /// One line: `damaged: reading it crashed HDF5 in a probe (SIGSEGV)`.
    public var message: String

    public init(objectPath: String, message: String) {
        self.objectPath = objectPath
        self.message = message
    }
}

extension CallContext {
    /// Throws `.damaged` if the file's guard refuses `access`; `operation` is the C call that was not made.
    func admit(_ access: HDF5Access, operation: String) throws(HDF5Error) {
        guard let accessGuard, let refusal = accessGuard.refusal(of: access) else { return }
        throw HDF5Error(
            code: .damaged, operation: operation, filePath: filePath, objectPath: refusal.objectPath,
            message: refusal.message)
    }
}
