import CHDF5
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Checks, by reading the file's bytes, that a variable-length string attribute points at an object that exists in
/// its global heap collection, before `H5Aread` follows the pointer.
///
/// HDF5 1.10's `H5HG_read` trusts the object index stored with the attribute: a damaged index reads a slot far past
/// the end of the collection's table and copies from whatever address it finds there (SIGSEGV, or garbage if the
/// memory happens to be mapped). Whether it crashes depends on what lies in memory, so a probe process may survive
/// what the reader does not; this check does not depend on luck. It understands the version-1 object headers that
/// the default ("compatible") file format uses; version-2 headers carry checksums, which HDF5 verifies itself, and
/// any layout it does not recognize is left to HDF5 as before.
enum VariableStringCheck {
    /// What the check found.
    enum Verdict: Equatable {
        case valid
        case damaged(String)
        /// The layout is not one this check reads (version-2 header, other address sizes…); HDF5 decides.
        case unknown
    }

    /// Checks the attribute `name` of the object `objectID` in the file at `path`: each of its `count` elements
    /// (1 for a scalar string, the length of a string array).
    static func verdict(object objectID: hid_t, attribute name: String, path: String, count: Int = 1) -> Verdict {
        guard let base = fileBase(objectID), let header = headerAddress(objectID),
            case let (start, overflow) = base.addingReportingOverflow(header), !overflow, start < Int.max / 2,
            let bytes = FileBytes(path: path),
            let references = bytes.heapReferences(header: start, attribute: name, count: count)
        else { return .unknown }
        for reference in references {
            let verdict = bytes.check(reference, base: base)
            if verdict != .valid { return verdict }
        }
        return .valid
    }

    /// Checks the `count` elements of a dataset of variable-length strings whose data is one contiguous block at
    /// file address `address` (relative to the user block, as HDF5 reports it).
    static func verdict(object objectID: hid_t, contiguousData address: Int, path: String, count: Int) -> Verdict {
        guard let base = fileBase(objectID), case let (start, overflow) = base.addingReportingOverflow(address),
            !overflow, start < Int.max / 2, count >= 1, count <= Int.max / 32,
            let bytes = FileBytes(path: path), let data = bytes.read(start, 16 * count)
        else { return .unknown }
        for element in 0..<count {
            let at = 16 * element
            let reference = HeapReference(
                length: bytes.integer(data, at, 4), collection: bytes.integer(data, at + 4, 8),
                index: bytes.integer(data, at + 12, 4))
            let verdict = bytes.check(reference, base: base)
            if verdict != .valid { return verdict }
        }
        return .valid
    }

    /// The address of the object's header. An object reference is its address and, unlike `H5Oget_info2`, needs
    /// no intact messages to classify the object (a damaged group header defeats that, and is what is checked).
    private static func headerAddress(_ objectID: hid_t) -> Int? {
        unchecked { () -> Int? in
            var address: haddr_t = 0
            guard H5Rcreate(&address, objectID, ".", H5R_OBJECT, -1) >= 0 else {
                _ = H5Eclear2(chdf5_e_default())
                return nil
            }
            return Int(exactly: address)
        }
    }

    /// The user-block size (addresses in the file are relative to it), when the file uses 8-byte addresses and
    /// lengths (the only layout this check reads).
    private static func fileBase(_ objectID: hid_t) -> Int? {
        unchecked { () -> Int? in
            let file = H5Iget_file_id(objectID)
            guard file >= 0 else { return nil }
            defer { H5Fclose(file) }
            let list = H5Fget_create_plist(file)
            guard list >= 0 else { return nil }
            defer { H5Pclose(list) }
            var addressSize = 0
            var lengthSize = 0
            var userBlock: hsize_t = 0
            guard H5Pget_sizes(list, &addressSize, &lengthSize) >= 0, addressSize == 8, lengthSize == 8,
                H5Pget_userblock(list, &userBlock) >= 0
            else { return nil }
            return Int(exactly: userBlock)
        }
    }

    /// A heap pointer as a variable-length datum stores it: sequence length, collection address, object index.
    struct HeapReference: Equatable {
        var length: Int
        var collection: Int
        var index: Int
    }
}

/// Little-endian reads at absolute offsets of a file, through its own descriptor (never HDF5's).
private final class FileBytes {
    let descriptor: Int32
    let size: Int

    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// `count` bytes at `offset`, or nil past the end of the file.
    func read(_ offset: Int, _ count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, count <= size, offset <= size - count else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
        return got == count ? buffer : nil
    }

    /// A little-endian unsigned integer of `width` bytes. Values past 2^62 (a damaged field: no file is that
    /// large) come back as 2^62, so that sums of two decoded values never overflow.
    func integer(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int {
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[at + index]) }
        return Int(min(value, Self.implausible))
    }

    static let implausible: UInt64 = 1 << 62

    static func aligned8(_ value: Int) -> Int { (value + 7) & ~7 }

    /// Finds attribute `name` in the version-1 object header at `header` and returns the stored heap pointers of
    /// its first `count` elements.
    func heapReferences(header: Int, attribute name: String, count: Int) -> [VariableStringCheck.HeapReference]? {
        // Prefix: version 1, reserved, message count (2), reference count (4), first chunk's size (4), padding.
        guard let prefix = read(header, 16), prefix[0] == 1 else { return nil }
        var chunks = [(start: header + 16, length: integer(prefix, 8, 4))]
        let wanted = Array(name.utf8) + [0]
        var visited = 0
        while let chunk = chunks.popLast() {
            // A damaged continuation can point in a circle; no real header has this many chunks.
            visited += 1
            guard visited <= 256, let data = read(chunk.start, chunk.length) else { return nil }
            var at = 0
            while at + 8 <= data.count {
                let type = integer(data, at, 2)
                let length = integer(data, at + 2, 2)
                let body = at + 8
                guard body + length <= data.count else { return nil }
                if type == 0x10, length >= 16 {
                    chunks.append((integer(data, body, 8), integer(data, body + 8, 8)))
                } else if type == 0x0C, let references = attribute(data, body, length, wanted, count) {
                    return references
                }
                at = body + length
            }
        }
        return nil
    }

    /// The heap pointers of the first `count` elements of an attribute message at `body`, if it is the attribute
    /// named `wanted` (with its NUL).
    private func attribute(_ data: [UInt8], _ body: Int, _ length: Int, _ wanted: [UInt8], _ count: Int)
        -> [VariableStringCheck.HeapReference]?
    {
        guard length >= 8 else { return nil }
        let version = Int(data[body])
        let nameSize = integer(data, body + 2, 2)
        let typeSize = integer(data, body + 4, 2)
        let spaceSize = integer(data, body + 6, 2)
        // Version 1 pads each part to 8 bytes; later versions do not, and version 3 adds a character-set byte.
        func pad(_ size: Int) -> Int { version == 1 ? FileBytes.aligned8(size) : size }
        guard [1, 2, 3].contains(version) else { return nil }
        let nameStart = body + (version == 3 ? 9 : 8)
        guard nameSize == wanted.count, nameStart + nameSize <= body + length,
            Array(data[nameStart..<(nameStart + nameSize)]) == wanted
        else { return nil }
        let dataStart = nameStart + pad(nameSize) + pad(typeSize) + pad(spaceSize)
        // Each element is 16 bytes: length (4), collection address (8), object index (4).
        guard count >= 1, count <= (body + length - dataStart) / 16 else { return nil }
        return (0..<count).map { element in
            let at = dataStart + 16 * element
            return VariableStringCheck.HeapReference(
                length: integer(data, at, 4), collection: integer(data, at + 4, 8), index: integer(data, at + 12, 4))
        }
    }
}

extension FileBytes {
    /// Walks the global heap collection `reference` points into: the object must be there and hold the length.
    func check(_ reference: VariableStringCheck.HeapReference, base: Int) -> VariableStringCheck.Verdict {
        let where_ = "global heap collection at \(reference.collection), object \(reference.index)"
        // An empty string is stored without a heap object.
        if reference.length == 0 { return .valid }
        // Collection header: "GCOL", version 1, 3 reserved bytes, the collection's size (8).
        let start = base + reference.collection
        guard let header = read(start, 16), Array(header[0..<4]) == Array("GCOL".utf8), header[4] == 1 else {
            return .damaged("points to \(where_), where there is no global heap collection")
        }
        let collectionSize = integer(header, 8, 8)
        guard collectionSize >= 16, let collection = read(start, collectionSize) else {
            return .damaged("points to \(where_), whose size \(collectionSize) runs past the end of the file")
        }
        // Objects: index (2), reference count (2), reserved (4), size (8), data padded to 8 bytes; index 0 is free
        // space. HDF5 decodes the whole collection when it loads it, and an object whose size overruns the
        // collection makes that decoding loop or read past it, so every object is checked, not only ours.
        var found: Int?
        var at = 16
        while at + 16 <= collection.count {
            let index = integer(collection, at, 2)
            let objectSize = integer(collection, at + 8, 8)
            guard index != 0 else {
                // The free-space object's size includes its header and is not padded; HDF5 1.10 steps by it, so
                // one smaller than a header (zeroed bytes, say) never moves its decoder forward.
                guard objectSize >= 16, objectSize <= collection.count - at else {
                    return .damaged(
                        "points into the \(where_), whose free space of \(objectSize) bytes at offset \(at) "
                            + "does not fit the collection (HDF5 would decode it forever or past its end)")
                }
                at += objectSize
                continue
            }
            guard objectSize <= collection.count - at - 16 else {
                return .damaged(
                    "points into the \(where_), whose object \(index) (\(objectSize) bytes) runs past the collection")
            }
            if index == reference.index { found = objectSize }
            at += 16 + FileBytes.aligned8(objectSize)
        }
        if let found {
            return found >= reference.length
                ? .valid : .damaged("holds \(reference.length) bytes in the \(where_), which has only \(found)")
        }
        return .damaged("points to the \(where_), which holds no such object")
    }
}
