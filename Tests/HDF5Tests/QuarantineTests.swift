import Foundation
import HDF5
import TestSupport
import Testing

/// Objects entered in `HDF5Quarantine` are refused before any HDF5 call, and only they (and what lies below them).
@Suite("Quarantine", .serialized)
struct QuarantineTests {
    private func makeFile(_ path: String) throws {
        let file = try File.create(path)
        let run = try file.createGroup("runs/r0")
        try run.setAttribute("preset", "layernorm")
        try run.setAttribute("seed", Int64(3))
        try run.createDataset("loss", values: [Float(1), 2, 3])
        try file.createGroup("runs/r1").setAttribute("preset", "adanorm")
        try file.close()
    }

    private func expectDamaged(_ body: () throws -> Void, naming target: String) {
        #expect {
            try body()
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.objectPath == target
                && error.message.contains("crashed HDF5 in a probe (SIGSEGV)")
        }
    }

    @Test("the probe's spellings parse back to the same targets")
    func spellings() {
        let targets: [HDF5Quarantine.Target] = [
            .object("/runs/r0"), .attribute(object: "/runs/r0", name: "config"),
            .attributeIteration(object: "/"), .linkIteration(group: "/runs"),
            .attribute(object: "/runs/block1.norm", name: "a b"),
        ]
        for target in targets { #expect(HDF5Quarantine.Target("\(target)") == target, "\(target)") }
        #expect(HDF5Quarantine.Target("open") == nil)
    }

    @Test("a quarantined attribute is refused; the object's other attributes still read")
    func attribute() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        HDF5Quarantine.add(.attribute(object: "/runs/r0", name: "preset"), file: path, reason: "SIGSEGV")
        defer { HDF5Quarantine.removeAll(for: path) }
        // Another spelling of the same path shares the quarantine.
        let run = try File.open(directory.path + "/./q.h5").openGroup("runs/r0")
        expectDamaged({ _ = try run.attribute("preset", as: String.self) }, naming: "/runs/r0@preset")
        expectDamaged({ _ = try run.hasAttribute("preset") }, naming: "/runs/r0@preset")
        #expect(try run.attribute("seed", as: Int64.self) == 3)
        #expect(try run.attributeNames() == ["preset", "seed"])
        #expect(
            HDF5Quarantine.entries(for: path).map(\.description) == [
                "\(path): /runs/r0@preset: damaged: reading it crashed HDF5 in a probe (SIGSEGV)"
            ])
    }

    @Test("a quarantined attribute listing refuses every attribute of that object, and only of that object")
    func attributeIteration() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        HDF5Quarantine.add(.attributeIteration(object: "/runs/r0"), file: path, reason: "SIGSEGV")
        defer { HDF5Quarantine.removeAll(for: path) }
        let file = try File.open(path)
        let run = try file.openGroup("runs/r0")
        expectDamaged({ _ = try run.attributeNames() }, naming: "/runs/r0:iterate")
        expectDamaged({ _ = try run.attribute("seed", as: Int64.self) }, naming: "/runs/r0:iterate")
        #expect(try run.openDataset("loss").read(as: Float.self) == [1, 2, 3])
        #expect(try file.openGroup("runs/r1").attribute("preset", as: String.self) == "adanorm")
    }

    @Test("a quarantined group is refused with everything below it; its siblings still open")
    func object() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        HDF5Quarantine.add(.object("/runs/r0"), file: path, reason: "SIGSEGV")
        defer { HDF5Quarantine.removeAll(for: path) }
        let file = try File.open(path)
        #expect(try file.openGroup("runs").children() == ["r0", "r1"])
        expectDamaged({ _ = try file.openGroup("runs/r0") }, naming: "/runs/r0")
        expectDamaged({ _ = try file.openDataset("runs/r0/loss") }, naming: "/runs/r0")
        expectDamaged({ _ = try file.exists("runs/r0/loss") }, naming: "/runs/r0")
        #expect(try file.openGroup("runs/r1").name == "r1")
    }

    @Test("a quarantined link listing refuses listing that group and reaching inside it")
    func linkIteration() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        HDF5Quarantine.add(.linkIteration(group: "/runs"), file: path, reason: "SIGSEGV")
        defer { HDF5Quarantine.removeAll(for: path) }
        let file = try File.open(path)
        let runs = try file.openGroup("runs")
        expectDamaged({ _ = try runs.children() }, naming: "/runs:children")
        expectDamaged({ _ = try file.openGroup("runs/r1") }, naming: "/runs:children")
        #expect(try file.children() == ["runs"])
    }
}
