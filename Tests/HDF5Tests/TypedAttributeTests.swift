import HDF5
import TestSupport
import Testing

/// Booleans and string arrays: stored the way h5py stores them, so Python sees `numpy.bool_` and a list of `str`,
/// and netCDF-C (xarray's netCDF4 engine) sees them at all.
@Suite("Typed attributes: booleans and string arrays")
struct TypedAttributeTests {
    init() {
        #expect(PythonScript.canImport("h5py"), "h5py is missing: run the README's test command, which installs it")
        #expect(
            PythonScript.canImport("netCDF4"), "netCDF4 is missing: run the README's test command, which installs it")
    }

    /// A file with booleans on the root and on a group, string arrays, and an empty array.
    private func write(_ path: String) throws {
        let file = try File.create(path)
        try file.setAttribute("live", false)
        let run = try file.createGroup("runs/r0")
        try run.setAttribute("detach_mean", true)
        try run.setAttribute("detach_std", false)
        try run.setAttribute("names", ["total", "direct", "Φ(y)"])
        try run.setAttribute("none", [String]())
        try run.setAttributeValue("widths", .int64Array([]))
        try file.close()
    }

    @Test("booleans, string arrays and empty arrays round-trip, and the boolean type is committed once as /bool")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("typed.h5")
        try write(path)
        let file = try File.open(path)
        let run = try file.openGroup("runs/r0")
        #expect(try file.attribute("live", as: Bool.self) == false)
        #expect(try run.attribute("detach_mean", as: Bool.self) == true)
        #expect(try run.attributeValue("detach_std") == .bool(false))
        #expect(try run.attribute("names", as: [String].self) == ["total", "direct", "Φ(y)"])
        #expect(try run.attributeValue("none") == .stringArray([]))
        #expect(try run.attributeValue("widths") == .int64Array([]))
        #expect(try file.children() == ["bool", "runs"])
        #expect(try file.kind(of: "bool") == .other)
        #expect { _ = try run.attribute("detach_mean", as: String.self) } throws: {
            "\($0)".contains("holds bool, cannot be read as String")
        }
    }

    @Test("h5py reads our booleans as numpy.bool_ and string arrays as str; netCDF-C sees the booleans too")
    func pythonReadsThem() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("typed.h5")
        try write(path)
        let output = try PythonScript.run(
            """
            import sys, h5py, numpy as np, netCDF4
            f = h5py.File(sys.argv[1], "r")
            r = f["runs/r0"].attrs
            assert isinstance(r["detach_mean"], np.bool_) and r["detach_mean"], repr(r["detach_mean"])
            assert isinstance(r["detach_std"], np.bool_) and not r["detach_std"]
            assert isinstance(f.attrs["live"], np.bool_) and not f.attrs["live"]
            assert [str(s) for s in r["names"]] == ["total", "direct", "Φ(y)"], r["names"]
            assert isinstance(f["bool"], h5py.Datatype) and f["bool"].dtype == np.bool_
            f.close()
            d = netCDF4.Dataset(sys.argv[1])
            g = d["runs/r0"]
            assert int(g.getncattr("detach_mean")) == 1 and int(g.getncattr("detach_std")) == 0, g.ncattrs()
            assert int(d.getncattr("live")) == 0, d.ncattrs()
            assert list(g.getncattr("names")) == ["total", "direct", "Φ(y)"]
            print("ok")
            """, arguments: [path])
        #expect(output.status == 0 && output.standardOutput.contains("ok"), "\(output.standardError)")
    }

    @Test("we read h5py's own booleans (an anonymous enum) and lists of str; other enums are refused by name")
    func weReadH5py() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("theirs.h5")
        let output = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                f.attrs["yes"] = True
                f.attrs["no"] = np.False_
                f.attrs["words"] = ["a", "bc", ""]
                f.attrs["fixed"] = np.array([b"ab", b"c"], dtype="S2")
                f.attrs.create("color", 1, dtype=h5py.enum_dtype({"RED": 0, "GREEN": 1}, basetype="i1"))
            """, arguments: [path])
        #expect(output.status == 0, "\(output.standardError)")
        let file = try File.open(path)
        #expect(try file.attribute("yes", as: Bool.self) == true)
        #expect(try file.attribute("no", as: Bool.self) == false)
        #expect(try file.attribute("words", as: [String].self) == ["a", "bc", ""])
        #expect(try file.attribute("fixed", as: [String].self) == ["ab", "c"])
        #expect { _ = try file.attributeValue("color") } throws: {
            "\($0)".contains("holds enum, which this reader does not support")
        }
    }
}
