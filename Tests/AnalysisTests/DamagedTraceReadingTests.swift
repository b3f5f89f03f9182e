import Analysis
import Foundation
import HDF5
import TestSupport
import Testing

/// A program that uses the library — not the `normscope` executable — and reads a trace on which HDF5 1.10 crashes
/// gets the probe's protection too: a `.damaged` error or a `damaged` entry, and its own process lives on. Before
/// the probe belonged to the library, these reads crashed the program that made them (SIGSEGV in `H5Aiterate2`,
/// SIGABRT in `H5DSis_scale`; Tests/NormScopeCLITests/Fixtures/damaged/README.md).
@Suite("Reading damaged traces as a library")
struct DamagedTraceReadingTests {
    private func expectDamaged(_ body: () throws -> Void) {
        #expect {
            try body()
        } throws: { error in
            guard let error = error as? HDF5Error else { return false }
            return error.code == .damaged && error.message.contains("crashed HDF5 in a probe")
        }
    }

    @Test("inspecting a trace whose attribute table or dimension scale crashes HDF5: a bad verdict, or .damaged")
    func inspect() throws {
        // The run group's attributes are not listed; the rest of the file is inspected and judged.
        let report = try TraceInspector().inspect(path: DamagedFixtures.path("attribute-iteration.h5"))
        #expect(!report.isGood)
        #expect(report.tree.contains { $0.contains("adanorm-s0/") })
        expectDamaged { _ = try TraceInspector().inspect(path: DamagedFixtures.path("dimension-scale-double-free.h5")) }
    }

    @Test("summarizing a trace lists the object that crashes HDF5 as damaged and summarizes the rest")
    func summary() throws {
        let summary = try TraceSummary(paths: [DamagedFixtures.path("dimension-scale-double-free.h5")])
        let entry = try #require(summary.damaged.first { $0.object.hasSuffix("hidden1.norm/phi_bin") })
        #expect(entry.problem.hasPrefix("opening or reading it crashed HDF5 in a probe"), "\(entry)")
        #expect(summary.layers["adanorm-s0"] != nil)
    }
}
