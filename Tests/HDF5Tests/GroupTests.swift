import HDF5
import TestSupport
import Testing

@Suite("Group")
struct GroupTests {
    @Test("nested paths create missing parents; children are listed in name order")
    func nestedGroups() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("g.h5"))
        let run = try file.createGroup("runs/r1/layers")
        #expect(run.objectPath == "/runs/r1/layers")
        #expect(run.name == "layers")
        try file.createGroup("runs/r0")
        try file.createGroup("/runs/r2")
        #expect(try file.openGroup("runs").children() == ["r0", "r1", "r2"])
        #expect(try file.children() == ["runs"])
        #expect(try file.exists("runs/r1/layers"))
        #expect(try file.exists("runs/r9/layers") == false)
        #expect(try file.exists("/runs/r0"))
        #expect(try file.kind(of: "runs") == .group)
        #expect(try file.kind(of: "nothing") == nil)

        let nested = try file.openGroup("runs/r1")
        #expect(try nested.exists("layers"))
        #expect(try nested.openGroup("layers").objectPath == "/runs/r1/layers")
    }

    @Test("requireGroup opens what exists and creates what does not")
    func requireGroup() throws {
        let directory = TemporaryDirectory()
        let file = try File.create(directory.file("g.h5"))
        let first = try file.requireGroup("a/b")
        try first.setAttribute("k", Int64(7))
        let second = try file.requireGroup("a/b")
        #expect(try second.attribute("k", as: Int64.self) == 7)
    }

    @Test("errors name the object: missing group, dataset opened as a group, duplicate")
    func groupErrors() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("g.h5")
        let file = try File.create(path)
        try file.createDataset("values", values: [Float(1), 2, 3])
        try file.createGroup("runs")

        let missing = #expect(throws: HDF5Error.self) { try file.openGroup("runs/r7") }
        #expect(missing?.code == .objectNotFound)
        #expect(missing?.objectPath == "/runs/r7")
        #expect(missing?.description.contains(path) == true)

        let wrongKind = #expect(throws: HDF5Error.self) { try file.openGroup("values") }
        #expect(wrongKind?.code == .typeMismatch)

        let duplicate = #expect(throws: HDF5Error.self) { try file.createGroup("runs") }
        #expect(duplicate?.code == .alreadyExists)
    }
}
