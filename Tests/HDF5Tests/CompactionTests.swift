import Foundation
import HDF5
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `File.compact`: a crash-consistent file whose partial chunks were rewritten at many flushes shrinks to little
/// more than its data, and every object, attribute, committed type and dimension scale a reader sees survives.
@Suite("Compacting a closed file", .serialized)
struct CompactionTests {
    struct Row: CompoundRow, Equatable {
        var step: Int64
        var loss: Double
        static let fields: [CompoundField<Row>] = [.init("step", \.step), .init("loss", \.loss)]
    }

    static let rootAttributes: [String: AttributeValue] = [
        "format": .string("normscope-trace"), "format_version": .int64(2), "lr": .double(1e-3),
        "live": .bool(false), "hidden": .int64Array([128, 128]), "edges": .doubleArray([0, 0.5, 1]),
        "parts": .stringArray(["total", "direct"]),
    ]
    static let runAttributes: [String: AttributeValue] = [
        "preset": .string("adanorm"), "norm_detach_mean": .bool(true), "norm_detach_std": .bool(false),
        "seed": .int64(3),
    ]

    static let rowsPerFlush = 700
    static let rowCount = 40 * rowsPerFlush

    /// Values that compress about as recorded statistics do (not to nothing): a hashed step.
    static func noise(_ index: Int) -> UInt64 { (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) >> 20 }
    static func row(_ step: Int) -> Row { Row(step: Int64(step), loss: Double(noise(step)) * 1e-9) }
    static func counts(_ step: Int) -> [Int64] { (0..<6).map { Int64(noise(step * 6 + $0) % 100_000) } }

    /// A file shaped like a trace, flushed every 700 rows so that each flush rewrites the partial chunks.
    static func writeFlushedOften(_ path: String, format: FileFormat = .compatible) throws {
        let file = try File.create(path, format: format, crashConsistent: format == .compatible)
        for (key, value) in rootAttributes { try file.setAttributeValue(key, value) }
        let run = try file.createGroup("runs/r0")
        for (key, value) in runAttributes { try run.setAttributeValue(key, value) }
        let layout = DatasetLayout.appendable(chunkRows: 1024, compression: .deflate(level: 4, shuffle: true))
        let steps = try run.createDataset("steps", of: Row.self, shape: [0], layout: layout)
        let step = try run.createDataset("step", of: Int64.self, shape: [0], layout: layout)
        try step.makeDimensionScale(name: "step")
        let layer = try run.createGroup("norms/layer.norm")
        let hist = try layer.createDataset("phi_hist", of: Int64.self, shape: [0, 6], layout: layout)
        let bins = try layer.createDataset("phi_bin", values: [-Double.infinity, 0, 1, 2, 3, 4])
        try bins.makeDimensionScale(name: "phi_bin")
        for (dataset, label) in [(steps, "step"), (hist, "step")] {
            try dataset.attachDimensionScale(step, axis: 0)
            try dataset.setDimensionLabel(label, axis: 0)
        }
        try hist.attachDimensionScale(bins, axis: 1)
        try hist.setDimensionLabel("phi_bin", axis: 1)
        for block in 0..<40 {
            let range = (block * rowsPerFlush)..<((block + 1) * rowsPerFlush)
            try steps.append(range.map(Self.row))
            try step.append(range.map { Int64($0) })
            try hist.append(range.flatMap(Self.counts))
            try file.flush()
        }
        try file.close()
    }

    static func ratio(_ path: String) throws -> Double {
        let file = try File.open(path)
        defer { try? file.close() }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)
        return size.doubleValue / Double(try file.datasetStorageBytes())
    }

    @Test("a file flushed every 700 rows shrinks to ≤ 1.1× its stored data, with everything a reader sees intact")
    func shrinksAndKeepsEverything() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try Self.writeFlushedOften(path)
        let before = try Self.ratio(path)
        #expect(before > 1.5, "the file should hold dead copies of its chunks before: \(before)")
        let result = try File.compact(path, scratchPath: directory.file(".trace.h5.compacting"))
        #expect(Double(result.bytesAfter) < 0.6 * Double(result.bytesBefore))
        let after = try Self.ratio(path)
        #expect(after <= 1.1, "\(result): \(after)× its stored data")
        #expect(!FileManager.default.fileExists(atPath: directory.file(".trace.h5.compacting")))

        let file = try File.open(path)
        for (key, value) in Self.rootAttributes { #expect(try file.attributeValue(key) == value, "\(key)") }
        let run = try file.openGroup("runs/r0")
        for (key, value) in Self.runAttributes { #expect(try run.attributeValue(key) == value, "\(key)") }
        let steps = try run.openDataset("steps")
        #expect(try steps.read(as: Row.self) == (0..<Self.rowCount).map(Self.row))
        let step = try run.openDataset("step")
        let hist = try run.openDataset("norms/layer.norm/phi_hist")
        let bins = try run.openDataset("norms/layer.norm/phi_bin")
        #expect(try step.isDimensionScale() && bins.isDimensionScale())
        #expect(try steps.isDimensionScale(step, attachedTo: 0))
        #expect(try hist.isDimensionScale(step, attachedTo: 0) && hist.isDimensionScale(bins, attachedTo: 1))
        #expect(try hist.read(as: Int64.self) == (0..<Self.rowCount).flatMap(Self.counts))
        try file.close()

        // What h5py, h5netcdf and netCDF-C see: the committed bool type shared by the attributes, labelled and
        // scaled axes, the free-space strategy that keeps a resumed file crash-consistent.
        let check = try PythonScript.run(
            """
            import sys, h5py, numpy as np, xarray as xr
            path = sys.argv[1]
            f = h5py.File(path, "r")
            assert sorted(f.keys()) == ["bool", "runs"], list(f.keys())
            for owner in (f, f["runs/r0"]):
                for name in owner.attrs:
                    t = owner.attrs.get_id(name).get_type()
                    if isinstance(t, h5py.h5t.TypeEnumID):
                        assert t.committed() and h5py.h5o.get_info(t).addr == h5py.h5o.get_info(f["bool"].id).addr, name
            assert f.attrs["live"] == False and isinstance(f["runs/r0"].attrs["norm_detach_mean"], np.bool_)
            assert f["runs/r0/steps"].dims[0][0].name == "/runs/r0/step"
            assert f["runs/r0/norms/layer.norm/phi_hist"].dims[1].label == "phi_bin"
            assert f.id.get_create_plist().get_file_space_strategy()[0] == getattr(h5py.h5f, "FSPACE_STRATEGY_NONE", 3)
            for engine in ["h5netcdf", "netcdf4"]:
                run = xr.open_dataset(path, engine=engine, group="runs/r0")
                assert run.steps.dims == ("step",) and list(run.step.values[:3]) == [0, 1, 2], engine
                layer = xr.open_dataset(path, engine=engine, group="runs/r0/norms/layer.norm")
                assert layer.phi_hist.dims == ("step", "phi_bin"), (engine, layer.phi_hist.dims)
                assert int(run.attrs["norm_detach_mean"]) == 1, engine
            print("ok")
            """, arguments: [path])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }

    @Test("a latest-format (live) file stays latest-format, so SWMR readers still open it")
    func keepsLatestFormat() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("live.h5")
        try Self.writeFlushedOften(path, format: .latest)
        try File.compact(path, scratchPath: directory.file(".live.h5.compacting"))
        let reader = try File.open(path, mode: .swmrRead)
        #expect(try reader.openDataset("runs/r0/steps").rowCount() == Self.rowCount)
        let check = try PythonScript.run(
            """
            import sys, h5py
            f = h5py.File(sys.argv[1], "r", libver="latest", swmr=True)
            assert f.id.get_create_plist().get_version()[0] >= 2 and len(f["runs/r0/steps"]) == 28000
            print("ok")
            """, arguments: [path])
        #expect(check.status == 0 && check.standardOutput.contains("ok"), "\(check.standardError)")
    }

    @Test(
        "with no room for the copy (a full tmpfs), compaction fails before copying and leaves the file as it was",
        .enabled(if: SmallFileSystem.canMount, Comment(rawValue: SmallFileSystem.unavailable)))
    func noRoomLeavesTheFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try Self.writeFlushedOften(path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        // A scratch file on a file system too small for the copy: a full disk where the copy goes.
        let small = try SmallFileSystem(at: directory.file("small"), kilobytes: 64)
        defer { small.unmount() }
        let scratch = small.path + "/.trace.h5.compacting"
        let error = #expect(throws: HDF5Error.self) { try File.compact(path, scratchPath: scratch) }
        #expect(error?.code == .storage, "\(String(describing: error))")
        #expect(error?.message.contains("No space left") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        #expect(!FileManager.default.fileExists(atPath: scratch))
    }

    @Test(
        "with no room for the copy (a file-size limit, in a child: no mount needed), the file is left as it was",
        .enabled(if: !TestBinaryChild.isChild))
    func fileSizeLimitInChild() throws {
        let child = try TestBinaryChild.run(filter: "CompactionTests/noRoomUnderFileSizeLimit")
        #expect(child.passed(suites: 1), "exit \(child.status), \(child.summary): \(child.failures)")
    }

    /// The same refusal as a full disk's (`posix_fallocate` failing before a byte is copied), from a limit on file
    /// sizes: RLIMIT_FSIZE is process-wide, so this runs alone in a child of the test binary, with SIGXFSZ ignored
    /// (as the recorder ignores it) so that the reservation fails with EFBIG instead of killing the child.
    @Test("compaction under a file-size limit below the copy's size", .enabled(if: TestBinaryChild.isChild))
    func noRoomUnderFileSizeLimit() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try Self.writeFlushedOften(path)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        signal(SIGXFSZ, SIG_IGN)
        var limit = rlimit(rlim_cur: rlim_t(original.count / 2), rlim_max: rlim_t.max)
        try #require(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0)
        let scratch = directory.file(".trace.h5.compacting")
        let error = #expect(throws: HDF5Error.self) { try File.compact(path, scratchPath: scratch) }
        #expect(error?.code == .storage, "\(String(describing: error))")
        #expect(error?.message.contains("File too large") == true, "\(String(describing: error))")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == original)
        #expect(!FileManager.default.fileExists(atPath: scratch))
    }
}
