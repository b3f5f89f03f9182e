import Foundation
import HDF5
import TestSupport
import Testing

@testable import DamagedFiles

#if canImport(Glibc)
    import Glibc
#endif

/// The probe: a forked child walks a file naming what it touches; an object it dies on is quarantined and skipped
/// in the next round; verdicts are kept per file stamp by the probe that found them, and by nothing else.
@Suite("Damage probe")
struct DamageProbeTests {
    /// One round on `path` in a child of this process, as `ProbeRounds` runs it.
    private func round(_ path: String, skipping: Quarantine = Quarantine()) -> ProbeChild {
        ProbeChild.run(timeout: 30) { output in
            ProbeProtocol.prepareChild(memoryBudgetMiB: 1024, perturbMemory: true)
            ProbeWalker(path: path, skipping: skipping, output: output, readAll: true, readsRawChunks: true).walk()
        }
    }

    @Test("a round names what it touches: on a fixture it dies listing attributes, and gets further skipping them")
    func namesTheCulprit() throws {
        let fixture = DamagedFixtures.path("attribute-iteration.h5")
        let first = round(fixture)
        guard case .signaled = first.ending else {
            Issue.record("the fixture no longer crashes HDF5: \(first.ending)")
            return
        }
        let culprit = HDF5Access.attributeIteration(object: "/runs/adanorm-s0")
        #expect(first.lastMarker == .touch(culprit))
        let second = round(fixture, skipping: Quarantine([.init(target: culprit, reason: "SIGSEGV")]))
        #expect(second.lineCount > first.lineCount, "skipping \(culprit) gets no further: \(second.ending)")
    }

    @Test("vet quarantines what crashes HDF5 and nothing on a clean file; a missing file is left to its reader")
    func verdicts() throws {
        let probe = DamageProbe(options: .init())
        let damaged = try probe.vet(DamagedFixtures.path("attribute-iteration.h5"))
        #expect(damaged.quarantine.entries.map(\.target).contains(.attributeIteration(object: "/runs/adanorm-s0")))
        let directory = TemporaryDirectory()
        let clean = directory.file("clean.h5")
        let file = try File.create(clean)
        try file.createGroup("runs/r0").setAttribute("preset", "layernorm")
        try file.close()
        #expect(try probe.vet(clean).quarantine.isEmpty)
        #expect(try probe.vet(directory.file("missing.h5")).quarantine.isEmpty)
        #expect(try probe.vet(directory.path).quarantine.isEmpty)
        let off = DamageProbe(options: .init(enabled: false))
        #expect(try off.vet(DamagedFixtures.path("attribute-iteration.h5")).quarantine.isEmpty)
    }

    @Test("a child that hangs in HDF5 is killed at the deadline, and every string of that file is set aside")
    func hang() throws {
        let probe = DamageProbe(options: .init(timeout: 2))
        let started = Date()
        let probed = try probe.vet(DamagedFixtures.path("global-heap-zeroed-latest-format.h5"))
        #expect(Date().timeIntervalSince(started) < 15)
        let entry = try #require(probed.quarantine.entries.first)
        #expect(entry.target == .variableLengthStrings && entry.reason == "no answer within 2 s", "\(entry)")
    }

    @Test("a verdict is reused while the file's stamp is unchanged, found again when it changes, and not shared")
    func cachedPerStamp() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("trace.h5")
        try FileManager.default.copyItem(atPath: DamagedFixtures.path("attribute-iteration.h5"), toPath: path)
        let probe = DamageProbe(options: .init())
        let first = try probe.vet(path)
        #expect(!first.quarantine.isEmpty)

        // The bytes of a fixture of the same size whose damage the reads' own checks catch (nothing to quarantine),
        // written over the file in place with its modification time put back: the same stamp.
        var before = stat()
        try #require(stat(path, &before) == 0)
        let other = try Data(contentsOf: URL(fileURLWithPath: DamagedFixtures.path("vlen-string-global-heap.h5")))
        try #require(other.count == Int(before.st_size))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: other)
        try handle.close()
        func setModified(_ time: timespec) {
            let times = [before.st_atim, time]
            _ = utimensat(AT_FDCWD, path, times, 0)
        }
        setModified(before.st_mtim)
        #expect(try probe.vet(path).quarantine == first.quarantine, "walked again though the stamp is the same")
        #expect(try DamageProbe(options: .init()).vet(path).quarantine.isEmpty, "another probe shares the verdict")

        setModified(timespec(tv_sec: before.st_mtim.tv_sec + 1, tv_nsec: before.st_mtim.tv_nsec))
        #expect(try probe.vet(path).quarantine.isEmpty, "not walked again after the file changed")
    }
}
