import Foundation
import HDF5
import TestSupport
import Testing

/// The checks made before a read converts anything: stored type against the type read, the extent against what
/// the file can hold, what one read may allocate.
@Suite("Read validation", .serialized)
struct ReadValidationTests {
    struct Pair: CompoundRow, Equatable {
        var first: Int64
        var zetaField: Double
        static let fields: [CompoundField<Pair>] = [.init("first", \.first), .init("zeta_field", \.zetaField)]
    }

    /// Moves the stored offset of compound member `name` in the file's bytes (datatype message version 1: the name
    /// NUL-padded to a multiple of 8 bytes, then the offset as 4 bytes little-endian).
    private func moveMember(_ name: String, to offset: UInt32, in path: String) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let needle = Array(name.utf8) + [0]
        let found = try #require(
            bytes.indices.first { start in
                start + needle.count <= bytes.count && Array(bytes[start..<(start + needle.count)]) == needle
            }, "member name not in the file")
        let at = found + (needle.count + 7) / 8 * 8
        withUnsafeBytes(of: offset.littleEndian) { for (index, byte) in $0.enumerated() { bytes[at + index] = byte } }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("a compound member moved past the compound's end is refused as damaged, without reading")
    func compoundMemberOutOfBounds() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("pairs.h5")
        let file = try File.create(path)
        try file.createDataset("pairs", values: (0..<8).map { Pair(first: Int64($0), zetaField: Double($0) / 2) })
        try file.close()
        #expect(try File.open(path).openDataset("pairs").read(as: Pair.self).count == 8)

        try moveMember("zeta_field", to: 4096, in: path)
        let dataset = try File.open(path).openDataset("pairs")
        #expect {
            _ = try dataset.read(as: Pair.self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.message.contains("'zeta_field'")
                && error.message.contains("runs past the compound's 16 bytes") && error.objectPath == "/pairs"
        }
    }

    @Test("an extent far beyond what the file could hold is refused before any row is read")
    func implausibleExtent() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("huge.h5")
        let file = try File.create(path)
        // Declared but never written: what a damaged dimension looks like to a reader.
        try file.createDataset("rows", of: Int64.self, shape: [1 << 40], layout: .init(chunkShape: [1024]))
        try file.createDataset("small", values: [Int64](0..<10))
        try file.close()
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)

        let reopened = try File.open(path)
        #expect(try reopened.openDataset("small").read(as: Int64.self) == Array(0..<10))
        #expect {
            _ = try reopened.openDataset("rows").readRows(0..<10, as: Int64.self)
        } throws: { error in
            let error = error as! HDF5Error
            let bound = size * HDF5ReadLimits.compressionBound + HDF5ReadLimits.slack
            return error.code == .damaged && error.message.contains("[\(1 << 40)]")
                && error.message.contains("at most \(bound) bytes")
        }
        try reopened.close()
        // A file open for writing is not bounded: its last chunks may not be on disk yet.
        let writable = try File.open(path, mode: .readWrite)
        #expect(try writable.openDataset("rows").readRows(0..<3, as: Int64.self) == [0, 0, 0])
    }

    @Test("no single read allocates more than HDF5ReadLimits.maxReadBytes")
    func readAllocationCap() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("values.h5")
        let file = try File.create(path)
        try file.createDataset("values", values: (0..<1000).map { Double($0) })
        try file.close()
        let saved = HDF5ReadLimits.maxReadBytes
        defer { HDF5ReadLimits.maxReadBytes = saved }
        HDF5ReadLimits.maxReadBytes = 800
        let dataset = try File.open(path).openDataset("values")
        #expect(try dataset.readRows(0..<100, as: Double.self).count == 100)
        #expect {
            _ = try dataset.read(as: Double.self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .badShape && error.message.contains("more than the 800 bytes")
        }
    }

    @Test("wrong stored types: a number read as a compound, a string as a number, a compound field of another class")
    func typeMismatches() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let path = directory.file("types.h5")
        let made = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                f["numbers"] = np.arange(4, dtype="f8")
                f["text"] = np.array([b"ab", b"cd"])
                f["pairs"] = np.zeros(3, dtype=[("first", "i8"), ("zeta_field", "S8")])
                f.attrs["empty"] = h5py.Empty("f8")
            """, arguments: [path])
        try #require(made.status == 0, "\(made.standardError)")
        let file = try File.open(path)
        func expectMismatch(_ body: () throws -> Void, _ needles: [String]) {
            #expect {
                try body()
            } throws: { error in
                let error = error as! HDF5Error
                return error.code == .typeMismatch && needles.allSatisfy { error.message.contains($0) }
            }
        }
        expectMismatch({ _ = try file.openDataset("numbers").read(as: Pair.self) }, ["expected a compound", "float64"])
        expectMismatch({ _ = try file.openDataset("text").read(as: Double.self) }, ["expected a number", "string"])
        expectMismatch(
            { _ = try file.openDataset("pairs").read(as: Pair.self) }, ["field 'zeta_field' is string", "float64"])
        // A null dataspace (h5py.Empty) holds no value; reading it used to index an empty array.
        expectMismatch({ _ = try file.attributeValue("empty") }, ["no value"])
    }
}

/// Variable-length strings point into a global heap collection; HDF5 1.10 follows a damaged pointer blindly.
@Suite("Variable-length string pointers")
struct VariableStringPointerTests {
    /// Rewrites the object index of the heap pointer stored for the string attribute: the 4 bytes after the
    /// collection's address (8 bytes, little-endian) wherever length + address appear in the file.
    private func damageHeapIndex(in path: String, length: Int, to index: UInt32) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let signature = Array("GCOL".utf8)
        let collection = try #require(
            bytes.indices.first { Array(bytes[$0..<min(bytes.count, $0 + 4)]) == signature }, "no global heap")
        var needle: [UInt8] = []
        withUnsafeBytes(of: UInt32(length).littleEndian) { needle += $0 }
        withUnsafeBytes(of: UInt64(collection).littleEndian) { needle += $0 }
        let found = try #require(
            bytes.indices.first { start in
                start + needle.count + 4 <= bytes.count && Array(bytes[start..<(start + needle.count)]) == needle
            }, "no heap pointer to the collection")
        withUnsafeBytes(of: index.littleEndian) { raw in
            for (offset, byte) in raw.enumerated() { bytes[found + needle.count + offset] = byte }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test("a string attribute whose heap object index is damaged is refused as damaged, before H5Aread")
    func damagedIndex() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("strings.h5")
        let note = "a note long enough to be recognisable"
        let file = try File.create(path)
        let group = try file.createGroup("runs/r0")
        try group.setAttribute("note", note)
        try group.setAttribute("seed", Int64(7))
        try file.close()
        #expect(try File.open(path).openGroup("runs/r0").attribute("note", as: String.self) == note)

        try damageHeapIndex(in: path, length: note.utf8.count, to: 40_000)
        let reopened = try File.open(path).openGroup("runs/r0")
        #expect {
            _ = try reopened.attribute("note", as: String.self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.objectPath == "/runs/r0@note"
                && error.message.contains("object 40000") && error.message.contains("holds no such object")
        }
        #expect(try reopened.attribute("seed", as: Int64.self) == 7)
    }

    @Test("a string-array attribute whose second element's heap index is damaged is refused, not only the first")
    func damagedArrayElement() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("strings.h5")
        let second = "a second element long enough to be recognisable"
        let file = try File.create(path)
        try file.createGroup("runs/r0").setAttribute("labels", ["total", second])
        try file.close()
        #expect(try File.open(path).openGroup("runs/r0").attribute("labels", as: [String].self) == ["total", second])

        try damageHeapIndex(in: path, length: second.utf8.count, to: 40_000)
        #expect {
            _ = try File.open(path).openGroup("runs/r0").attribute("labels", as: [String].self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.objectPath == "/runs/r0@labels"
                && error.message.contains("object 40000")
        }
    }

    @Test("a string dataset whose third label's heap index is damaged is refused as damaged, before H5Dread")
    func damagedStringDataset() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("labels.h5")
        let third = "a third label long enough to be recognisable"
        let file = try File.create(path)
        try file.createDataset("labels", strings: ["total", "direct", third])
        try file.close()
        try damageHeapIndex(in: path, length: third.utf8.count, to: 40_000)
        #expect {
            _ = try File.open(path).openDataset("labels").readStrings()
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.message.contains("object 40000")
        }
    }

    @Test("a heap collection whose free space is damaged (HDF5 1.10 would decode it forever) is refused")
    func damagedFreeSpace() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("strings.h5")
        let file = try File.create(path)
        try file.setAttribute("note", "some text")
        try file.close()

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let start = try #require(
            bytes.indices.first { Array(bytes[$0..<min(bytes.count, $0 + 4)]) == Array("GCOL".utf8) })
        func integer(_ at: Int, _ width: Int) -> Int {
            (0..<width).reversed().reduce(0) { $0 << 8 | Int(bytes[at + $1]) }
        }
        // Step over the objects (index, references, reserved, size, padded data) to the free space, index 0.
        var at = start + 16
        while integer(at, 2) != 0 { at += 16 + (integer(at + 8, 8) + 7) / 8 * 8 }
        for offset in 0..<8 { bytes[at + 8 + offset] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        #expect {
            _ = try File.open(path).attribute("note", as: String.self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.message.contains("free space of 0 bytes")
        }
    }

    @Test("a heap object whose size has its top bit set is refused, not misread as a negative size")
    func objectSizeTopBit() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("strings.h5")
        let file = try File.create(path)
        try file.setAttribute("note", "some text")
        try file.close()

        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let start = try #require(
            bytes.indices.first { Array(bytes[$0..<min(bytes.count, $0 + 4)]) == Array("GCOL".utf8) })
        // The first object's size field: 16 bytes of collection header, then index, references, reserved.
        for offset in 0..<8 { bytes[start + 16 + 8 + offset] = 0xFF }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        #expect {
            _ = try File.open(path).attribute("note", as: String.self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.message.contains("runs past the collection")
        }
    }
}
