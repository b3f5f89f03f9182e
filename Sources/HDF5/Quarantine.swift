import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Objects of damaged files that crashed or hung HDF5 when a probe process touched them, kept for the rest of the
/// process so that nothing here touches them again.
///
/// HDF5 1.10 trusts what it decodes from a file: a corrupted global heap under a variable-length string, or a
/// corrupted object header met while iterating, makes it read wild memory (SIGSEGV) or loop without end. No check
/// on this side of the C API can see that coming, so a child process walks the file first (the `normscope`
/// probe) and each object it died on is entered here. From then on every open, read, attribute access or iteration
/// of that object (or of anything below it) throws an `HDF5Error` with code `.damaged` without calling into
/// libhdf5, and readers that already list unreadable objects as missing carry on with the rest of the file.
///
/// Files are matched by their resolved path, so `./t.h5` and `/data/t.h5` name the same file.
public enum HDF5Quarantine {
    /// What the probe was doing when HDF5 failed, and so what is kept away from HDF5.
    public enum Target: Sendable, Hashable, CustomStringConvertible {
        /// A group or dataset: opening it, reading it, and everything below it.
        case object(String)
        /// One attribute of an object.
        case attribute(object: String, name: String)
        /// Listing an object's attributes (and therefore any access to them).
        case attributeIteration(object: String)
        /// Listing a group's links (and therefore reaching anything inside it).
        case linkIteration(group: String)
        /// Every variable-length string value of the file: they live in its global heap collections, which carry
        /// no checksum, and a damaged one makes HDF5 1.10 decode it forever on every read that touches it. When a
        /// read of one string's value hangs, the others are not tried one by one.
        case variableLengthStrings

        /// The probe's spelling: `/runs/r0`, `/runs/r0@config`, `/runs/r0:iterate`, `/runs:children`.
        public var description: String {
            switch self {
            case .object(let path): path
            case .attribute(let object, let name): "\(object)@\(name)"
            case .attributeIteration(let object): "\(object):iterate"
            case .linkIteration(let group): "\(group):children"
            case .variableLengthStrings: Self.variableLengthStringsSpelling
            }
        }

        static let variableLengthStringsSpelling = "/:strings"

        /// Parses the probe's spelling back: an '@' after the last '/' starts an attribute name.
        public init?(_ text: String) {
            guard text.hasPrefix("/") else { return nil }
            if text == Self.variableLengthStringsSpelling {
                self = .variableLengthStrings
            } else if text.hasSuffix(":iterate") {
                self = .attributeIteration(object: String(text.dropLast(":iterate".count)))
            } else if text.hasSuffix(":children") {
                self = .linkIteration(group: String(text.dropLast(":children".count)))
            } else if let slash = text.lastIndex(of: "/"), let at = text[slash...].firstIndex(of: "@") {
                self = .attribute(object: String(text[..<at]), name: String(text[text.index(after: at)...]))
            } else {
                self = .object(text)
            }
        }

        /// What was being done, for the message: "reading it", "listing its attributes"…
        var activity: String {
            switch self {
            case .object: "opening or reading it"
            case .attribute: "reading it"
            case .attributeIteration: "listing its attributes"
            case .linkIteration: "listing its members"
            case .variableLengthStrings: "reading a variable-length string (its global heap)"
            }
        }
    }

    /// One quarantined object of one file.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        /// The file, as the probe was given it.
        public var filePath: String
        public var target: Target
        /// How HDF5 failed: "SIGSEGV", "timed out after 5 s", "ran out of memory (limit 1024 MiB)".
        public var reason: String

        /// `t.h5: /runs/r0@config: damaged: reading it crashed HDF5 in a probe (SIGSEGV)`.
        public var description: String { "\(filePath): \(target): \(message)" }

        /// The message without the file and object, as `HDF5Error.message` carries it.
        public var message: String { "damaged: \(target.activity) crashed HDF5 in a probe (\(reason))" }
    }

    private struct State {
        var entries: [String: [Entry]] = [:]
        var resolved: [String: String] = [:]
    }

    /// The process-wide table; any thread may ask, so it sits behind a lock.
    private final class Store: @unchecked Sendable {
        private let lock = NSLock()
        private var state = State()

        func withLock<Result>(_ body: (inout State) -> Result) -> Result {
            lock.lock()
            defer { lock.unlock() }
            return body(&state)
        }
    }

    private static let state = Store()

    /// Keeps `target` of the file at `filePath` away from HDF5 from now on.
    public static func add(_ target: Target, file filePath: String, reason: String) {
        let key = resolvedPath(filePath)
        state.withLock { state in
            var list = state.entries[key, default: []]
            guard !list.contains(where: { $0.target == target }) else { return }
            list.append(Entry(filePath: filePath, target: target, reason: reason))
            state.entries[key] = list
        }
    }

    /// Everything quarantined in the file at `filePath`, in the order it was found.
    public static func entries(for filePath: String) -> [Entry] {
        let key = resolvedPath(filePath)
        return state.withLock { $0.entries[key] ?? [] }
    }

    /// Forgets the file's entries (a file that was replaced on disk, or a test starting afresh).
    public static func removeAll(for filePath: String) {
        let key = resolvedPath(filePath)
        state.withLock { _ = $0.entries.removeValue(forKey: key) }
    }

    // MARK: - Checks made before calling into HDF5

    /// Throws `.damaged` if reaching `target` means touching a quarantined object.
    static func check(_ target: Target, _ context: CallContext, operation: String) throws(HDF5Error) {
        guard let filePath = context.filePath else { return }
        // The common case, a clean process, costs one lock and an empty-dictionary test.
        guard state.withLock({ !$0.entries.isEmpty }) else { return }
        let list = entries(for: filePath)
        guard let entry = list.first(where: { blocks($0.target, target) }) else { return }
        throw HDF5Error(
            code: .damaged, operation: operation, filePath: filePath, objectPath: "\(entry.target)",
            message: entry.message)
    }

    /// Whether a quarantined `entry` stands in the way of `wanted`.
    static func blocks(_ entry: Target, _ wanted: Target) -> Bool {
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

    /// The file's path with symbolic links and `..` resolved; the path as given when it does not exist.
    private static func resolvedPath(_ path: String) -> String {
        if let known = state.withLock({ $0.resolved[path] }) { return known }
        var resolved = URL(fileURLWithPath: path).standardizedFileURL.path
        if let real = realpath(path, nil) {
            resolved = String(cString: real)
            free(real)
        }
        state.withLock { $0.resolved[path] = resolved }
        return resolved
    }
}
