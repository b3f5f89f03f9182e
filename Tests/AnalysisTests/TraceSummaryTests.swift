import Analysis
import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@Suite("Trace summary")
struct TraceSummaryTests {
    @Test("per run: best validation loss and its step, the gaps; per preset: mean ± sample sd with n")
    func aggregates() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        try SmallTrace.write(
            path, runs: [("layernorm", 0, [2, 1, 1.5]), ("layernorm", 1, [3, 2, 1]), ("adanorm", 0, [1, 0.75])])
        let summary = try TraceSummary(paths: [path])
        let run = try #require(summary.runs.first { $0.id == "layernorm-s0" })
        #expect(run.bestValidLoss == 1 && run.bestValidStep == 10 && run.gapAtBest == 0.5 && run.gapAtEnd == 1)
        #expect(run.gapLastTenth == 1)  // the last 10% of 3 evaluations is the last one
        let layernorm = try #require(summary.groups.first { $0.group == "layernorm" })
        #expect(layernorm.runs == 2 && layernorm.bestValidLoss.count == 2 && layernorm.bestValidLoss.mean == 1)
        #expect(
            layernorm.gapAtEnd.mean == 0.75
                && abs(layernorm.gapAtEnd.standardDeviation - 0.5.squareRoot() / 2 * 1) < 1e-12)
        let adanorm = try #require(summary.groups.first { $0.group == "adanorm" })
        #expect(
            adanorm.runs == 1 && adanorm.gapAtEnd.standardDeviation.isNaN
                && adanorm.gapAtEnd.formatted() == "0.2500 (1)")
        #expect(summary.text(baseline: nil).contains("layernorm") && summary.text(baseline: nil).contains("(2)"))
    }

    @Test("shards merge by run; a run given twice is counted once and named before every table")
    func merging() throws {
        let directory = TemporaryDirectory()
        let (a, b) = (directory.file("a.h5"), directory.file("b.h5"))
        try SmallTrace.write(a, runs: [("layernorm", 0, [1, 0.9])])
        try SmallTrace.write(b, runs: [("layernorm", 1, [1, 0.8]), ("layernorm", 0, [1, 0.7])])
        let summary = try TraceSummary(paths: [a, b])
        #expect(summary.runs.map(\.id).sorted() == ["layernorm-s0", "layernorm-s1"])
        #expect(summary.runs.first { $0.id == "layernorm-s0" }?.file == a)
        #expect(summary.runs.map(\.name).sorted() == ["layernorm-s0", "layernorm-s1"])
        #expect(
            summary.duplicates == [
                DuplicateRun(file: b, run: "layernorm-s0", keptFile: a, keptRun: "layernorm-s0")
            ])
        let text = summary.text(baseline: nil)
        #expect(
            text.hasPrefix(
                "duplicate: \(b) repeats a run of \(a) (same preset, seed and settings): layernorm-s0; each counted "
                    + "once, from \(a)\n"), "\(text)")
        #expect(text.components(separatedBy: "duplicate:").count == 2, "named once, at the top")
    }

    @Test("traces recorded apart: runs of other settings are other runs whatever their ids, grouped by the setting")
    func recordedApart() throws {
        let directory = TemporaryDirectory()
        let (a, b) = (directory.file("a.h5"), directory.file("b.h5"))
        let runs: [(preset: String, seed: Int, valid: [Double])] = [
            ("layernorm", 0, [1, 0.9]), ("layernorm", 1, [1, 0.8]), ("adanorm", 0, [1, 0.7]), ("adanorm", 1, [1, 0.6]),
        ]
        try SmallTrace.write(a, runs: runs, lr: 0.001)
        try SmallTrace.write(b, runs: runs, lr: 0.01)
        let summary = try TraceSummary(paths: [a, b])
        #expect(summary.runs.count == 8 && summary.duplicates.isEmpty && summary.leader.isEmpty)
        #expect(summary.grouping.keys == ["lr"])
        #expect(
            Set(summary.groups.map(\.group)) == [
                "layernorm lr=0.001", "adanorm lr=0.001", "layernorm lr=0.01", "adanorm lr=0.01",
            ])
        #expect(summary.groups.allSatisfy { $0.runs == 2 })
        // Their ids repeat, so each run is named by its file, and every run keeps its own layers and chart points.
        #expect(Set(summary.runs.map(\.name)).count == 8)
        #expect(summary.runs.first { $0.file == b }?.name == "\(b):adanorm-s0")
        #expect(Set(summary.series.keys) == Set(summary.runs.map(\.name)))
        #expect(summary.comparisons(baseline: "layernorm").count == 2)

        // A label names a file's runs; a path that exists is read whole, colon and all.
        let colon = directory.file("lr:0.01.h5")
        try FileManager.default.copyItem(atPath: b, toPath: colon)
        let labelled = try TraceSummary(paths: [a + ":small-lr", colon])
        #expect(labelled.inputs == [TraceInput(path: a, label: "small-lr"), TraceInput(path: colon)])
        let first = labelled.runs.filter { $0.file == a }
        #expect(first.allSatisfy { $0.name == "small-lr:\($0.id)" && $0.label == "small-lr" })
        #expect(labelled.runs.filter { $0.file == colon }.allSatisfy { $0.name == "\(colon):\($0.id)" })
        #expect(labelled.csv.hasPrefix("file,label,run,group,preset,lr,seed"))
        #expect(labelled.csv.contains("\n\(a),small-lr,adanorm-s0,adanorm lr=0.001,"))
    }

    @Test("FILE:LABEL: the suffix after the last colon is a label unless the whole argument exists or it has a slash")
    func inputArguments() throws {
        let directory = TemporaryDirectory()
        let existing = directory.file("x:y")
        FileManager.default.createFile(atPath: existing, contents: Data())
        #expect(TraceInput(argument: existing) == TraceInput(path: existing))
        #expect(TraceInput(argument: existing + ":z") == TraceInput(path: existing, label: "z"))
        #expect(TraceInput(argument: "a.h5:lr sweep") == TraceInput(path: "a.h5", label: "lr sweep"))
        #expect(TraceInput(argument: "a.h5:") == TraceInput(path: "a.h5:"))
        #expect(TraceInput(argument: ":b") == TraceInput(path: ":b"))
        #expect(TraceInput(argument: "host:/data/a.h5") == TraceInput(path: "host:/data/a.h5"))
        #expect(TraceInput(path: "a.h5", label: "lr").description == "a.h5 (lr)")
    }

    @Test("not a trace, another format version, not HDF5: one-line errors naming the file")
    func badInput() throws {
        let directory = TemporaryDirectory()
        let plain = directory.file("plain.h5")
        let file = try File.create(plain)
        try file.setAttribute("format_version", Int64(3))
        try file.close()
        #expect { _ = try TraceSummary(paths: [plain]) } throws: {
            "\($0)".contains("plain.h5") && "\($0)".contains("version 3") && "\($0)".contains("versions 1 to 2")
        }
        let other = directory.file("other.h5")
        try File.create(other).close()
        #expect { _ = try TraceSummary(paths: [other]) } throws: {
            "\($0)".contains("other.h5") && "\($0)".contains("/runs")
        }
        let text = directory.file("text.h5")
        try "x".write(toFile: text, atomically: true, encoding: .utf8)
        #expect { _ = try TraceSummary(paths: [text]) } throws: {
            !"\($0)".contains("\n") && "\($0)".contains("text.h5")
        }
    }
}

@Suite("Preset comparisons")
struct PresetComparisonTests {
    private func run(
        _ preset: String, _ seed: Int, best: Double, test: Double = 0, accuracy: Double = 1, scale: Double? = nil,
        languageModel: Bool = false
    ) throws -> RunSummary {
        var summary = try JSONDecoder().decode(
            RunSummary.self,
            from: Data(
                """
                {"id": "\(preset)-s\(seed)", "name": "\(preset)-s\(seed)", "file": "t.h5", "preset": "\(preset)", "group": "\(preset)", "seed": \(seed),
                 "status": "completed", "settings": {}, "stepRows": 10, "usedEvaluations": 1,
                 "completedSteps": 10, "evaluationCount": 1, "finalTrainLoss": 0, "finalValidLoss": \(best),
                 "finalValidAccuracy": 1, "bestValidLoss": \(best), "bestValidStep": 0, "bestValidAccuracy": 1,
                 "gapAtEnd": \(best), "gapAtBest": \(best), "gapLastTenth": \(best), "testLossAtBest": 0,
                 "testAccuracyAtBest": 0, "isLanguageModel": \(languageModel)}
                """.utf8))
        summary.divergedAtStep = nil
        summary.testLossAtBest = test
        summary.testAccuracyAtBest = accuracy
        if let scale {
            summary.settings["adanorm_scale"] = .number(scale)
            summary.group = "\(preset) adanorm_scale=\(scale)"
        }
        return summary
    }

    @Test("AdaNorm at C = 1 and C = 2 each compare with the LayerNorm group, which sets no C")
    func variantOverridesCompareWithBaseline() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        for (id, preset, scale, valid) in [
            ("layernorm-s0", "layernorm", nil, 1.0), ("layernorm-s1", "layernorm", nil, 1.2),
            ("adanorm-s0-adanorm_scale1", "adanorm", 1.0, 0.9), ("adanorm-s1-adanorm_scale1", "adanorm", 1.0, 1.1),
            ("adanorm-s0-adanorm_scale2", "adanorm", 2.0, 0.8), ("adanorm-s1-adanorm_scale2", "adanorm", 2.0, 1.0),
        ] as [(String, String, Double?, Double)] {
            let seed = id.contains("-s1") ? 1 : 0
            var config = #"{"preset": "\#(preset)", "seed": \#(seed)"#
            if let scale { config += #", "adanorm_scale": \#(scale)"# }
            let handle = try writer.beginRun(
                RunDescription(
                    id: id, attributes: ["preset": .string(preset), "seed": .int64(Int64(seed))],
                    configurationJSON: config + "}"))
            try writer.append(
                step: StepRow(step: 0, loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0), norms: [], to: handle)
            try writer.append(
                evaluation: EvaluationRow(
                    step: 0, trainLoss: 0.5, trainAccuracy: 1, validLoss: valid, validAccuracy: 0.9, testLoss: valid,
                    testAccuracy: 0.9),
                to: handle)
            try writer.finishRun(handle, status: .completed, completedSteps: 1)
        }
        try writer.close()
        let summary = try TraceSummary(paths: [path])
        #expect(summary.groups.map(\.group) == ["adanorm adanorm_scale=1", "adanorm adanorm_scale=2", "layernorm"])
        let comparisons = summary.comparisons(baseline: "layernorm")
        #expect(comparisons.map(\.baselineGroup) == ["layernorm", "layernorm"])
        #expect(summary.uncomparedGroups(baseline: "layernorm").isEmpty)
        #expect(abs(comparisons[1].bestValidLoss.difference + 0.2) < 1e-12)
        #expect(summary.text(baseline: "layernorm").contains("Test split at the best validation step"))
    }

    @Test("test split: differences at the best-validation step; bits per character for language models only")
    func testMetrics() throws {
        let runs = try [
            run("layernorm", 0, best: 1, test: 1.1, accuracy: 0.9),
            run("layernorm", 1, best: 1, test: 1.3, accuracy: 0.8),
            run("adanorm", 0, best: 1, test: 1.0, accuracy: 0.95),
            run("adanorm", 1, best: 1, test: 1.2, accuracy: 0.85),
        ]
        func group(_ runs: [RunSummary], _ preset: String) -> GroupSummary {
            GroupSummary(group: preset, preset: preset, settings: [:], runs: runs.filter { $0.preset == preset })
        }
        let classifier = GroupComparison(group: group(runs, "adanorm"), baseline: group(runs, "layernorm"), runs: runs)
        #expect(abs((classifier.testLossAtBest?.difference ?? .nan) + 0.1) < 1e-12)
        #expect(abs((classifier.testAccuracyAtBest?.difference ?? .nan) - 0.05) < 1e-12)
        #expect(classifier.testBitsPerCharacterAtBest == nil)
        #expect(classifier.estimates.map(\.name).contains("test acc at best"))
        #expect(group(runs, "adanorm").testBitsPerCharacterAtBest.count == 0)

        let models = try [
            run("layernorm", 0, best: 1, test: 1.1, languageModel: true),
            run("layernorm", 1, best: 1, test: 1.3, languageModel: true),
            run("adanorm", 0, best: 1, test: 1.0, languageModel: true),
        ]
        let languageModel = GroupComparison(
            group: group(models, "adanorm"), baseline: group(models, "layernorm"), runs: models)
        #expect(languageModel.testAccuracyAtBest == nil)
        #expect(abs((languageModel.testBitsPerCharacterAtBest?.difference ?? .nan) + 0.2 / M_LN2) < 1e-12)
        #expect(abs(group(models, "layernorm").testBitsPerCharacterAtBest.mean - 1.2 / M_LN2) < 1e-12)

        // A trace from before the test split was measured: no test estimates at all, not NaN ones.
        let old = try [
            run("layernorm", 0, best: 1, test: .nan, accuracy: .nan),
            run("adanorm", 0, best: 2, test: .nan, accuracy: .nan),
        ]
        let untested = GroupComparison(group: group(old, "adanorm"), baseline: group(old, "layernorm"), runs: old)
        #expect(untested.testLossAtBest == nil && untested.estimates.count == 3)
    }

    @Test("Δ is preset minus baseline with Welch's p and both n; one run gives no p")
    func comparison() throws {
        let runs = [
            try run("layernorm", 0, best: 1), try run("layernorm", 1, best: 2), try run("layernorm", 2, best: 3),
            try run("adanorm", 0, best: 2), try run("adanorm", 1, best: 4), try run("adanorm", 2, best: 6),
            try run("none", 0, best: 1),
        ]
        func group(_ preset: String) -> GroupSummary {
            GroupSummary(group: preset, preset: preset, settings: [:], runs: runs.filter { $0.preset == preset })
        }
        let adanorm = GroupComparison(group: group("adanorm"), baseline: group("layernorm"), runs: runs)
        #expect(adanorm.runs == 3 && adanorm.baselineRuns == 3 && adanorm.bestValidLoss.difference == 2)
        #expect(
            adanorm.bestValidLoss.welch.p == WelchTest([2, 4, 6], [1, 2, 3]).p && adanorm.bestValidLoss.welch.p > 0.05)
        #expect(adanorm.bestValidLoss.verdict.description == "not distinguishable at n = 3/3")
        let none = GroupComparison(group: group("none"), baseline: group("layernorm"), runs: runs)
        #expect(none.runs == 1 && none.bestValidLoss.welch.p.isNaN && none.bestValidLoss.interval.lower.isNaN)
        #expect(none.bestValidLoss.verdict.description == "not distinguishable at n = 1/3 (too few runs)")
    }
}

@Suite("Summary formats")
struct SummaryFormatTests {
    @Test("markdown has the three tables; csv one row per run with a header; json parses with the documented keys")
    func formats() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("t.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        for (preset, seed, valid) in [
            ("layernorm", 0, 0.5), ("layernorm", 1, 0.7), ("adanorm", 0, 0.4), ("adanorm", 1, 0.6),
        ] {
            let run = try writer.beginRun(
                RunDescription(
                    id: "\(preset)-s\(seed)", attributes: ["preset": .string(preset), "seed": .int64(Int64(seed))]))
            try writer.append(
                step: StepRow(step: 0, loss: 1, learningRate: 0.1, gradientNorm: 1, seconds: 0), norms: [], to: run)
            try writer.append(
                evaluation: EvaluationRow(
                    step: 0, trainLoss: 0.25, trainAccuracy: 1, validLoss: valid, validAccuracy: 0.9),
                to: run)
            try writer.finishRun(run, status: .completed, completedSteps: 1)
        }
        try writer.close()
        let summary = try TraceSummary(paths: [path])
        let markdown = summary.markdown(baseline: "layernorm")
        #expect(markdown.contains("| adanorm | 2 | 0 | 0 | 0.2500 ± 0.1414 (2) |"))  // gap at end: 0.4 − 0.25, 0.6 − 0.25
        #expect(markdown.contains("| adanorm | 0.5000 ± 0.1414 (2) | 0.5000 ± 0.1414 (2) | 0.9000 ± 0.0000 (2) |"))
        #expect(markdown.contains("| adanorm | best valid loss | 2/2 | -0.1000 | ["), "\(markdown)")
        let csv = summary.csv.split(separator: "\n")
        #expect(
            csv.count == 5 && csv[0].hasPrefix("file,run,group,preset,seed,status")
                && csv[1].contains(",adanorm-s0,adanorm,adanorm,0,"))
        let json = try JSONSerialization.jsonObject(with: summary.json(baseline: "layernorm")) as? [String: Any]
        #expect(
            Set(json?.keys.map { $0 } ?? []) == [
                "schema", "grouping", "runs", "duplicates", "groups", "layers", "gradients", "theorem_checks",
                "baseline", "comparisons", "uncompared_groups", "notes", "missing", "damaged",
            ])
    }
}
