import Foundation
import HDF5
import Synchronization
import TestSupport
import Testing

/// A file opened with an `AccessGuard` asks it before each call that reaches an object, an attribute, a listing or
/// a string's heap — from the file and from every group and dataset opened from it — and a refusal is a `.damaged`
/// error carrying the guard's words.
@Suite("Access guard")
struct AccessGuardTests {
    /// Lets everything through and remembers what it was asked; or refuses `refused`.
    final class Recorder: AccessGuard {
        let asked = Mutex<[HDF5Access]>([])
        let refused: HDF5Access?

        init(refusing refused: HDF5Access? = nil) { self.refused = refused }

        func refusal(of access: HDF5Access) -> AccessRefusal? {
            asked.withLock { $0.append(access) }
            guard access == refused else { return nil }
            return AccessRefusal(objectPath: "\(access)", message: "damaged: refused by the test")
        }
    }

    private func makeFile(_ path: String) throws {
        let file = try File.create(path)
        let run = try file.createGroup("runs/r0")
        try run.setAttribute("preset", "layernorm")
        try run.createDataset("loss", values: [Float(1), 2, 3])
        try file.close()
    }

    @Test("every kind of access is asked about, by the objects opened from the file too")
    func asked() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("g.h5")
        try makeFile(path)
        let recorder = Recorder()
        let file = try File.open(path, accessGuard: recorder)
        let run = try file.openGroup("runs/r0")
        #expect(try run.attribute("preset", as: String.self) == "layernorm")
        #expect(try run.openDataset("loss").read(as: Float.self) == [1, 2, 3])
        #expect(try file.openGroup("runs").children() == ["r0"])
        #expect(try run.attributeNames() == ["preset"])
        let asked = recorder.asked.withLock { $0 }
        let expected: [HDF5Access] = [
            .linkIteration(group: "/runs"), .object("/runs/r0"), .attribute(object: "/runs/r0", name: "preset"),
            .variableLengthStrings, .object("/runs/r0/loss"), .linkIteration(group: "/runs"),
            .attributeIteration(object: "/runs/r0"),
        ]
        for access in expected { #expect(asked.contains(access), "never asked about \(access): \(asked)") }
        #expect(try File.open(path).accessGuard == nil)
    }

    @Test("a refused access is a .damaged error naming what the guard named")
    func refused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("g.h5")
        try makeFile(path)
        let file = try File.open(path, accessGuard: Recorder(refusing: .variableLengthStrings))
        let run = try file.openGroup("runs/r0")
        #expect {
            _ = try run.attribute("preset", as: String.self)
        } throws: { error in
            let error = error as! HDF5Error
            return error.code == .damaged && error.objectPath == "/:strings"
                && error.message == "damaged: refused by the test" && error.filePath == path
        }
        #expect(try run.openDataset("loss").read(as: Float.self) == [1, 2, 3])
    }
}
