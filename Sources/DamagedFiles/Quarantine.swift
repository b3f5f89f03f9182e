import HDF5

/// The objects of one file that crashed, hung or exhausted HDF5 when a probe child touched them: the verdict of
/// `DamageProbe` on the file, and the `AccessGuard` a `ProbedFile` opens it with, so that this process never hands
/// them (or anything that reaches them) to libhdf5 and readers list them as damaged instead.
///
/// A value, carried by the file it was found for: nothing about one file can reach the reading of another, and a
/// program holds no list of damaged files behind the readers' backs.
public struct Quarantine: AccessGuard, Hashable {
    /// One object kept away from HDF5.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        /// What the probe was doing when HDF5 failed, and so what is kept away from HDF5.
        public var target: HDF5Access
        /// How HDF5 failed: "SIGSEGV", "no answer within 10 s", "ran out of memory under a 1054 MiB limit".
        public var reason: String

        public init(target: HDF5Access, reason: String) {
            self.target = target
            self.reason = reason
        }

        /// `damaged: reading it crashed HDF5 in a probe (SIGSEGV)`: as `HDF5Error.message` carries it.
        public var message: String { "damaged: \(target.activity) crashed HDF5 in a probe (\(reason))" }

        /// `/runs/r0@config: damaged: reading it crashed HDF5 in a probe (SIGSEGV)`.
        public var description: String { "\(target): \(message)" }
    }

    /// Everything quarantined, in the order the probe found it.
    public private(set) var entries: [Entry]

    public init(_ entries: [Entry] = []) {
        self.entries = []
        for entry in entries { add(entry.target, reason: entry.reason) }
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Keeps `target` away from HDF5 from now on (once: a target entered again keeps its first reason).
    public mutating func add(_ target: HDF5Access, reason: String) {
        guard !entries.contains(where: { $0.target == target }) else { return }
        entries.append(Entry(target: target, reason: reason))
    }

    /// The first entry that stands in the way of `access`, as the file's `.damaged` error names it.
    public func refusal(of access: HDF5Access) -> AccessRefusal? {
        guard let entry = entries.first(where: { Self.blocks($0.target, access) }) else { return nil }
        return AccessRefusal(objectPath: "\(entry.target)", message: entry.message)
    }

    /// Whether a quarantined `entry` stands in the way of `wanted`.
    static func blocks(_ entry: HDF5Access, _ wanted: HDF5Access) -> Bool {
        // Every access starts by reaching an object: `path` itself must be reachable.
        let path: String
        switch wanted {
        case .object(let object), .attribute(let object, _), .attributeIteration(let object): path = object
        case .linkIteration(let group): path = group
        case .variableLengthStrings: return entry == .variableLengthStrings
        }
        switch entry {
        case .variableLengthStrings:
            return false
        case .object(let damaged):
            return path == damaged || isBelow(path, damaged)
        case .linkIteration(let group):
            if case .linkIteration(let other) = wanted, other == group { return true }
            return isBelow(path, group)
        case .attributeIteration(let object):
            // Listing an object's attributes is what crashed: reading any of them by name goes through the same
            // damaged attribute storage.
            switch wanted {
            case .attribute(let other, _), .attributeIteration(let other): return other == object
            default: return false
            }
        case .attribute(let object, let name):
            if case .attribute(let other, let otherName) = wanted { return other == object && otherName == name }
            return false
        }
    }

    private static func isBelow(_ path: String, _ ancestor: String) -> Bool {
        ancestor == "/" ? path != "/" : path.hasPrefix(ancestor + "/")
    }
}
