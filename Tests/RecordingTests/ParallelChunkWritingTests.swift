import Foundation
import HDF5
import TestSupport
import Testing

@testable import Recording

/// The writer's chunks filtered on every core (`TraceChunkWriting.parallel`) against HDF5's own filters: the same
/// rows in the file, the same stored chunks whatever the task count, every HDF5 reader decoding them.
@Suite("Parallel chunk writing")
struct ParallelChunkWritingTests {
    /// The fixture's two runs (Φ in the middle layer), flushed every 100 steps so that partial chunks are stored
    /// and grown many times, the last chunk of every table partial.
    static func record(_ path: String, _ writing: TraceChunkWriting, compact: Bool = true) throws {
        let writer = try TraceWriter(
            path: path, commandLine: TraceFixture.commandLine, sweepConfigurationJSON: TraceFixture.sweepJSON,
            flushEvery: 100, flushInterval: .seconds(3600), chunkWriting: writing, compact: compact)
        for run in 0..<2 {
            let handle = try writer.beginRun(TraceFixture.description(run))
            try TraceFixture.appendSteps(0..<TraceFixture.steps, run: run, handle: handle, to: writer)
            try writer.finishRun(handle, status: .completed, completedSteps: Int64(TraceFixture.steps))
        }
        try writer.close()
    }

    /// Every dataset's values, and every stored chunk's bytes with its filter mask, as h5py sees them.
    static let dump = """
        import sys, json, hashlib, h5py
        f = h5py.File(sys.argv[1], "r")
        out = {}
        def visit(name, obj):
            if not isinstance(obj, h5py.Dataset):
                return
            data = obj[()]
            entry = {"shape": str(obj.shape), "values": hashlib.sha256(data.tobytes() if data.dtype.kind != "O"
                     else repr(data.tolist()).encode()).hexdigest()}
            if obj.chunks and obj.compression:
                chunks = [obj.id.get_chunk_info(i) for i in range(obj.id.get_num_chunks())]
                entry["mask"] = str(max(c.filter_mask for c in chunks))
                entry["chunks"] = hashlib.sha256(b"".join(obj.id.read_direct_chunk(c.chunk_offset)[1]
                                                        for c in chunks)).hexdigest()
            out[name] = entry
        f.visititems(visit)
        print(json.dumps(out, sort_keys=True))
        """

    static func h5pyDump(_ path: String) throws -> [String: [String: String]] {
        let output = try PythonScript.run(dump, arguments: [path])
        try #require(output.status == 0, "\(output.standardError)")
        let object = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8))
        return try #require(object as? [String: [String: String]])
    }

    @Test("1 and 2 tasks store the same chunk bytes; HDF5's filters and ours give the same rows, read by us and h5py")
    func sameTraceOnAnyTaskCount() throws {
        let directory = TemporaryDirectory()
        let paths = ["one": directory.file("one.h5"), "two": directory.file("two.h5"), "hdf5": directory.file("h.h5")]
        try Self.record(paths["one"]!, .parallel(tasks: 1))
        try Self.record(paths["two"]!, .parallel(tasks: 2))
        try Self.record(paths["hdf5"]!, .hdf5Filters)

        for path in paths.values {
            let file = try File.open(path)
            #expect(TraceSchema.validate(file: file) == [])
            for run in 0..<2 {
                let group = try file.openGroup("runs/\(TraceFixture.runID(run))")
                let steps = try group.openDataset("steps").read(as: StepRow.self)
                #expect(steps == (0..<TraceFixture.steps).map { TraceFixture.stepRow(run: run, step: $0) })
                for (index, layer) in TraceFixture.layers.enumerated() {
                    let grad = try group.openDataset("norms/\(layer.name)/grad").read(as: NormStepRow.self)
                    let expected = (0..<TraceFixture.steps).map {
                        TraceFixture.normRow(run: run, layer: index, step: $0)
                    }
                    #expect(TraceFixture.sameBytes(grad, expected), "\(path) \(layer.name)")
                }
                let hist = try group.openDataset("norms/block1.ffn_norm/phi_hist").read(as: Int64.self)
                let phiSteps = stride(from: 0, to: TraceFixture.steps, by: TraceFixture.phiEvery)
                #expect(hist == phiSteps.flatMap { TraceFixture.phiCounts(run: run, step: $0) })
                let evals = try group.openDataset("evals").read(as: EvaluationRow.self)
                #expect(evals.count == TraceFixture.steps / TraceFixture.evaluationEvery)
            }
        }

        let one = try Self.h5pyDump(paths["one"]!)
        let two = try Self.h5pyDump(paths["two"]!)
        let hdf5 = try Self.h5pyDump(paths["hdf5"]!)
        #expect(one == two, "the stored chunks depend on the task count")
        #expect(one.count == hdf5.count && one.count == 24)
        for (name, entry) in one {
            let theirs = try #require(hdf5[name], "\(name)")
            #expect(entry["values"] == theirs["values"] && entry["shape"] == theirs["shape"], "\(name)")
            // Mask 0: the chunk went through every filter the dataset declares.
            if let mask = entry["mask"] { #expect(mask == "0", "\(name)") }
        }
    }

    @Test("after a clean close the trace is the size it has when written without flushes, on either path")
    func compactAfterClose() throws {
        // Flushed only when runs begin and end, a trace holds no dead copies of chunks: the size to reach.
        let directory = TemporaryDirectory()
        let unflushed = directory.file("unflushed.h5")
        let writer = try TraceWriter(
            path: unflushed, commandLine: TraceFixture.commandLine, sweepConfigurationJSON: TraceFixture.sweepJSON,
            flushEvery: Int.max, flushInterval: .seconds(3600), compact: false)
        for run in 0..<2 {
            let handle = try writer.beginRun(TraceFixture.description(run))
            try TraceFixture.appendSteps(0..<TraceFixture.steps, run: run, handle: handle, to: writer)
            try writer.finishRun(handle, status: .completed, completedSteps: Int64(TraceFixture.steps))
        }
        try writer.close()
        let target = try Self.size(unflushed)
        for writing in [TraceChunkWriting.parallel(tasks: 2), .hdf5Filters] {
            let path = directory.file("trace-\(writing).h5")
            try Self.record(path, writing)
            let size = try Self.size(path)
            #expect(size <= target * 1.02, "\(writing): \(size) bytes against \(target)")
            #expect(TraceSchema.validate(file: try File.open(path)) == [])
        }
        // Without compaction, the copies that the flushes every 100 steps left make it far larger.
        let kept = directory.file("uncompacted.h5")
        try Self.record(kept, .parallel(tasks: 2), compact: false)
        #expect(try Self.size(kept) > target * 1.5)
    }

    static func size(_ path: String) throws -> Double {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber).doubleValue
    }

    @Test("a compaction that fails (full disk) leaves the trace as closed, says so, and close does not throw")
    func failedCompaction() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        var configuration = WriterConfiguration(
            path: path, overwrite: false, commandLine: "test", sweepConfigurationJSON: "{}", rootAttributes: [:],
            flushEvery: 100, flushIntervalSeconds: 3600, chunkRows: 1024, compressionLevel: 4, live: false,
            declaredRuns: [], created: Date(), failAfterSteps: nil)
        configuration.failCompaction = true
        let writer = try TraceWriter(configuration: configuration, queueCapacity: 64)
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<1000, run: 0, handle: handle, to: writer)
        try writer.finishRun(handle, status: .completed, completedSteps: 1000)
        try writer.close()
        #expect(writer.notes.count == 1)
        #expect(writer.notes.first?.contains("not compacted") == true, "\(writer.notes)")
        #expect(writer.notes.first?.contains("No space left on device") == true, "\(writer.notes)")
        let file = try File.open(path)
        #expect(try file.openDataset("runs/adanorm-seed0/steps").rowCount() == 1000)
        #expect(TraceSchema.validate(file: file) == [])
        #expect(!FileManager.default.fileExists(atPath: TraceCompaction.scratchPath(for: path)))
    }

    @Test("the scratch file of a compaction killed before its rename is removed by the path's next writer")
    func leftoverRemoved() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        let scratch = TraceCompaction.scratchPath(for: path)
        #expect(scratch == directory.file(".trace.h5.compacting"))
        try Data("half a copy".utf8).write(to: URL(fileURLWithPath: scratch))
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        #expect(!FileManager.default.fileExists(atPath: scratch))
        try writer.close()
    }

    @Test("compaction keeps the trace's permissions, and through a symbolic link replaces the file, not the link")
    func permissionsAndLinks() throws {
        let directory = TemporaryDirectory()
        let target = directory.file("real.h5")
        let link = directory.file("link.h5")
        // A link is written through to the file it names, which must exist (a dangling link is refused).
        try Data("an earlier trace".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let writer = try TraceWriter(
            path: link, overwrite: true, commandLine: "test", sweepConfigurationJSON: "{}", flushEvery: 50,
            flushInterval: .seconds(3600))
        #expect(chmod(target, 0o640) == 0)
        let handle = try writer.beginRun(TraceFixture.description(0))
        try TraceFixture.appendSteps(0..<2000, run: 0, handle: handle, to: writer)
        try writer.finishRun(handle, status: .completed, completedSteps: 2000)
        let before = try Self.size(target)
        try writer.close()
        #expect(try Self.size(target) < before / 2, "not compacted")
        let kind = try FileManager.default.attributesOfItem(atPath: link)[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink)
        let mode = try FileManager.default.attributesOfItem(atPath: target)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o640)
        #expect(try File.open(link).openDataset("runs/adanorm-seed0/steps").rowCount() == 2000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["link.h5", "real.h5"])
    }
}
