import Foundation
import HDF5
import TestSupport
import Testing

/// A row as it was first written: two fields.
private struct FirstRow: CompoundRow {
    var step: Int64
    var loss: Double
    static let fields: [CompoundField<FirstRow>] = [.init("step", \.step), .init("loss", \.loss)]
}

/// The same row after a field was added, one that older tables read as NaN, and one they must have.
private struct LaterRow: CompoundRow {
    var step: Int64
    var loss: Double
    var accuracy: Double
    static let fields: [CompoundField<LaterRow>] = [
        .init("step", \.step), .init("loss", \.loss), .init("accuracy", \.accuracy, whenAbsent: .nan),
    ]
}

private struct RequiredRow: CompoundRow {
    var step: Int64
    var accuracy: Double
    static let fields: [CompoundField<RequiredRow>] = [.init("step", \.step), .init("accuracy", \.accuracy)]
}

@Suite("Fields added to a row later")
struct AbsentFieldTests {
    @Test(
        "a table written before a field existed reads it as its stand-in, by H5Dread and raw chunks alike",
        arguments: [Compression.none, .deflate(level: 4, shuffle: true)])
    func olderTables(compression: Compression) throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let rows = (0..<2500).map { FirstRow(step: Int64($0), loss: 1 / Double($0 + 1)) }
        do {
            let file = try File.create(path)
            try file.createDataset(
                "evals", of: FirstRow.self, shape: [0], layout: .appendable(chunkRows: 1024, compression: compression)
            ).append(rows)
            try file.close()
        }
        let file = try File.open(path)
        let dataset = try file.openDataset("evals")
        let read = try dataset.readRows(3..<2100, as: LaterRow.self)
        #expect(read.count == 2097 && read.allSatisfy(\.accuracy.isNaN))
        #expect(read.map(\.step) == rows[3..<2100].map(\.step) && read.map(\.loss) == rows[3..<2100].map(\.loss))
        let decoder = try #require(try dataset.rawChunkDecoder(as: LaterRow.self))
        #expect(decoder.writesEveryByte)
        let raw = try RawChunkReadTests.rawRows(dataset, 3..<2100, decoder)
        #expect(raw.allSatisfy(\.accuracy.isNaN) && raw.map(\.loss) == read.map(\.loss))
        #expect(raw.map(\.step) == read.map(\.step))
        // A field without a stand-in is still required: the read names it.
        #expect {
            _ = try dataset.readRows(0..<1, as: RequiredRow.self)
        } throws: { error in
            "\(error)".contains("no field 'accuracy'")
        }
    }

    @Test("a table that has the field reads its values, and the stand-in is never used")
    func newerTables() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let rows = (0..<50).map { LaterRow(step: Int64($0), loss: 1, accuracy: Double($0) / 50) }
        do {
            let file = try File.create(path)
            try file.createDataset("evals", of: LaterRow.self, shape: [0], layout: .appendable(chunkRows: 16))
                .append(rows)
            try file.close()
        }
        let read = try File.open(path).openDataset("evals").read(as: LaterRow.self)
        #expect(read.map(\.accuracy) == rows.map(\.accuracy))
        #expect(LaterRow.fields.map(\.mayBeAbsent) == [false, false, true])
    }
}
