import HDF5
import TestSupport
import Testing

/// Interoperability is proven, not assumed: h5py reads what we write, and we read what h5py writes.
@Suite("h5py interoperability")
struct InteropTests {
    init() {
        #expect(PythonScript.canImport("h5py"), "h5py is missing: run the README's test command, which installs it")
    }

    @Test("h5py reads our scalars, compound rows (as a structured array), attributes and dimension scales")
    func h5pyReadsOurFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("ours.h5")
        do {
            let file = try File.create(path)
            try file.setAttribute("format", "normscope-trace")
            try file.setAttribute("format_version", Int64(1))
            try file.setJSONAttribute("config", ["presets": ["layernorm", "adanorm"]])
            let run = try file.createGroup("runs/r0")
            try run.setAttribute("epsilon", 1e-5)
            try run.setAttribute("edges", [0.0, 0.5, 1.0])
            let step = try run.createDataset("step", of: Int64.self, shape: [0], layout: .appendable(chunkRows: 4))
            let grads = try run.createDataset(
                "grads", of: Float.self, shape: [0, 2],
                layout: .appendable(chunkRows: 4, compression: .deflate(level: 6, shuffle: true)))
            try step.makeDimensionScale(name: "step")
            try grads.attachDimensionScale(step, axis: 0)
            try step.append([Int64(0), 1, 2, 3, 4])
            try grads.append([Float(0.5), -1, 2, 3.25, 4, 5, 6, 7, 8, 9])
            try run.createDataset(
                "steps",
                values: [
                    StepRow(step: 0, loss: 2.5, learningRate: 0.1, diverged: 0),
                    StepRow(step: 1, loss: 1.25, learningRate: 0.05, diverged: 1),
                ])
            try run.createDataset("pixels", values: [UInt8(0), 255], shape: [1, 2])
            try file.close()
        }
        let script = """
            import sys, json, h5py, numpy as np
            f = h5py.File(sys.argv[1], "r")
            assert f.attrs["format"] == "normscope-trace", f.attrs["format"]
            assert f.attrs["format_version"] == 1
            assert json.loads(f.attrs["config"]) == {"presets": ["layernorm", "adanorm"]}
            r = f["runs/r0"]
            assert r.attrs["epsilon"] == 1e-5
            assert list(r.attrs["edges"]) == [0.0, 0.5, 1.0]
            g = r["grads"]
            assert g.dtype == np.float32 and g.shape == (5, 2) and g.maxshape == (None, 2), (g.dtype, g.shape, g.maxshape)
            assert g.compression == "gzip" and g.shuffle and g.chunks == (4, 2)
            assert np.array_equal(g[()], np.array([[0.5, -1], [2, 3.25], [4, 5], [6, 7], [8, 9]], dtype=np.float32))
            assert r["step"].is_scale and g.dims[0][0].name == "/runs/r0/step"
            s = r["steps"][()]
            assert s.dtype.names == ("step", "loss", "learning_rate", "diverged"), s.dtype.names
            assert s.dtype.itemsize == 8 + 4 + 8 + 1, s.dtype.itemsize
            assert list(s["loss"]) == [2.5, 1.25] and list(s["diverged"]) == [0, 1] and list(s["step"]) == [0, 1]
            assert r["pixels"].dtype == np.uint8 and r["pixels"][0, 1] == 255
            print("ok")
            """
        let output = try PythonScript.run(script, arguments: [path])
        #expect(output.status == 0, "h5py failed: \(output.standardError)")
        #expect(output.standardOutput.contains("ok"))
    }

    @Test("we read h5py's arrays, structured arrays, resizable datasets and attributes")
    func weReadH5pyFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("theirs.h5")
        let script = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                f.attrs["title"] = "written by h5py"
                f.attrs["fixed"] = np.bytes_(b"ascii bytes")
                f.attrs["lr"] = 3
                f.attrs["betas"] = np.array([0.9, 0.98])
                f["x"] = np.arange(12, dtype=np.float32).reshape(3, 4)
                f["n"] = np.array([-5, 7], dtype=np.int64)
                rows = np.array([(0, 2.5, 0.1, 0), (1, 1.25, 0.05, 1)],
                                dtype=[("step", "<i8"), ("loss", "<f4"), ("learning_rate", "<f8"), ("diverged", "u1")])
                f["g/steps"] = rows
                d = f.create_dataset("g/grow", shape=(0,), maxshape=(None,), chunks=(8,), dtype="f8", compression="gzip")
                d.resize((3,)); d[:] = [1.0, 2.0, 3.0]
            """
        let output = try PythonScript.run(script, arguments: [path])
        #expect(output.status == 0, "h5py failed: \(output.standardError)")

        let file = try File.open(path)
        #expect(try file.attribute("title", as: String.self) == "written by h5py")
        #expect(try file.attribute("fixed", as: String.self) == "ascii bytes")
        #expect(try file.attribute("lr", as: Double.self) == 3)
        #expect(try file.attribute("betas", as: [Double].self) == [0.9, 0.98])
        #expect(try file.openDataset("x").shape() == [3, 4])
        #expect(try file.openDataset("x").read(as: Float.self) == (0..<12).map { Float($0) })
        #expect(try file.openDataset("n").read(as: Int64.self) == [-5, 7])
        #expect(
            try file.openDataset("g/steps").read(as: StepRow.self) == [
                StepRow(step: 0, loss: 2.5, learningRate: 0.1, diverged: 0),
                StepRow(step: 1, loss: 1.25, learningRate: 0.05, diverged: 1),
            ])
        let grow = try file.openDataset("g/grow")
        #expect(try grow.maxShape() == [nil])
        #expect(try grow.read(as: Double.self) == [1, 2, 3])
        #expect(try file.openGroup("g").children() == ["grow", "steps"])
    }
}
