import Foundation
import HDF5
import TestSupport
import Testing

/// Chunks filtered outside HDF5 (`ChunkFilters.encode`) and stored with `Dataset.writeChunk` must read back
/// exactly as rows appended through HDF5's own filters do, in our reader and in h5py, edge chunks included.
@Suite("Chunks filtered outside HDF5")
struct ChunkWriteTests {
    struct Row: CompoundRow, Equatable {
        var step: Int64
        var loss: Double
        var norm: Double
        static let fields: [CompoundField<Row>] = [.init("step", \.step), .init("loss", \.loss), .init("norm", \.norm)]
    }

    /// Padding in memory (4 bytes after `scale`), none in the file: encode must pack it as HDF5 would.
    struct PaddedRow: CompoundRow, Equatable {
        var step: Int64
        var scale: Float
        var count: Int64
        static let fields: [CompoundField<PaddedRow>] = [
            .init("step", \.step), .init("scale", \.scale), .init("count", \.count),
        ]
    }

    static let layout = DatasetLayout.appendable(chunkRows: 64, compression: .deflate(level: 4, shuffle: true))

    static func rows(_ count: Int) -> [Row] {
        (0..<count).map { Row(step: Int64($0), loss: 2.3 / Double($0 + 1), norm: sin(Double($0)) * 1e3) }
    }

    /// Appends `values` (rows of `width` elements) in `rowsPerWrite`-row pieces the way the recorder does: whole
    /// chunks encoded once, the partial last chunk encoded again whenever it grows.
    static func writeInPieces<Element: DatasetElement>(
        _ values: [Element], width: Int, rowsPerWrite: Int, to dataset: Dataset
    ) throws {
        let filters = try #require(try dataset.chunkFilters(for: Element.self))
        let rowCount = values.count / width
        var stored = 0
        while stored < rowCount {
            // From the chunk the file's last row lies in: a partial chunk is encoded again, whole.
            var start = stored / filters.chunkRows * filters.chunkRows
            stored = min(rowCount, stored + rowsPerWrite)
            try dataset.setRowCount(stored)
            while start < stored {
                let end = min(stored, start + filters.chunkRows)
                let chunk = Array(values[(start * width)..<(end * width)])
                try dataset.writeChunk(chunk.withUnsafeBytes { filters.encode($0) }, firstRow: start)
                start += filters.chunkRows
            }
        }
    }

    @Test("compound rows and a 2-D int64 table, with a partial last chunk, read back as HDF5-filtered appends do")
    func parallelChunksReadBackIdentical() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("chunks.h5")
        let rows = Self.rows(1000)  // 15 whole chunks of 64 and one of 40
        let columns = 42
        let histogram = (0..<(150 * columns)).map { Int64($0 * 7919 % 100_003) - 50_000 }
        do {
            let file = try File.create(path, crashConsistent: true)
            let ours = try file.createDataset("ours", of: Row.self, shape: [0], layout: Self.layout)
            let theirs = try file.createDataset("theirs", of: Row.self, shape: [0], layout: Self.layout)
            let hist = try file.createDataset("phi_hist", of: Int64.self, shape: [0, columns], layout: Self.layout)
            let histTheirs = try file.createDataset(
                "phi_hist_theirs", of: Int64.self, shape: [0, columns], layout: Self.layout)
            try Self.writeInPieces(rows, width: 1, rowsPerWrite: 200, to: ours)
            try theirs.append(rows)
            try Self.writeInPieces(histogram, width: columns, rowsPerWrite: 50, to: hist)
            try histTheirs.append(histogram)
            try file.flush()
            try file.close()
        }
        let file = try File.open(path)
        #expect(try file.openDataset("ours").read(as: Row.self) == rows)
        #expect(try file.openDataset("phi_hist").read(as: Int64.self) == histogram)
        #expect(try file.openDataset("phi_hist").shape() == [150, columns])
        // Compressed about as well as HDF5's zlib does: libdeflate at the same level, the same shuffle.
        let ratio = try Double(file.openDataset("ours").storedBytes())
            / Double(file.openDataset("theirs").storedBytes())
        #expect(ratio > 0.8 && ratio < 1.2, "\(ratio)")

        let check = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            for a, b in [("ours", "theirs"), ("phi_hist", "phi_hist_theirs")]:
                x, y = f[a][()], f[b][()]
                assert x.shape == y.shape and x.tobytes() == y.tobytes(), a
                assert f[a].compression == "gzip" and f[a].shuffle, a
                # each stored chunk says every filter ran (mask 0) and decodes with HDF5's own filters
                n = f[a].id.get_num_chunks()
                assert n == (16 if a == "ours" else 3), (a, n)
                for i in range(n):
                    info = f[a].id.get_chunk_info(i)
                    assert info.filter_mask == 0, (a, i, info)
            print("ok")
            """, arguments: [path])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }

    @Test("a row type with padding in memory is packed as HDF5 packs it")
    func paddedRowsArePacked() throws {
        #expect(MemoryLayout<PaddedRow>.stride == 24)
        let directory = TemporaryDirectory()
        let path = directory.file("padded.h5")
        let rows = (0..<100).map { PaddedRow(step: Int64($0), scale: Float($0) / 3, count: Int64($0 * $0)) }
        do {
            let file = try File.create(path)
            let dataset = try file.createDataset("rows", of: PaddedRow.self, shape: [0], layout: Self.layout)
            try Self.writeInPieces(rows, width: 1, rowsPerWrite: 30, to: dataset)
            try file.close()
        }
        #expect(try File.open(path).openDataset("rows").read(as: PaddedRow.self) == rows)
        let check = try PythonScript.run(
            """
            import sys, h5py
            d = h5py.File(sys.argv[1], "r")["rows"]
            assert d.dtype.itemsize == 20, d.dtype
            assert list(d["count"][:4]) == [0, 1, 4, 9] and abs(d["scale"][99] - 33.0) < 1e-5
            print("ok")
            """, arguments: [path])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }

    @Test("only pipelines it reproduces are offered: not contiguous data, a row split across chunks, another type")
    func unsupportedPipelines() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("other.h5"))
        let contiguous = try file.createDataset("fixed", values: [1.0, 2.0, 3.0])
        #expect(try contiguous.chunkFilters(for: Double.self) == nil)
        let split = try file.createDataset(
            "split", of: Int64.self, shape: [0, 8],
            layout: DatasetLayout(chunkShape: [16, 4], isAppendable: true, compression: .deflate(level: 4, shuffle: true)))
        #expect(try split.chunkFilters(for: Int64.self) == nil)
        let rows = try file.createDataset("rows", of: Row.self, shape: [0], layout: Self.layout)
        #expect(try rows.chunkFilters(for: PaddedRow.self) == nil)
        let filters = try #require(try rows.chunkFilters(for: Row.self))
        #expect(filters.shuffle && filters.deflateLevel == 4 && filters.chunkRows == 64 && filters.elementSize == 24)
        let plain = try file.createDataset(
            "plain", of: Float.self, shape: [0], layout: .appendable(chunkRows: 8, compression: .none))
        let none = try #require(try plain.chunkFilters(for: Float.self))
        #expect(!none.shuffle && none.deflateLevel == nil)
    }
}
