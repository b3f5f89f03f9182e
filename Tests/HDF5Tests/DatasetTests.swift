import HDF5
import TestSupport
import Testing

/// A per-step row with mixed field sizes, so the in-memory struct has padding the file type must drop.
struct StepRow: CompoundRow, Equatable {
    var step: Int64
    var loss: Float
    var learningRate: Double
    var diverged: UInt8
    static let fields: [CompoundField<StepRow>] = [
        .init("step", \.step), .init("loss", \.loss), .init("learning_rate", \.learningRate),
        .init("diverged", \.diverged),
    ]
}

@Suite("Dataset")
struct DatasetTests {
    @Test("fixed-size datasets of every scalar type round-trip exactly, with their shapes")
    func scalarRoundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("d.h5")
        let floats: [Float] = [0, -1.5, .pi, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1e-7]
        let doubles: [Double] = [1e-300, -2.5, .pi]
        let ints: [Int64] = [.min, -1, 0, .max]
        let bytes: [UInt8] = [0, 1, 127, 255]
        do {
            let file = try File.create(path)
            try file.createDataset("floats", values: floats, shape: [2, 3])
            try file.createDataset("doubles", values: doubles)
            try file.createDataset("ints", values: ints)
            try file.createDataset("bytes", values: bytes, shape: [2, 2])
            try file.close()
        }
        let file = try File.open(path)
        let f = try file.openDataset("floats")
        #expect(try f.shape() == [2, 3])
        #expect(try f.typeDescription() == "float32")
        #expect(try f.chunkShape() == nil)
        #expect(try f.read(as: Float.self) == floats)
        #expect(try f.readRows(1..<2, as: Float.self) == Array(floats[3...]))
        #expect(try file.openDataset("doubles").read(as: Double.self) == doubles)
        #expect(try file.openDataset("ints").read(as: Int64.self) == ints)
        #expect(try file.openDataset("bytes").read(as: UInt8.self) == bytes)
        #expect(try file.openDataset("bytes").typeDescription() == "uint8")
        #expect(try file.kind(of: "ints") == .dataset)
    }

    @Test("widening reads are allowed; lossy or cross-class reads are typeMismatch")
    func typeChecks() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("d.h5")
        let file = try File.create(path)
        try file.createDataset("f32", values: [Float(1.5), 2.5])
        try file.createDataset("f64", values: [1.5, 2.5])
        try file.createDataset("u8", values: [UInt8(200)])
        try file.createDataset("rows", values: [StepRow(step: 1, loss: 2, learningRate: 3, diverged: 0)])

        #expect(try file.openDataset("f32").read(as: Double.self) == [1.5, 2.5])
        #expect(try file.openDataset("u8").read(as: Int64.self) == [200])

        let narrowing = #expect(throws: HDF5Error.self) { try file.openDataset("f64").read(as: Float.self) }
        #expect(narrowing?.code == .typeMismatch)
        #expect(narrowing?.objectPath == "/f64")
        #expect(narrowing?.message.contains("float64") == true)
        #expect(throws: HDF5Error.self) { try file.openDataset("f32").read(as: Int64.self) }
        #expect(throws: HDF5Error.self) { try file.openDataset("rows").read(as: Double.self) }
        #expect(throws: HDF5Error.self) { try file.openDataset("f32").read(as: StepRow.self) }
    }

    @Test("compound rows round-trip, packed in the file, and a row type missing a field is refused")
    func compoundRows() throws {
        struct Partial: CompoundRow {
            var step: Int64
            var accuracy: Double
            static let fields: [CompoundField<Partial>] = [.init("step", \.step), .init("accuracy", \.accuracy)]
        }
        struct Subset: CompoundRow, Equatable {
            var loss: Float
            var step: Int64
            static let fields: [CompoundField<Subset>] = [.init("loss", \.loss), .init("step", \.step)]
        }
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("rows.h5"))
        let rows = (0..<100).map { (index: Int) -> StepRow in
            let loss = 1 / Float(index + 1)
            let diverged: UInt8 = index == 99 ? 1 : 0
            return StepRow(step: Int64(index), loss: loss, learningRate: 1e-3 * Double(index), diverged: diverged)
        }
        let table = try file.createDataset("steps", values: rows)
        #expect(try table.typeDescription() == "compound{step,loss,learning_rate,diverged}")
        #expect(try table.read(as: StepRow.self) == rows)
        #expect(try table.readRows(10..<12, as: StepRow.self) == Array(rows[10..<12]))
        // Reading a subset of fields, in another order, converts by name (what h5py does too).
        #expect(try table.read(as: Subset.self) == rows.map { Subset(loss: $0.loss, step: $0.step) })

        let error = #expect(throws: HDF5Error.self) { try table.read(as: Partial.self) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.message.contains("accuracy") == true)
    }

    @Test("10,000 rows appended in uneven batches to a compressed chunked dataset read back exactly")
    func appendTenThousandRows() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("append.h5")
        var expected: [Float] = []
        var expectedRows: [StepRow] = []
        do {
            let file = try File.create(path)
            let grads = try file.createDataset(
                "grads", of: Float.self, shape: [0, 3],
                layout: .appendable(chunkRows: 256, compression: .deflate(level: 4, shuffle: true)))
            let steps = try file.createDataset(
                "steps", of: StepRow.self, shape: [0], layout: .appendable(chunkRows: 1000))
            var random = SplitMix(seed: 7)
            var written = 0
            while written < 10_000 {
                let batch = min(1 + Int(random.next() % 700), 10_000 - written)
                let values = (0..<(batch * 3)).map { _ in Float(Int(random.next() % 2001) - 1000) / 7 }
                let rows = (0..<batch).map { (index: Int) -> StepRow in
                    let step = written + index
                    return StepRow(step: Int64(step), loss: values[index * 3], learningRate: Double(step), diverged: 0)
                }
                #expect(try grads.append(values) == written + batch)
                try steps.append(rows)
                expected += values
                expectedRows += rows
                written += batch
            }
            try file.close()
        }
        let file = try File.open(path)
        let grads = try file.openDataset("grads")
        #expect(try grads.shape() == [10_000, 3])
        #expect(try grads.maxShape() == [nil, 3])
        #expect(try grads.chunkShape() == [256, 3])
        #expect(try grads.read(as: Float.self) == expected)
        #expect(try grads.readRows(9_990..<10_000, as: Float.self) == Array(expected[29_970...]))
        #expect(try file.openDataset("steps").read(as: StepRow.self) == expectedRows)
    }

    @Test("shape errors are typed: wrong count, partial row, fixed dataset, rows out of range")
    func shapeErrors() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("bad.h5"))
        let fixed = try file.createDataset("fixed", of: Double.self, shape: [4])
        #expect(throws: HDF5Error.self) { try fixed.write([1.0, 2.0]) }
        let notAppendable = #expect(throws: HDF5Error.self) { try fixed.append([1.0]) }
        #expect(notAppendable?.code == .badShape)
        #expect(notAppendable?.message.contains("appendable") == true)

        let table = try file.createDataset("table", of: Float.self, shape: [0, 4], layout: .appendable(chunkRows: 8))
        let partial = #expect(throws: HDF5Error.self) { try table.append([Float](repeating: 0, count: 6)) }
        #expect(partial?.code == .badShape)
        try table.append([Float](repeating: 1, count: 8))
        let outside = #expect(throws: HDF5Error.self) { try table.readRows(1..<3, as: Float.self) }
        #expect(outside?.code == .badShape)

        let noChunks = #expect(throws: HDF5Error.self) {
            try file.createDataset(
                "c", of: Float.self, shape: [3], layout: DatasetLayout(compression: .deflate(level: 4, shuffle: false)))
        }
        #expect(noChunks?.code == .badShape)
        #expect(throws: HDF5Error.self) { try file.createDataset("table", of: Float.self, shape: [1]) }
        let missing = #expect(throws: HDF5Error.self) { try file.openDataset("runs/r0/loss") }
        #expect(missing?.code == .objectNotFound)
        #expect(missing?.objectPath == "/runs/r0/loss")
    }

    @Test("an empty appendable dataset reads as no rows")
    func emptyDataset() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("empty.h5"))
        let table = try file.createDataset("t", of: Int64.self, shape: [0], layout: .appendable(chunkRows: 16))
        #expect(try table.read(as: Int64.self) == [])
        #expect(try table.rowCount() == 0)
    }
}

/// A tiny deterministic generator for test data; the tensor module's RNG is not a dependency of these tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
