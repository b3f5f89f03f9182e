import Foundation
import HDF5
import TestSupport
import Testing

/// A row whose memory layout is its packed file type (no padding): decoded chunks are unshuffled straight into it.
struct PackedRow: CompoundRow, Equatable {
    var step: Int64
    var value: Double
    static let fields: [CompoundField<PackedRow>] = [.init("step", \.step), .init("value", \.value)]
}

@Suite("Raw chunk reads: H5Dread_chunk, decoded outside HDF5")
struct RawChunkReadTests {
    /// `rows` decoded from raw chunks, one chunk after another on this thread.
    static func rawRows<Element: DatasetElement>(
        _ dataset: Dataset, _ rows: Range<Int>, _ decoder: RawChunkDecoder<Element>
    ) throws -> [Element] {
        let chunks = try dataset.readRawChunks(covering: rows, for: decoder)
        let count = rows.count * decoder.rowElements
        var block = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
            initialized = count
        }
        let scratch = RawChunkScratch()
        try block.withUnsafeMutableBufferPointer { buffer in
            for chunk in chunks {
                #expect(chunk.stored != nil, "chunk \(chunk.rows) left to H5Dread")
                try decoder.decode(chunk, into: buffer, blockRows: rows, scratch: scratch)
            }
        }
        return block
    }

    /// Row ranges that start and end mid-chunk, on chunk edges, in the partial last chunk, and the whole extent.
    static func ranges(count: Int, chunk: Int) -> [Range<Int>] {
        [
            0..<count, 0..<1, 1..<(chunk + 1), (chunk - 1)..<(chunk + 1), chunk..<(2 * chunk), (count - 1)..<count,
            (2 * chunk - 3)..<count, 17..<(3 * chunk - 5),
        ].filter { $0.upperBound <= count && !$0.isEmpty }
    }

    static let compressions: [Compression] = [
        .none, .deflate(level: 4, shuffle: false), .deflate(level: 4, shuffle: true),
    ]

    @Test(
        "compound rows with padding, packed rows, floats and 2-D rows read raw equal readRows", arguments: compressions)
    func matchesReadRows(compression: Compression) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("raw.h5")
        let count = 2500
        let steps = (0..<count).map { (index: Int) -> StepRow in
            let loss = Float(index) * 0.37
            return StepRow(
                step: Int64(index), loss: loss, learningRate: 1 / Double(index + 1), diverged: UInt8(index % 3))
        }
        let packed = (0..<count).map { PackedRow(step: Int64($0), value: sin(Double($0))) }
        let floats = (0..<count).map { Float($0).squareRoot() }
        let wide = (0..<(300 * 7)).map { Int64($0 &* 2_654_435_761 % 1000) }
        do {
            let file = try File.create(path)
            let layout = DatasetLayout.appendable(chunkRows: 1024, compression: compression)
            try file.createDataset("steps", of: StepRow.self, shape: [0], layout: layout).append(steps)
            try file.createDataset("packed", of: PackedRow.self, shape: [0], layout: layout).append(packed)
            try file.createDataset("floats", of: Float.self, shape: [0], layout: layout).append(floats)
            try file.createDataset(
                "wide", of: Int64.self, shape: [0, 7], layout: .appendable(chunkRows: 64, compression: compression)
            ).append(wide)
            try file.close()
        }
        let file = try File.open(path)
        func check<Element: DatasetElement & Equatable>(_ name: String, _ type: Element.Type, chunk: Int) throws {
            let dataset = try file.openDataset(name)
            let decoder = try #require(try dataset.rawChunkDecoder(as: Element.self), "\(name): no raw path")
            #expect(decoder.chunkRows == chunk)
            let rows = try dataset.rowCount()
            for range in Self.ranges(count: rows, chunk: chunk) {
                let raw = try Self.rawRows(dataset, range, decoder)
                let read = try dataset.readRows(range, as: Element.self)
                #expect(raw == read, "\(name) rows \(range)")
            }
        }
        try check("steps", StepRow.self, chunk: 1024)
        try check("packed", PackedRow.self, chunk: 1024)
        try check("floats", Float.self, chunk: 1024)
        try check("wide", Int64.self, chunk: 64)
        let packedSet = try file.openDataset("packed")
        let packedDecoder = try #require(try packedSet.rawChunkDecoder(as: PackedRow.self))
        #expect(try Self.rawRows(packedSet, 0..<count, packedDecoder) == packed)
    }

    @Test("h5py's datasets, with and without shuffle, and shuffle alone, read raw as readRows reads them")
    func h5pyDatasets() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let path = directory.file("h5py.h5")
        let made = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            rows = np.zeros(3000, dtype=[("step", "<i8"), ("value", "<f8")])
            rows["step"] = np.arange(3000); rows["value"] = np.cos(np.arange(3000))
            with h5py.File(sys.argv[1], "w") as f:
                f.create_dataset("gzip", data=rows, chunks=(512,), compression="gzip", compression_opts=6)
                f.create_dataset("both", data=rows, chunks=(512,), shuffle=True, compression="gzip")
                f.create_dataset("shuffle", data=rows, chunks=(512,), shuffle=True)
                f.create_dataset("hist", data=np.arange(3000 * 5).reshape(3000, 5), chunks=(100, 5), shuffle=True,
                                 compression="gzip")
            """, arguments: [path])
        try #require(made.status == 0, "\(made.standardError)")
        let file = try File.open(path)
        for name in ["gzip", "both", "shuffle"] {
            let dataset = try file.openDataset(name)
            let decoder = try #require(try dataset.rawChunkDecoder(as: PackedRow.self), "\(name)")
            for range in Self.ranges(count: 3000, chunk: 512) {
                #expect(try Self.rawRows(dataset, range, decoder) == dataset.readRows(range, as: PackedRow.self))
            }
        }
        let hist = try file.openDataset("hist")
        let decoder = try #require(try hist.rawChunkDecoder(as: Int64.self))
        #expect(decoder.rowElements == 5)
        for range in Self.ranges(count: 3000, chunk: 100) {
            #expect(try Self.rawRows(hist, range, decoder) == hist.readRows(range, as: Int64.self))
        }
    }

    @Test("no raw path where HDF5 must convert, filter or follow a writer: readRows still reads those")
    func fallsBack() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let path = directory.file("other.h5")
        let made = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            rows = np.zeros(2000, dtype=[("step", "<i8"), ("value", "<f8")])
            rows["step"] = np.arange(2000); rows["value"] = np.arange(2000) / 7
            narrow = np.zeros(2000, dtype=[("step", "<i4"), ("value", "<f8")])
            narrow["step"] = np.arange(2000)
            with h5py.File(sys.argv[1], "w") as f:
                f.create_dataset("fletcher", data=rows, chunks=(256,), compression="gzip", fletcher32=True)
                f.create_dataset("bigendian", data=rows.astype([("step", ">i8"), ("value", ">f8")]), chunks=(256,),
                                 compression="gzip")
                f.create_dataset("narrow", data=narrow, chunks=(256,), compression="gzip")
                f.create_dataset("contiguous", data=rows)
                f.create_dataset("squares", data=np.arange(2000 * 6).reshape(2000, 6), chunks=(100, 3))
                f.create_dataset("single", data=np.arange(2000, dtype="f4"), chunks=(256,), compression="gzip")
            """, arguments: [path])
        try #require(made.status == 0, "\(made.standardError)")
        let file = try File.open(path)
        for name in ["fletcher", "bigendian", "narrow", "contiguous"] {
            let dataset = try file.openDataset(name)
            #expect(try dataset.rawChunkDecoder(as: PackedRow.self) == nil, "\(name)")
            let rows = try dataset.readRows(100..<300, as: PackedRow.self)
            #expect(rows.map(\.step) == (100..<300).map { Int64($0) }, "\(name)")
        }
        // Chunks that do not span whole rows; a float32 read as Double (a conversion, not a copy).
        #expect(try file.openDataset("squares").rawChunkDecoder(as: Int64.self) == nil)
        #expect(try file.openDataset("single").rawChunkDecoder(as: Double.self) == nil)
        #expect(try file.openDataset("single").rawChunkDecoder(as: Float.self) != nil)
        try file.close()

        // A file open for writing, or followed as a SWMR reader, is read through HDF5 only.
        let writable = try File.open(path, mode: .readWrite)
        #expect(try writable.openDataset("single").rawChunkDecoder(as: Float.self) == nil)
        try writable.close()
        let live = directory.file("live.h5")
        do {
            let file = try File.create(live, format: .latest)
            try file.createDataset(
                "values", of: Float.self, shape: [0],
                layout: .appendable(chunkRows: 64, compression: .deflate(level: 4, shuffle: true))
            ).append((0..<200).map(Float.init))
            try file.close()
        }
        let follower = try File.open(live, mode: .swmrRead)
        #expect(try follower.openDataset("values").rawChunkDecoder(as: Float.self) == nil)
        try follower.close()
        #expect(try File.open(live).openDataset("values").rawChunkDecoder(as: Float.self) != nil)
    }

    @Test("a chunk stored with a filter skipped, or never written, is left to readRows")
    func chunksLeftToReadRows() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let path = directory.file("mask.h5")
        let made = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                d = f.create_dataset("values", shape=(4096,), dtype="<f8", chunks=(1024,), shuffle=True,
                                     compression="gzip")
                d[0:1024] = np.arange(1024)
                d[3072:4096] = np.arange(1024) + 3072
                # Chunk 1 stored with the deflate filter (bit 1) skipped: shuffled bytes, not deflated.
                plain = (np.arange(1024) + 1024).astype("<f8").view(np.uint8).reshape(1024, 8).T.copy().tobytes()
                d.id.write_direct_chunk((1024,), plain, filter_mask=2)
                # Chunk 2 is never written: the fill value (0) stands in.
            """, arguments: [path])
        try #require(made.status == 0, "\(made.standardError)")
        let file = try File.open(path)
        let dataset = try file.openDataset("values")
        let decoder = try #require(try dataset.rawChunkDecoder(as: Double.self))
        let chunks = try dataset.readRawChunks(covering: 0..<4096, for: decoder)
        #expect(chunks.map { $0.stored != nil } == [true, false, false, true])
        #expect(chunks.map(\.rows) == [0..<1024, 1024..<2048, 2048..<3072, 3072..<4096])
        let expected = (0..<4096).map { (2048..<3072).contains($0) ? 0 : Double($0) }
        #expect(try dataset.readRows(0..<4096, as: Double.self) == expected)
    }

    @Test("a damaged chunk does not decode (an error, never other numbers); a size past any chunk is not allocated")
    func damagedChunks() throws {
        try #require(PythonScript.canImport("h5py"))
        let directory = TemporaryDirectory()
        let path = directory.file("damaged.h5")
        do {
            let file = try File.create(path)
            try file.createDataset(
                "values", of: PackedRow.self, shape: [0],
                layout: .appendable(chunkRows: 512, compression: .deflate(level: 4, shuffle: true))
            ).append((0..<2048).map { PackedRow(step: Int64($0), value: Double($0) / 3) })
            try file.close()
        }
        let flipped = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                info = f["values"].id.get_chunk_info(2)
            with open(sys.argv[1], "r+b") as raw:
                raw.seek(info.byte_offset + info.size // 2)
                raw.write(bytes(64))
            with h5py.File(sys.argv[1], "a") as f:
                d = f.create_dataset("oversized", shape=(1024,), dtype="<f8", chunks=(64,), compression="gzip")
                d.id.write_direct_chunk((0,), bytes(4096))
            """, arguments: [path])
        try #require(flipped.status == 0, "\(flipped.standardError)")
        let file = try File.open(path)
        let dataset = try file.openDataset("values")
        let decoder = try #require(try dataset.rawChunkDecoder(as: PackedRow.self))
        #expect(try Self.rawRows(dataset, 0..<1024, decoder) == dataset.readRows(0..<1024, as: PackedRow.self))
        #expect(throws: ChunkCodec.DecodeError.self) { _ = try Self.rawRows(dataset, 1024..<1536, decoder) }
        #expect(throws: HDF5Error.self) { _ = try dataset.readRows(1024..<1536, as: PackedRow.self) }

        // 4096 stored bytes for a chunk of 64 doubles (512 bytes): a damaged size, refused before reading it.
        let oversized = try file.openDataset("oversized")
        let small = try #require(try oversized.rawChunkDecoder(as: Double.self))
        #expect {
            _ = try oversized.readRawChunks(covering: 0..<10, for: small)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.message.contains("claims 4096 stored bytes")
                && error.objectPath == "/oversized"
        }
    }
}
