import Foundation
import HDF5
import Recording
import Tensors
import TestSupport
import Testing

@testable import Analysis

/// `BlockReader` on real traces: its raw-chunk path (chunks inflated on every core, the next block while the caller
/// works on this one) gives exactly the rows `readRows` gives, whatever the block size and the number of tasks, and
/// fails where and how `readRows` fails.
@Suite("BlockReader: raw chunks on every core", .serialized)
struct BlockReaderTests {
    static let steps = 2600
    static let edges = (0...8).map { Double($0) / 4 }

    /// A one-run trace recorded with the writer: 2600 steps (a partial last chunk), two layers, evaluations every
    /// 25 steps and Φ(y) of the second layer every 10 (`phi`, the 2-D `phi_hist`, `phi_step`).
    static func writeTrace(_ path: String) throws {
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        let run = try writer.beginRun(
            RunDescription(
                id: "adanorm-s0", attributes: ["preset": .string("adanorm"), "seed": .int64(0)],
                normLayers: [
                    NormLayerDescription(name: "a", width: 8),
                    NormLayerDescription(name: "b", width: 8, phiEdges: edges),
                ]))
        for step in 0..<steps {
            func norms(_ scale: Double) -> NormStepRow {
                var row = NormStepRow(step: Int64(step))
                row.rows = 16
                row.width = 8
                row.totalNorm = scale * (1 + sin(Double(step)))
                row.directNorm = scale * 2
                row.recenterRatio = 1
                row.rescaleRatio = 0.5 + 0.25 * cos(Double(step))
                return row
            }
            var phi: [PhiRecord] = []
            if step % 10 == 0 {
                let mean = 1 + 1e-9 * Double(step % 7)
                let row = PhiStepRow(
                    step: Int64(step), mean: mean, standardDeviation: 0.1, minimum: 0.5, maximum: 1.5,
                    fractionNonPositive: 0, quantiles: [0.6, 0.7, 0.9, 1, 1.1, 1.3, 1.4])
                phi = [PhiRecord(layerIndex: 1, row: row, counts: (0..<10).map { Int64(($0 * step) % 13) })]
            }
            try writer.append(
                step: StepRow(
                    step: Int64(step), loss: 2 / Double(step + 1), learningRate: 0.01, gradientNorm: 1, seconds: 0.001),
                norms: [norms(1), norms(3)], phi: phi, to: run)
            if step % 25 == 24 {
                try writer.append(
                    evaluation: EvaluationRow(
                        step: Int64(step), trainLoss: 1, trainAccuracy: 0.5, validLoss: 1.5, validAccuracy: 0.4),
                    to: run)
            }
        }
        try writer.finishRun(run, status: .completed, completedSteps: Int64(steps))
        try writer.close()
    }

    static let trace: Result<String, any Error> = Result {
        let path = directory.file("trace.h5")
        try writeTrace(path)
        return path
    }
    static let directory = TemporaryDirectory(prefix: "normscope-blockreader")

    /// Every block of `dataset` through `BlockReader`, concatenated, with the screen's verdicts.
    static func blocks<Element: DatasetElement & Sendable>(
        _ dataset: Dataset, as type: Element.Type, blockRows: Int, tasks: Int,
        screen: RowCheck<Element>? = nil
    ) throws -> (rows: [Element], plausible: [Bool]) {
        let reader = BlockReader(dataset, blockRows: blockRows, parallel: RowParallel(maximumTaskCount: tasks))
        var blocks = try reader.blocks(as: Element.self, screen: screen)
        #expect(blocks.raw != nil, "\(dataset.objectPath) is not read raw")
        // The raw path reads whole chunks per block when a block is at least a chunk, so no chunk is inflated twice.
        let chunk = try #require(try dataset.chunkShape()?.first)
        #expect(blocks.blockRows == (blockRows >= chunk ? blockRows / chunk * chunk : blockRows))
        let width = try dataset.shape().dropFirst().reduce(1, *)
        var rows: [Element] = []
        var plausible: [Bool] = []
        while let (block, first, verdicts) = try blocks.nextScreened() {
            #expect(first * width == rows.count && block.count <= blocks.blockRows * width)
            rows += block
            plausible += verdicts
        }
        return (rows, plausible)
    }

    @Test(
        "steps, grad, evals, phi and the 2-D phi_hist read raw equal readRows, in and across chunks, 1 and 2 tasks",
        arguments: [300, 1000, 2500, 8192])
    func rawBlocksEqualReadRows(blockRows: Int) throws {
        let file = try File.open(try Self.trace.get())
        let run = "/runs/adanorm-s0"
        func check<Row: DatasetElement & Sendable>(_ path: String, _ type: Row.Type) throws {
            let dataset = try file.openDataset(path)
            let expected = try dataset.read(as: Row.self)
            for tasks in [1, 2] {
                let (rows, _) = try Self.blocks(dataset, as: Row.self, blockRows: blockRows, tasks: tasks)
                // Byte for byte: the rows hold NaNs, which == would call different. (These row types have no
                // padding.)
                let same =
                    rows.count == expected.count
                    && rows.withUnsafeBytes { a in expected.withUnsafeBytes { b in a.elementsEqual(b) } }
                #expect(same, "\(path), \(tasks) task(s)")
            }
        }
        try check("\(run)/steps", StepRow.self)
        try check("\(run)/evals", EvaluationRow.self)
        try check("\(run)/norms/a/grad", NormStepRow.self)
        try check("\(run)/norms/b/grad", NormStepRow.self)
        try check("\(run)/norms/b/phi", PhiStepRow.self)
        try check("\(run)/norms/b/phi_hist", Int64.self)
        try check("\(run)/norms/b/phi_step", Int64.self)
        // The screen runs beside the decoding; its verdicts are the rows' own.
        let grad = try file.openDataset("\(run)/norms/a/grad")
        let (rows, plausible) = try Self.blocks(
            grad, as: NormStepRow.self, blockRows: blockRows, tasks: 2, screen: { $0.pointee.problem == nil })
        #expect(plausible == rows.map { $0.problem == nil } && plausible.count == Self.steps)
    }

    @Test("analyze's summary is the same on 1 and 2 tasks")
    func summaryIndependentOfTasks() throws {
        let path = try Self.trace.get()
        let saved = RowParallel.defaultTaskCount
        defer { RowParallel.defaultTaskCount = saved }
        var documents: [Data] = []
        for tasks in [1, 2] {
            RowParallel.defaultTaskCount = tasks
            documents.append(try TraceSummary(paths: [path]).json(baseline: nil))
        }
        #expect(documents[0] == documents[1])
        let summary = try TraceSummary(paths: [path])
        #expect(summary.missing.isEmpty && summary.damaged.isEmpty, "\(summary.missing) \(summary.damaged)")
        #expect(summary.layers["adanorm-s0"]?.count == 2 && summary.layers["adanorm-s0"]?[1].phi != nil)
    }

    @Test("a damaged chunk fails its block with the one-line error naming file, object and rows; the next block reads")
    func damagedChunk() throws {
        try #require(PythonScript.canImport("h5py"))
        let path = Self.directory.file("damaged.h5")
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: try Self.trace.get(), toPath: path)
        let grad = "/runs/adanorm-s0/norms/a/grad"
        let edit = try PythonScript.run(
            """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                info = f[sys.argv[2]].id.get_chunk_info(1)
                assert info.chunk_offset == (1024,), info
            with open(sys.argv[1], "r+b") as raw:
                raw.seek(info.byte_offset + info.size // 2)
                raw.write(bytes(64))
            """, arguments: [path, grad])
        try #require(edit.status == 0, "\(edit.standardError)")
        let file = try File.open(path)
        let dataset = try file.openDataset(grad)
        for tasks in [1, 2] {
            let reader = BlockReader(dataset, blockRows: 1000, parallel: RowParallel(maximumTaskCount: tasks))
            var blocks = try reader.blocks(as: NormStepRow.self)
            #expect(blocks.raw != nil)
            var read: [Range<Int>] = []
            var failed: [String] = []
            while blocks.start < blocks.count {
                let from = blocks.start
                do {
                    guard let (rows, first) = try blocks.next() else { break }
                    read.append(first..<(first + rows.count))
                } catch {
                    failed.append("\(error)")
                    #expect(blocks.start > from)
                }
            }
            // Blocks of 1000 rows within 1024-row chunks: the two that share the damaged chunk fail.
            #expect(read == [0..<1000], "\(read)")
            #expect(failed.count == 2)
            #expect(
                failed.first?.hasPrefix(
                    "\(path): \(grad): rows 1000..<2000 of 2600 unreadable: the chunk of rows 1024..<2048 does not "
                        + "decode (") == true, "\(failed)")
            #expect(failed.allSatisfy { !$0.contains("\n") })
        }
        // readRows fails on the same rows.
        #expect(throws: HDF5Error.self) { _ = try dataset.readRows(1000..<2000, as: NormStepRow.self) }
        let summary = try TraceSummary(paths: [path])
        #expect(
            summary.missing.contains {
                $0.description.contains(
                    "\(path): \(grad): rows 0..<2600 of 2600 unreadable: the chunk of rows 1024..<2048 does not decode")
            }, "\(summary.missing)")
    }

    @Test("chunks stored with a filter skipped, and a dataset with a filter the raw path lacks, read through HDF5")
    func fallbacks() throws {
        try #require(PythonScript.canImport("h5py"))
        let path = Self.directory.file("fallback.h5")
        let made = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                d = f.create_dataset("masked", shape=(5000,), dtype="<i8", chunks=(1024,), shuffle=True,
                                     compression="gzip")
                d[...] = np.arange(5000)
                plain = np.arange(1024, 2048).astype("<i8").view(np.uint8).reshape(1024, 8).T.copy().tobytes()
                d.id.write_direct_chunk((1024,), plain, filter_mask=2)
                f.create_dataset("fletcher", data=np.arange(5000), chunks=(512,), compression="gzip", fletcher32=True)
            """, arguments: [path])
        try #require(made.status == 0, "\(made.standardError)")
        let file = try File.open(path)
        let masked = try file.openDataset("masked")
        let expected = (0..<5000).map { Int64($0) }
        for tasks in [1, 2] {
            #expect(try Self.blocks(masked, as: Int64.self, blockRows: 1500, tasks: tasks).rows == expected)
        }
        let fletcher = try file.openDataset("fletcher")
        var blocks = try BlockReader(fletcher, blockRows: 700).blocks(as: Int64.self)
        #expect(blocks.raw == nil)
        var rows: [Int64] = []
        while let (block, _) = try blocks.next() { rows += block }
        #expect(rows == expected)
    }
}
