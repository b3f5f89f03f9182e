import HDF5
import TestSupport
import Testing

/// Small datasets of strings (the labels of a dimension scale): written as h5py writes a list of `str`, read back
/// only where every heap pointer can be checked first.
@Suite("String datasets")
struct StringDatasetTests {
    @Test("labels round-trip; h5py reads them as str; a chunked variable-length dataset is left unread (nil)")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("labels.h5")
        do {
            let file = try File.create(path)
            try file.createDataset("part", strings: ["total", "direct", "recenter", "rescale"])
            try file.createDataset("none", strings: [])
            try file.close()
        }
        let output = try PythonScript.run(
            """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "r+") as f:
                assert [s.decode() for s in f["part"][()]] == ["total", "direct", "recenter", "rescale"]
                assert f["part"].asstr()[0] == "total"
                f.create_dataset("chunked", data=["a", "b"], dtype=h5py.string_dtype(), chunks=(1,), maxshape=(None,))
                f["fixed"] = np.array([b"ab", b"c"], dtype="S2")
            """, arguments: [path])
        #expect(output.status == 0, "\(output.standardError)")
        let file = try File.open(path)
        #expect(try file.openDataset("part").readStrings() == ["total", "direct", "recenter", "rescale"])
        #expect(try file.openDataset("part").typeDescription() == "string")
        #expect(try file.openDataset("none").readStrings() == [])
        #expect(try file.openDataset("fixed").readStrings() == ["ab", "c"])
        #expect(try file.openDataset("chunked").readStrings() == nil)
    }
}
