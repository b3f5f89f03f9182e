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
        ProbeWalker.prepareInParent()
        return ProbeChild.run(timeout: 30) { output in
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

    /// The walk evicts an object's metadata after each attribute it reads, and an eviction scans HDF5's whole
    /// metadata cache: with the cache HDF5 grows as objects are read, a healthy 55,000-object trace was walked past
    /// its deadline round after round and called damaged. The walk's file keeps its cache small whatever the
    /// file holds; the same visit through a plain open keeps an entry per object.
    @Test("the walk's metadata cache stays a few hundred entries while thousands of objects are visited")
    func boundedCache() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("many.h5")
        let file = try File.create(path)
        for run in 0..<1500 {
            let group = try file.createGroup("runs/r\(run)")
            for index in 0..<4 { try group.setAttribute("setting\(index)", Int64(index)) }
            for layer in 0..<2 {
                let dataset = try group.createDataset("layer\(layer)", values: [Int64(layer), 1, 2])
                for index in 0..<2 { try dataset.setAttribute("a\(index)", Int64(index)) }
                try dataset.close()
            }
            try group.close()
        }
        try file.close()
        func visitAll(_ file: File) throws -> Int {
            func visitAttributes(of node: some Node) throws {
                for name in try node.attributeNames() {
                    _ = try node.attributeValue(name) {}
                    try node.refreshMetadata()
                }
            }
            for run in 0..<1500 {
                let group = try file.openGroup("runs/r\(run)")
                try visitAttributes(of: group)
                for name in try group.children() {
                    let dataset = try group.openDataset(name)
                    try visitAttributes(of: dataset)
                    try dataset.close()
                }
                try group.close()
            }
            defer { try? file.close() }
            return try file.metadataCacheEntryCount()
        }
        let walked = try #require(ProbeWalker.open(path, skipping: Quarantine()))
        let bounded = try visitAll(walked)
        let plain = try visitAll(try File.open(path))
        #expect(bounded <= 400, "the walk's cache holds \(bounded) entries after 4,500 objects")
        #expect(plain > 3000, "a plain open's cache holds \(plain) entries: the file is too small to tell")
    }

    /// The deadline is on silence: a walk of a file of many small objects outlasted a deadline that grew with the
    /// file's bytes while it named a new object every millisecond.
    @Test("a child that names a new object more often than its timeout is not killed, however long it walks")
    func progressExtendsTheDeadline() {
        let markers = (0..<8).map { ProbeProtocol.Marker.touch(.object("/runs/r\($0)")) }
        let child = ProbeChild.run(timeout: 1) { output in
            ProbeProtocol.prepareChild(memoryBudgetMiB: 1024, perturbMemory: false)
            for marker in markers {
                ProbeProtocol.say(marker, to: output)
                usleep(400_000)
            }
            ProbeProtocol.say(.done, to: output)
            _exit(0)
        }
        #expect(child.ending == .exited(0))
        #expect(child.lastMarker == .done)
    }

    @Test("a silent child is killed after its timeout; one that chatters for ever, after the round's whole limit")
    func silenceAndLimit() {
        var started = Date()
        let silent = ProbeChild.run(timeout: 0.5) { _ in
            ProbeProtocol.prepareChild(memoryBudgetMiB: 1024, perturbMemory: false)
            sleep(100)
            _exit(0)
        }
        #expect(silent.ending == .timedOut)
        #expect(Date().timeIntervalSince(started) < 5)
        let marker = ProbeProtocol.Marker.touch(.object("/runs/r0"))
        started = Date()
        let endless = ProbeChild.run(timeout: 0.1) { output in
            ProbeProtocol.prepareChild(memoryBudgetMiB: 1024, perturbMemory: false)
            while true {
                ProbeProtocol.say(marker, to: output)
                usleep(20_000)
            }
        }
        let took = Date().timeIntervalSince(started)
        #expect(endless.ending == .timedOut)
        #expect(endless.lastMarker == marker)
        #expect(took >= 0.1 * ProbeChild.limitPerTimeout - 0.2 && took < 20, "the whole limit is 3 s; took \(took) s")
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
