import Foundation
import HDF5
import TestSupport
import Testing

@Suite("ChunkCodec: HDF5's shuffle and deflate outside HDF5")
struct ChunkCodecTests {
    static func sample(_ count: Int) -> [UInt8] {
        // Float-like rows: compressible but not trivially.
        (0..<count).map { UInt8(truncatingIfNeeded: ($0 / 7) &* 31 ^ ($0 % 13)) }
    }

    @Test(
        "deflate then inflate gives the bytes back, for empty, odd and chunk-sized inputs",
        arguments: [0, 1, 37, 65536])
    func roundTrip(size: Int) throws {
        let input = Self.sample(size)
        let compressed = input.withUnsafeBytes { ChunkCodec.deflate($0, level: 4) }
        var output = [UInt8](repeating: 0xAA, count: size)
        try compressed.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { try ChunkCodec.inflate(source, into: $0) }
        }
        #expect(output == input)
    }

    @Test("its streams are zlib's: Python's zlib inflates ours, and ours inflates Python's")
    func zlibInterop() throws {
        let input = Self.sample(10000)
        let directory = TemporaryDirectory()
        let ours = input.withUnsafeBytes { ChunkCodec.deflate($0, level: 6) }
        try Data(ours).write(to: URL(fileURLWithPath: directory.file("ours.z")))
        try Data(input).write(to: URL(fileURLWithPath: directory.file("plain")))
        let script = """
            import sys, zlib
            d = sys.argv[1]
            plain = open(d + "/plain", "rb").read()
            assert zlib.decompress(open(d + "/ours.z", "rb").read()) == plain
            open(d + "/theirs.z", "wb").write(zlib.compress(plain, 4))
            print("ok")
            """
        let output = try PythonScript.run(script, arguments: [directory.path])
        #expect(output.standardOutput == "ok\n", "\(output.standardError)")
        let theirs = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file("theirs.z"))))
        var decoded = [UInt8](repeating: 0, count: input.count)
        try theirs.withUnsafeBytes { source in
            try decoded.withUnsafeMutableBytes { try ChunkCodec.inflate(source, into: $0) }
        }
        #expect(decoded == input)
    }

    @Test("a damaged stream, or one of another length than the chunk, is an error, never wrong bytes")
    func damagedStreams() throws {
        let input = Self.sample(4096)
        var compressed = input.withUnsafeBytes { ChunkCodec.deflate($0, level: 4) }
        var output = [UInt8](repeating: 0, count: input.count)
        let short = [UInt8](repeating: 0, count: input.count - 1)
        #expect(throws: ChunkCodec.DecodeError.self) {
            var buffer = short
            try compressed.withUnsafeBytes { source in
                try buffer.withUnsafeMutableBytes { try ChunkCodec.inflate(source, into: $0) }
            }
        }
        #expect(throws: ChunkCodec.DecodeError.self) {
            var buffer = [UInt8](repeating: 0, count: input.count + 1)
            try compressed.withUnsafeBytes { source in
                try buffer.withUnsafeMutableBytes { try ChunkCodec.inflate(source, into: $0) }
            }
        }
        // The last four bytes are the Adler-32 of the data: a flipped bit there is caught too.
        compressed[compressed.count - 1] ^= 1
        #expect(throws: ChunkCodec.DecodeError.self) {
            try compressed.withUnsafeBytes { source in
                try output.withUnsafeMutableBytes { try ChunkCodec.inflate(source, into: $0) }
            }
        }
    }

    @Test("shuffle puts byte j of element i at j·n + i, keeps a partial element's bytes, and unshuffle undoes it")
    func shuffleLayout() {
        let input: [UInt8] = [0xA0, 0xA1, 0xA2, 0xA3, 0xB0, 0xB1, 0xB2, 0xB3, 0xC0, 0xC1, 0xC2, 0xC3, 0xEE]
        var shuffled = [UInt8](repeating: 0, count: input.count)
        input.withUnsafeBytes { source in
            shuffled.withUnsafeMutableBytes { ChunkCodec.shuffle(source, elementSize: 4, into: $0) }
        }
        #expect(shuffled == [0xA0, 0xB0, 0xC0, 0xA1, 0xB1, 0xC1, 0xA2, 0xB2, 0xC2, 0xA3, 0xB3, 0xC3, 0xEE])
        for elementSize in [1, 3, 4, 8, 40] {
            let data = Self.sample(1000)
            var there = [UInt8](repeating: 0, count: data.count)
            var back = [UInt8](repeating: 0, count: data.count)
            data.withUnsafeBytes { source in
                there.withUnsafeMutableBytes { ChunkCodec.shuffle(source, elementSize: elementSize, into: $0) }
            }
            there.withUnsafeBytes { source in
                back.withUnsafeMutableBytes { ChunkCodec.unshuffle(source, elementSize: elementSize, into: $0) }
            }
            #expect(back == data, "element size \(elementSize)")
        }
    }

    @Test("a chunk h5py stored with shuffle + deflate decodes here to the chunk's values")
    func h5pyChunk() throws {
        let directory = TemporaryDirectory()
        let script = """
            import sys, h5py, numpy as np
            d = sys.argv[1]
            rows = np.zeros(1024, dtype=[("step", "<i8"), ("loss", "<f4"), ("norm", "<f8")])
            rows["step"] = np.arange(1024); rows["loss"] = np.linspace(2.3, 0.1, 1024); rows["norm"] = np.sqrt(rows["step"])
            with h5py.File(d + "/t.h5", "w") as f:
                f.create_dataset("rows", data=rows, chunks=(1024,), shuffle=True, compression="gzip", compression_opts=4)
            with h5py.File(d + "/t.h5", "r") as f:
                mask, raw = f["rows"].id.read_direct_chunk((0,))
            assert mask == 0
            open(d + "/chunk.z", "wb").write(raw)
            open(d + "/plain", "wb").write(rows.tobytes())
            print(rows.dtype.itemsize)
            """
        let output = try PythonScript.run(script, arguments: [directory.path])
        try #require(output.status == 0, "\(output.standardError)")
        let elementSize = try #require(Int(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)))
        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file("chunk.z"))))
        let plain = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.file("plain"))))
        var shuffled = [UInt8](repeating: 0, count: plain.count)
        var rows = [UInt8](repeating: 0, count: plain.count)
        try raw.withUnsafeBytes { source in
            try shuffled.withUnsafeMutableBytes { try ChunkCodec.inflate(source, into: $0) }
        }
        shuffled.withUnsafeBytes { source in
            rows.withUnsafeMutableBytes { ChunkCodec.unshuffle(source, elementSize: elementSize, into: $0) }
        }
        #expect(elementSize == 20 && rows == plain)
    }
}
