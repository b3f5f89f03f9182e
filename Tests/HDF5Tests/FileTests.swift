import Foundation
import HDF5
import TestSupport
import Testing

@Suite("File")
struct FileTests {
    @Test("create, flush, close and reopen read-only")
    func createAndReopen() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("a.h5")
        let file = try File.create(path)
        try file.setAttribute("answer", Int64(42))
        try file.flush()
        try file.close()
        try file.close()  // a second close is a no-op, not an error

        let reopened = try File.open(path)
        #expect(try reopened.attribute("answer", as: Int64.self) == 42)
        #expect(reopened.path == path)
        // Read-only really is read-only: HDF5 refuses the write and we carry its reason.
        #expect(throws: HDF5Error.self) { try reopened.setAttribute("x", Int64(1)) }
    }

    @Test("create with failIfExists refuses an existing file; truncate replaces it")
    func createModes() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("b.h5")
        try File.create(path).setAttribute("old", Int64(1))
        let error = #expect(throws: HDF5Error.self) { try File.create(path, mode: .failIfExists) }
        #expect(error?.code == .alreadyExists)
        #expect(error?.description.contains(path) == true)

        let replaced = try File.create(path, mode: .truncate)
        #expect(try replaced.hasAttribute("old") == false)
    }

    @Test("a missing file is fileNotFound, naming the path")
    func missingFile() throws {
        let path = "/nonexistent-dir/trace.h5"
        let error = #expect(throws: HDF5Error.self) { try File.open(path) }
        #expect(error?.code == .fileNotFound)
        #expect(error?.description.contains(path) == true)
    }

    @Test("a text file named .h5 is notHDF5, with HDF5's reason in the message")
    func textFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("x.h5")
        try "step,loss\n1,2.3\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: HDF5Error.self) { try File.open(path) }
        #expect(error?.code == .notHDF5)
        #expect(error?.operation == "H5Fopen")
        #expect(error?.message.contains("signature") == true)
        #expect(error?.stack.isEmpty == false)
    }

    @Test("a directory is refused as notHDF5")
    func directoryPath() throws {
        let directory = TemporaryDirectory()
        let error = #expect(throws: HDF5Error.self) { try File.open(directory.path) }
        #expect(error?.code == .notHDF5)
    }

    @Test("a truncated HDF5 file gives an error, never a crash")
    func truncatedFile() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("full.h5")
        let file = try File.create(path)
        try file.createDataset("values", values: (0..<50_000).map { Double($0) })
        try file.close()

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let truncated = directory.file("truncated.h5")
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        let error = #expect(throws: HDF5Error.self) {
            try File.open(truncated).openDataset("values").read(as: Double.self)
        }
        #expect(error?.description.contains(truncated) == true)
        #expect(error?.code == .notHDF5)
    }

    @Test("the error's detailed description shows HDF5's stack as a tree")
    func detailedDescription() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("y.h5")
        try "not hdf5".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: HDF5Error.self) { try File.open(path) }
        let text = error?.detailedDescription() ?? ""
        #expect(text.contains("└─"))
        #expect(text.contains("H5Fopen"))
    }

    @Test("HDF5's version is reported")
    func version() {
        let parts = HDF5Version.string.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.first == "1" || parts.first == "2")
    }
}
