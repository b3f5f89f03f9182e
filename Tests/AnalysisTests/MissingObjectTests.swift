import Analysis
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@testable import DamagedFiles

/// What `missing` lists carries its reason as a type: an object the quarantine kept from HDF5 is damage (listed once,
/// under `damaged`), any other unreadable object stays missing — told apart by the error's code and object, not by
/// its words.
@Suite("Missing objects")
struct MissingObjectTests {
    @Test("a quarantined table is damaged, not missing; a table that is not there is missing, as unreadable")
    func quarantinedAndUnreadable() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        try SmallTrace.write(path, runs: [("layernorm", 0, [2, 1]), ("adanorm", 0, [1, 0.75])])
        let file = try File.open(path, mode: .readWrite)
        try file.removeLink("/runs/adanorm-s0/evals")
        try file.close()
        let quarantined = "/runs/layernorm-s0/evals"
        let probe = DamageProbe()
        probe.remember(Quarantine([.init(target: .object(quarantined), reason: "SIGSEGV")]), for: path)

        let summary = try TraceSummary(paths: [path], probe: probe)
        #expect(summary.damaged.filter { $0.object == quarantined }.count == 1, "\(summary.damaged)")
        #expect(!summary.missing.contains { $0.object == quarantined }, "\(summary.missing)")
        let gone = summary.missing.filter { $0.object == "/runs/adanorm-s0/evals" }
        #expect(
            gone.count == 1 && gone.allSatisfy { $0.reason == .unreadable && $0.file == path }, "\(summary.missing)")
        // The text and JSON outputs keep their one line per object.
        #expect(summary.trailer.contains("missing: \(try #require(gone.first).description)"))
    }
}
