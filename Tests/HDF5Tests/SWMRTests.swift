import Foundation
import HDF5
import TestSupport
import Testing

/// Single-writer/multiple-reader: a reader in another process follows rows as the writer flushes them.
@Suite("SWMR")
struct SWMRTests {
    @Test("an h5py SWMR reader sees exactly the rows flushed so far")
    func readerFollowsWriter() throws {
        #expect(PythonScript.canImport("h5py"), "h5py is missing: run the README's test command, which installs it")
        let directory = TemporaryDirectory()
        let path = directory.file("live.h5")
        let file = try File.create(path, format: .latest)
        let loss = try file.createDataset("loss", of: Float.self, shape: [0], layout: .appendable(chunkRows: 64))
        try file.setAttribute("format", "normscope-trace")
        try file.startSWMRWrite()

        let reader = """
            import sys, h5py
            with h5py.File(sys.argv[1], "r", libver="latest", swmr=True) as f:
                d = f["loss"]; d.refresh()
                print(d.shape[0], float(d[-1]) if d.shape[0] else "none")
            """
        try loss.append((0..<100).map { Float($0) })
        try loss.flush()
        var output = try PythonScript.run(reader, arguments: [path])
        #expect(output.status == 0, "h5py failed: \(output.standardError)")
        #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "100 99.0")

        try loss.append((100..<250).map { Float($0) })
        try loss.flush()
        output = try PythonScript.run(reader, arguments: [path])
        #expect(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "250 249.0")

        try file.close()
        #expect(try File.open(path).openDataset("loss").rowCount() == 250)
    }
}
