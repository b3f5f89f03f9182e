import Foundation
import HDF5
import TestSupport
import Testing

@testable import DamagedFiles

/// A file opened under a `Quarantine` refuses the quarantined objects before any HDF5 call, and only them (and what
/// lies below them); the verdict belongs to that `File` and what is opened from it, not to the process.
@Suite("Quarantine")
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

    /// The file at `path` opened under a quarantine of `target` alone.
    private func open(_ path: String, quarantining target: HDF5Access) throws -> File {
        try File.open(path, accessGuard: Quarantine([.init(target: target, reason: "SIGSEGV")]))
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

    @Test("the probe's spellings parse back to the same accesses")
    func spellings() {
        let targets: [HDF5Access] = [
            .object("/runs/r0"), .attribute(object: "/runs/r0", name: "config"),
            .attributeIteration(object: "/"), .linkIteration(group: "/runs"),
            .attribute(object: "/runs/block1.norm", name: "a b"), .variableLengthStrings,
        ]
        for target in targets { #expect(HDF5Access(spelling: "\(target)") == target, "\(target)") }
        #expect(HDF5Access(spelling: "open") == nil)
    }

    @Test("a quarantined attribute is refused; the object's other attributes still read")
    func attribute() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        let run = try open(path, quarantining: .attribute(object: "/runs/r0", name: "preset")).openGroup("runs/r0")
        expectDamaged({ _ = try run.attribute("preset", as: String.self) }, naming: "/runs/r0@preset")
        expectDamaged({ _ = try run.hasAttribute("preset") }, naming: "/runs/r0@preset")
        #expect(try run.attribute("seed", as: Int64.self) == 3)
        #expect(try run.attributeNames() == ["preset", "seed"])
        let entry = Quarantine.Entry(target: .attribute(object: "/runs/r0", name: "preset"), reason: "SIGSEGV")
        #expect("\(entry)" == "/runs/r0@preset: damaged: reading it crashed HDF5 in a probe (SIGSEGV)")
    }

    @Test("a quarantined attribute listing refuses every attribute of that object, and only of that object")
    func attributeIteration() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        let file = try open(path, quarantining: .attributeIteration(object: "/runs/r0"))
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
        let file = try open(path, quarantining: .object("/runs/r0"))
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
        let file = try open(path, quarantining: .linkIteration(group: "/runs"))
        let runs = try file.openGroup("runs")
        expectDamaged({ _ = try runs.children() }, naming: "/runs:children")
        expectDamaged({ _ = try file.openGroup("runs/r1") }, naming: "/runs:children")
        #expect(try file.children() == ["runs"])
    }

    @Test("a verdict reaches only the File opened with it: the same file opened plainly, at once, reads everything")
    func noProcessWideState() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("q.h5")
        try makeFile(path)
        let guarded = try open(path, quarantining: .object("/runs/r0"))
        let plain = try File.open(directory.path + "/./q.h5")
        expectDamaged({ _ = try guarded.openGroup("runs/r0") }, naming: "/runs/r0")
        #expect(try plain.openGroup("runs/r0").attribute("seed", as: Int64.self) == 3)
        #expect(plain.accessGuard == nil)
    }
}
