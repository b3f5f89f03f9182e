import Analysis
import Benchmarks
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("Analysis benchmark")
struct AnalysisBenchmarkTests {
    /// The repository's `analysis/bench_analyze.py`, found from this file.
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("analysis/bench_analyze.py").path

    /// A few MB: 8 runs × 600 steps, the last run diverging at its last step.
    private static func writeSmallTrace(_ path: String) throws -> SyntheticTrace.Written {
        try SyntheticTrace(stepsPerRun: 600).write(to: path)
    }

    @Test("the streaming TraceSummary equals h5py + NumPy on every per-run and per-layer number and chart point")
    func streamingMatchesNumPy() throws {
        #expect(PythonScript.canImport("h5py"), "python3 with h5py and numpy is needed (pip install h5py numpy)")
        let directory = TemporaryDirectory()
        let path = directory.file("small.h5")
        let written = try Self.writeSmallTrace(path)
        #expect(written.bytes > 1_000_000 && written.steps == 4800)

        // blockRows 100: every grad table (600 rows) is read in 6 blocks, phi (60 rows) in one, evals (24) in one.
        let summary = try TraceSummary(paths: [path], bins: 240, blockRows: 100)
        #expect(summary.missing.isEmpty)
        let output = directory.file("numpy.json")
        let run = try ChildProcess.run(
            "/usr/bin/env", arguments: ["python3", Self.script, path, "--json", output, "--series", "--bins", "240"])
        #expect(run.status == 0, "bench_analyze.py failed: \(run.standardError)")
        let numpy = try Data(contentsOf: URL(fileURLWithPath: output))

        let comparison = try AnalysisBenchmark.Comparison(analyzeJSON: try summary.json(), scriptJSON: numpy)
        #expect(comparison.agrees, "\(comparison.differenceCount) differences: \(comparison.differences)")
        // 8 runs × (15 run fields + 4 layers × (2 + 2 × 8 + 10)) + 4 AdaNorm layers × 2 runs × (8 + 2 × 9)
        #expect(comparison.comparedValues >= 8 * (14 + 4 * 28))

        let series = try SeriesDocument.encode(summary.series)
        let charts = try AnalysisBenchmark.Comparison(expected: numpy, actual: series, key: "series")
        #expect(charts.agrees, "\(charts.differenceCount) differences: \(charts.differences)")
        #expect(charts.comparedValues > 8 * 4 * 7 * 240)
    }

    @Test("the synthetic trace looks recorded: settings, Theorem 1 per preset, a diverged run, Φ at C")
    func syntheticTraceShape() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("small.h5")
        _ = try Self.writeSmallTrace(path)
        let summary = try TraceSummary(paths: [path], blockRows: 100)
        #expect(summary.runs.map(\.id).count == 8 && summary.groups.count == 4)
        let diverged = try #require(summary.runs.first { $0.id == "adanorm-s1" })  // the last run written
        #expect(diverged.divergedAtStep == 599 && diverged.status == .diverged && diverged.finalValidLoss.isFinite)
        let checks = Dictionary(grouping: summary.theoremChecks, by: \.group)
        for preset in ["layernorm", "layernorm-simple", "detachnorm", "adanorm"] {
            let presetChecks = try #require(checks[preset])
            let failing = presetChecks.filter { !$0.holds }
            #expect(failing.isEmpty, "\(preset): \(failing)")
        }
        let adanorm = try #require(summary.layers["adanorm-s0"]?.first?.phi)
        #expect(adanorm.scale == 2 && adanorm.recordedSteps == 60 && adanorm.stepsMeanAtScale == 60)
        let detach = try #require(summary.layers["detachnorm-s0"]?.first)
        #expect(detach.theorem.recenterOneSteps == 600 && detach.theorem.rescaleOneSteps == 600)
    }

    @Test("a child's exit status is reported")
    func exitStatus() throws {
        let result = try ProcessMeasurement.run("/bin/sh", arguments: ["-c", "exit 3"])
        #expect(result.status == 3 && result.terminatingSignal == nil && result.wallSeconds >= 0)
        let killed = try ProcessMeasurement.run("/bin/sh", arguments: ["-c", "kill -9 $$"])
        #expect(killed.terminatingSignal == 9 && killed.status == 137)
    }

    @Test("the child's own peak RSS is measured, not the parent's")
    func peakResidentMemory() throws {
        let small = try ProcessMeasurement.run("/bin/sh", arguments: ["-c", "exit 0"])
        #expect(small.peakResidentMiB < 50)
        // bytearray zero-fills, so all 200 MiB are touched and resident.
        let large = try ProcessMeasurement.run("python3", arguments: ["-c", "b = bytearray(200 << 20)"])
        #expect(large.status == 0 && large.peakResidentMiB >= 200, "peak \(large.peakResidentMiB) MiB")
    }

    @Test("a missing program is a clear error, and standard output goes to the file asked for")
    func spawnFailureAndOutput() throws {
        #expect(throws: ProcessMeasurement.SpawnError.self) {
            try ProcessMeasurement.run("normscope-no-such-program", arguments: [])
        }
        let directory = TemporaryDirectory()
        let output = directory.file("out.txt")
        _ = try ProcessMeasurement.run("/bin/sh", arguments: ["-c", "echo hello"], standardOutput: output)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "hello\n")
    }

    @Test("the child inherits no open file of ours (an open HDF5 file's lock would go with it)")
    func noInheritedDescriptors() throws {
        let directory = TemporaryDirectory()
        let held = directory.file("held.txt")
        #expect(FileManager.default.createFile(atPath: held, contents: Data("x".utf8)))
        let handle = try #require(FileHandle(forReadingAtPath: held))
        defer { try? handle.close() }
        let output = directory.file("fds.txt")
        let result = try ProcessMeasurement.run(
            "/bin/sh", arguments: ["-c", "ls -l /proc/$$/fd"], standardOutput: output)
        let listing = try String(contentsOfFile: output, encoding: .utf8)
        #expect(result.status == 0 && listing.contains("fds.txt"))
        #expect(!listing.contains("held.txt"), "\(listing)")
    }

    @Test("the comparison finds a changed number, a changed count and a missing layer")
    func comparisonReportsDifferences() throws {
        let ours = Data(
            #"""
            {"runs": [{"id": "a-s0", "best_valid_loss": 1.0, "evaluation_count": 3}],
             "layers": {"a-s0": [{"layer": "x", "theorem": {"recenter_steps": 10}, "late": {"rescale_ratio": null}}]}}
            """#.utf8)
        let same = Data(
            #"""
            {"runs": {"a-s0": {"best_valid_loss": 1.0000000000001, "evaluation_count": 3,
                               "layers": {"x": {"theorem": {"recenter_steps": 10}, "late": {"rescale_ratio": null}}}}}}
            """#.utf8)
        let comparison = try AnalysisBenchmark.Comparison(analyzeJSON: ours, scriptJSON: same)
        #expect(comparison.agrees && comparison.comparedValues == 4)
        let different = Data(
            #"""
            {"runs": {"a-s0": {"best_valid_loss": 1.001, "evaluation_count": 3,
                               "layers": {"x": {"theorem": {"recenter_steps": 11}, "late": {"rescale_ratio": 0.5}},
                                          "y": {}}}}}
            """#.utf8)
        let differs = try AnalysisBenchmark.Comparison(analyzeJSON: ours, scriptJSON: different)
        #expect(!differs.agrees && differs.differenceCount == 4)
        #expect(differs.summary.contains("a-s0 › best_valid_loss"))
    }
}

/// `TraceSummary.series` in the shape `bench_analyze.py --series` writes it.
private struct SeriesDocument: Encodable {
    struct Run: Encodable {
        var evaluations: [String: [Double]]
        var layers: [String: [String: [Double]]]
        var phi: [String: [String: [Double]]]
        var phiMaps: [String: PhiMap]
    }

    struct PhiMap: Encodable {
        var stepEdges: [Double]
        var valueEdges: [Double]
        var fractions: [[Double]]
    }

    var series: [String: Run]

    static func encode(_ series: [String: RunSeries]) throws -> Data {
        func columns(_ binned: BinnedSeries) -> [String: [Double]] {
            var result = ["steps": binned.steps]
            for (index, name) in binned.names.enumerated() { result[name] = binned.values[index] }
            return result
        }
        let document = SeriesDocument(
            series: series.mapValues { run in
                Run(
                    evaluations: columns(run.evaluations), layers: run.layers.mapValues(columns),
                    phi: run.phi.mapValues(columns),
                    phiMaps: run.phiMaps.mapValues {
                        PhiMap(stepEdges: $0.stepEdges, valueEdges: $0.valueEdges, fractions: $0.fractions)
                    })
            })
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(document)
    }
}
