import Foundation
import Tensors
import TestSupport
import Testing
import Training

@Suite("Gzip")
struct GzipTests {
    /// Bytes from a small alphabet: compressible, but not trivially, and longer than one 64 KiB output chunk.
    private func sampleBytes(count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8(ascii: "a") + UInt8(random.index(below: 20)) }
    }

    @Test("decompresses what the system's gzip compressed")
    func roundTrip() throws {
        let directory = TemporaryDirectory(prefix: "normscope-gzip")
        let original = sampleBytes(count: 300_000, seed: 1)
        let path = directory.file("sample.bin")
        try DataFixtures.write(original, to: path)
        let compressed = Data(try DataFixtures.read(try DataFixtures.gzip(path)))
        #expect(Gzip.isCompressed(compressed))
        #expect(compressed.count < original.count)
        let restored = try Gzip.decompress(compressed, filePath: path + ".gz")
        #expect([UInt8](restored) == original)
    }

    @Test("data without the 1f 8b magic passes through unchanged")
    func passThrough() throws {
        let plain = Data("1,2,3\n4,5,6\n".utf8)
        #expect(!Gzip.isCompressed(plain))
        #expect(try Gzip.decompress(plain, filePath: "plain.csv") == plain)
        #expect(try Gzip.decompress(Data(), filePath: "empty") == Data())
    }

    @Test("concatenated gzip members decompress one after the other, as gunzip does")
    func concatenatedMembers() throws {
        let directory = TemporaryDirectory(prefix: "normscope-gzip")
        let first = Array("first part\n".utf8)
        let second = sampleBytes(count: 100_000, seed: 2)
        try DataFixtures.write(first, to: directory.file("a"))
        try DataFixtures.write(second, to: directory.file("b"))
        let joined =
            try DataFixtures.read(try DataFixtures.gzip(directory.file("a")))
            + DataFixtures.read(try DataFixtures.gzip(directory.file("b")))
        #expect([UInt8](try Gzip.decompress(Data(joined), filePath: "ab.gz")) == first + second)
    }

    @Test("a truncated gzip file is a DataError naming the file")
    func truncated() throws {
        let directory = TemporaryDirectory(prefix: "normscope-gzip")
        let path = directory.file("sample.bin")
        try DataFixtures.write(sampleBytes(count: 50_000, seed: 3), to: path)
        let compressed = try DataFixtures.read(try DataFixtures.gzip(path))
        let cut = Data(compressed.prefix(compressed.count / 2))
        let error = #expect(throws: DataError.self) { try Gzip.decompress(cut, filePath: "cut.gz") }
        #expect(error?.filePath == "cut.gz")
        #expect(error?.description.contains("truncated") == true)
    }

    @Test("corrupted deflate data is a DataError carrying zlib's reason")
    func corrupted() throws {
        // A valid gzip header (deflate, no flags) followed by a block of the reserved type 3, which inflate rejects.
        let bytes: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
        let error = #expect(throws: DataError.self) { try Gzip.decompress(Data(bytes), filePath: "bad.gz") }
        #expect(error?.description.hasPrefix("bad.gz: cannot decompress gzip data: invalid block type") == true)
        #expect(error?.description.contains("Z_DATA_ERROR") == true)
    }
}
