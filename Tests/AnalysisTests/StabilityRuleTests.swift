import Foundation
import HDF5
import Recording
import TestSupport
import Testing

@testable import Analysis

/// The stability rule (analysis/METHODS.md, "Stability over a learning-rate grid") on runs built by hand, so each
/// verdict can be checked against the rule's text.
@Suite("Stability rule")
struct StabilityRuleTests {
    /// A finished run at learning rate `lr` with the given ending; every other field as a plain completed run has it.
    static func run(
        _ preset: String = "layernorm", lr: Double, seed: Int64 = 0, status: RunStatus? = .completed,
        divergedAt: Int64? = nil, best: Double = 1, prior: Double? = 2, depth: Double? = nil
    ) -> RunSummary {
        var settings: [String: SettingValue] = ["lr": .number(lr)]
        if let depth { settings["layers"] = .number(depth) }
        var summary = RunSummary(
            id: "\(preset)-\(lr)-\(seed)", file: "t.h5", preset: preset, seed: seed, settings: settings,
            status: status.map { .known($0) } ?? .unknown, completedSteps: 10, stepRows: 10,
            divergedAtStep: divergedAt, evaluationCount: 1, usedEvaluations: 1, finalTrainLoss: best,
            finalValidLoss: best, finalValidAccuracy: 0.5, bestValidLoss: best, bestValidStep: 0,
            bestValidAccuracy: 0.5, gapAtEnd: 0, gapAtBest: 0, gapLastTenth: 0, normalization: nil)
        summary.priorLoss = prior
        return summary
    }

    /// The rule over `runs`, grouped as `analyze` groups them (by preset and every setting that differs).
    static func stability(_ runs: [RunSummary]) -> Stability? {
        let grouping = RunGrouping(automaticFor: runs.map(\.settings))
        var runs = runs
        for index in runs.indices {
            runs[index].group = grouping.label(preset: runs[index].preset, settings: runs[index].settings)
        }
        var order: [String] = []
        for run in runs where !order.contains(run.group) { order.append(run.group) }
        let groups = order.map { label in
            let members = runs.filter { $0.group == label }
            return GroupSummary(
                group: label, preset: members[0].preset, settings: grouping.values(members[0].settings),
                runs: members)
        }
        return Stability(groups: groups, runs: runs, grouping: grouping)
    }

    @Test("diverged by status or by the step analysis found; stalled above 0.95 × prior or NaN; else stable")
    func verdicts() {
        #expect(RunStability(Self.run(lr: 1, status: .diverged, divergedAt: 3)) == .diverged)
        // A run the file records as completed whose loss passed the threshold: RunSummary gives it a step.
        #expect(RunStability(Self.run(lr: 1, status: .completed, divergedAt: 7)) == .diverged)
        // Diverged before it was interrupted: counted as diverged, not left out.
        #expect(RunStability(Self.run(lr: 1, status: .interrupted, divergedAt: 2)) == .diverged)
        // Recorded as diverged with its step unreadable: its evaluations before the blow-up must not make it stable.
        #expect(RunStability(Self.run(lr: 1, status: .diverged, divergedAt: nil, best: 1)) == .diverged)
        #expect(RunStability(Self.run(lr: 1, best: 1.91, prior: 2)) == .stalled)
        #expect(RunStability(Self.run(lr: 1, best: 1.9, prior: 2)) == .stable)
        #expect(RunStability(Self.run(lr: 1, best: .nan, prior: 2)) == .stalled)
        #expect(RunStability(Self.run(lr: 1, best: 5, prior: nil)) == .stable, "no prior: never stalled")
        #expect(RunStability(Self.run(lr: 1, best: .nan, prior: nil)) == .stable)
        for unfinished: RunStatus? in [.running, .interrupted, nil] {
            #expect(RunStability(Self.run(lr: 1, status: unfinished, best: 5)) == .unfinished)
        }
    }

    @Test("per group: unfinished runs left out of n, the median of odd and even counts, stable runs' best loss")
    func groups() throws {
        let stability = try #require(
            Self.stability([
                Self.run(lr: 0.1, seed: 0, status: .diverged, divergedAt: 3),
                Self.run(lr: 0.1, seed: 1, status: .diverged, divergedAt: 1),
                Self.run(lr: 0.1, seed: 2, status: .completed, divergedAt: 4),
                Self.run(lr: 0.1, seed: 3, status: .running),
                Self.run(lr: 0.01, seed: 0, status: .diverged, divergedAt: 10),
                Self.run(lr: 0.01, seed: 1, status: .diverged, divergedAt: 1),
                Self.run(lr: 0.01, seed: 2, status: .diverged, divergedAt: 2),
                Self.run(lr: 0.01, seed: 3, status: .diverged, divergedAt: 3),
                Self.run(lr: 0.001, seed: 0, best: 1),
                Self.run(lr: 0.001, seed: 1, best: 1.5),
                Self.run(lr: 0.001, seed: 2, best: 1.99),
                Self.run(lr: 0.001, seed: 3, status: .interrupted),
            ]))
        let byLR = Dictionary(uniqueKeysWithValues: stability.groups.map { ($0.lr, $0) })
        let high = try #require(byLR[.number(0.1)])
        #expect((high.runs, high.diverged, high.stalled, high.stable, high.unfinished) == (3, 3, 0, 0, 1))
        #expect(high.medianDivergenceStep == 3, "odd count: the middle of 1, 3, 4")
        #expect(high.stableBestValidLoss.count == 0)
        let middle = try #require(byLR[.number(0.01)])
        #expect(middle.medianDivergenceStep == 2.5, "even count: the mean of 2 and 3 among 1, 2, 3, 10")
        let low = try #require(byLR[.number(0.001)])
        #expect((low.runs, low.diverged, low.stalled, low.stable, low.unfinished) == (3, 0, 1, 2, 1))
        #expect(low.medianDivergenceStep == nil)
        #expect(low.stableBestValidLoss.count == 2 && low.stableBestValidLoss.mean == 1.25)
        #expect(stability.frontier.count == 1)
    }

    @Test("the frontier: a non-monotone grid, a cell with no stable rate, the edge of the grid")
    func frontier() throws {
        let stability = try #require(
            Self.stability([
                // layers 2: stable at 1e-4 and 1e-3 but not at 3e-4 between them, and at 1e-3 the grid's edge.
                Self.run(lr: 1e-4, depth: 2), Self.run(lr: 3e-4, best: 1.95, depth: 2), Self.run(lr: 1e-3, depth: 2),
                // layers 4: stable only at the smallest rate.
                Self.run(lr: 1e-4, depth: 4), Self.run(lr: 3e-4, status: .diverged, divergedAt: 2, depth: 4),
                Self.run(lr: 1e-3, status: .diverged, divergedAt: 1, depth: 4),
                // layers 8: no stable rate; the unfinished-only rate is on the grid but not stable (n = 0).
                Self.run(lr: 1e-4, best: 3, depth: 8), Self.run(lr: 1e-3, status: .running, depth: 8),
            ]))
        #expect(stability.frontier.map(\.cell) == ["layernorm layers=2", "layernorm layers=4", "layernorm layers=8"])
        let (two, four, eight) = (stability.frontier[0], stability.frontier[1], stability.frontier[2])
        #expect(two.learningRates == [1e-4, 3e-4, 1e-3] && two.stableLearningRates == [1e-4, 1e-3])
        #expect(two.largestStableLR == 1e-3 && two.atGridEdge)
        #expect(four.largestStableLR == 1e-4 && !four.atGridEdge)
        #expect(eight.learningRates == [1e-4, 1e-3] && eight.largestStableLR == nil && !eight.atGridEdge)
        #expect(eight.settings == ["layers": .number(8)])
    }

    @Test("no stability without lr among the grouping keys")
    func onlyOverALearningRateGrid() {
        #expect(Self.stability([Self.run(lr: 1e-3, seed: 0), Self.run(lr: 1e-3, seed: 1)]) == nil)
        #expect(Self.stability([Self.run(lr: 1e-3, depth: 2), Self.run(lr: 1e-3, depth: 4)]) == nil)
    }

    @Test("JSON: a missing median and a missing largest rate are null, not absent")
    func nullsInJSON() throws {
        let stability = try #require(
            Self.stability([Self.run(lr: 1e-4, best: 3), Self.run(lr: 1e-3, best: 3)]))
        let text = String(decoding: try SummaryJSON.encode(stability), as: UTF8.self)
        #expect(text.contains(#""median_divergence_step" : null"#), "\(text)")
        #expect(text.contains(#""largest_stable_lr" : null"#), "\(text)")
        #expect(text.contains(#""stall_fraction" : 0.95"#) && text.contains(#""at_grid_edge" : false"#))
    }

    @Test("from a trace: prior_loss read back; a completed run whose loss passed the threshold counts as diverged")
    func fromATrace() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("grid.h5")
        let writer = try TraceWriter(path: path, commandLine: "test", sweepConfigurationJSON: "{}")
        // Two rates; at the larger one the loss jumps past 1000 × the first at step 5, and the file still says
        // completed, as recorders before the threshold wrote it.
        for (lr, blowUp) in [(0.001, false), (1.0, true)] {
            let handle = try writer.beginRun(
                RunDescription(
                    id: "layernorm-lr\(lr)", attributes: ["preset": .string("layernorm"), "seed": .int64(0)],
                    configurationJSON: #"{"preset": "layernorm", "seed": 0, "lr": \#(lr)}"#, priorLoss: 2))
            for step in 0..<10 {
                let loss = blowUp && step >= 5 ? 5000.0 : 1
                try writer.append(
                    step: StepRow(step: Int64(step), loss: loss, learningRate: lr, gradientNorm: 1, seconds: 0),
                    norms: [], to: handle)
            }
            try writer.append(
                evaluation: EvaluationRow(step: 0, trainLoss: 1, trainAccuracy: 1, validLoss: 1, validAccuracy: 1),
                to: handle)
            try writer.finishRun(handle, status: .completed, completedSteps: 10)
        }
        try writer.close()
        let summary = try TraceSummary(paths: [path])
        #expect(summary.runs.map(\.priorLoss) == [2, 2])
        let stability = try #require(summary.stability)
        let groups = Dictionary(uniqueKeysWithValues: stability.groups.map { ($0.lr, $0) })
        #expect(groups[.number(1)]?.diverged == 1 && groups[.number(1)]?.medianDivergenceStep == 5)
        #expect(groups[.number(0.001)]?.stable == 1)
        #expect(stability.frontier.first?.largestStableLR == 0.001 && stability.frontier.first?.atGridEdge == false)
        let text = summary.text(baseline: nil)
        #expect(text.contains("Stability per group") && text.contains("Largest stable learning rate per cell"))
        #expect(summary.csv.split(separator: "\n").first?.hasSuffix(",prior_loss,stability") == true)
        // A prior that cannot be a loss is damage, and the run is judged as one without a prior.
        let file = try File.open(path, mode: .readWrite)
        try file.openGroup("/runs/layernorm-lr0.001").setAttribute(TraceFormat.Names.priorLoss, -1.0)
        try file.close()
        let damaged = try TraceSummary(paths: [path])
        #expect(damaged.damaged.map(\.object) == ["/runs/layernorm-lr0.001@prior_loss"], "\(damaged.damaged)")
        #expect(damaged.runs.map(\.priorLoss) == [nil, 2])
    }
}
