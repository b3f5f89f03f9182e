import Foundation
import Testing

@testable import Analysis

/// The library against the conformance fixtures (analysis/tests/conformance): the groups, their runs, and per
/// comparison the difference, interval, Welch's test and verdict — one rule, analysis/METHODS.md "Comparing groups".
/// analysis/tests/test_conformance.py holds the Python package to the same files.
///
/// Everything is compared exactly but Welch's p, to 1e-12 relative: the files are the Python package's target too,
/// and CPython's `lgamma` is its own, not the C library's called here, so p may differ in its last digits.
@Suite("Conformance fixtures shared with the Python package")
struct ConformanceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("analysis/tests/conformance")

    /// A fixture's expected.json (written by make_fixtures.py from `normscope analyze --format json`).
    struct Expected: Decodable {
        var traces: [String]
        var baseline: String
        var analyses: [Analysis]

        struct Analysis: Decodable {
            var groupBy: [String]?
            var keys: [String]
            var groups: [String: Group]
            var comparisons: [String: Comparison]
            var uncomparedGroups: [String]
            enum CodingKeys: String, CodingKey {
                case groupBy = "group_by", keys, groups, comparisons, uncomparedGroups = "uncompared_groups"
            }
        }

        struct Group: Decodable, Equatable {
            var preset: String
            var runs: [String]
        }

        struct Comparison: Decodable {
            var baselineGroup: String
            var estimates: [String: Estimate]
            enum CodingKeys: String, CodingKey { case baselineGroup = "baseline_group", estimates }
        }

        struct Estimate: Decodable {
            var difference, mean, baselineMean: Double?
            var count, baselineCount: Int
            var verdict: String
            var interval: Interval
            var welch: Welch
            enum CodingKeys: String, CodingKey {
                case difference, mean, baselineMean = "baseline_mean", count, baselineCount = "baseline_count"
                case verdict, interval, welch
            }
        }

        struct Interval: Decodable {
            var lower, upper: Double?
            var reason: String?
        }

        struct Welch: Decodable {
            var t, degreesOfFreedom, p: Double?
            var reason: String?
            enum CodingKeys: String, CodingKey { case t, degreesOfFreedom = "degrees_of_freedom", p, reason }
        }
    }

    static func expected(_ name: String) throws -> Expected {
        let data = try Data(contentsOf: fixtures.appendingPathComponent(name).appendingPathComponent("expected.json"))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    /// The fixture folders, each with its expected.json.
    static let names: [String] = {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
        return folders.filter {
            FileManager.default.fileExists(atPath: fixtures.appendingPathComponent("\($0)/expected.json").path)
        }.sorted()
    }()

    /// The comparison's estimates by their JSON names.
    static func estimates(_ comparison: GroupComparison) -> [String: DifferenceEstimate] {
        let optional: [String: DifferenceEstimate?] = [
            "best_valid_loss": comparison.bestValidLoss, "gap_at_best": comparison.gapAtBest,
            "gap_last_tenth": comparison.gapLastTenth, "test_loss_at_best": comparison.testLossAtBest,
            "test_accuracy_at_best": comparison.testAccuracyAtBest,
            "test_bits_per_character_at_best": comparison.testBitsPerCharacterAtBest,
        ]
        return optional.compactMapValues { $0 }
    }

    /// `value` is the expected number, or not finite where JSON has null.
    static func same(_ value: Double, _ expected: Double?) -> Bool {
        expected.map { $0 == value } ?? !value.isFinite
    }

    static func summary(_ name: String, _ expected: Expected, groupBy: [String]?) throws -> TraceSummary {
        try TraceSummary(
            paths: expected.traces.map { fixtures.appendingPathComponent(name).appendingPathComponent($0).path },
            groupBy: groupBy)
    }

    @Test("the library gives each fixture's groups, runs, differences, intervals, tests and verdicts")
    func libraryFollowsTheRule() throws {
        #expect(Self.names.count >= 2, "fixtures: \(Self.names)")
        for name in Self.names {
            let expected = try Self.expected(name)
            for analysis in expected.analyses {
                let summary = try Self.summary(name, expected, groupBy: analysis.groupBy)
                let context = "\(name), grouped by \(analysis.groupBy ?? ["default"])"
                #expect(summary.grouping.keys == analysis.keys, "\(context)")
                var groups: [String: Expected.Group] = [:]
                for group in summary.groups {
                    groups[group.group] = Expected.Group(
                        preset: group.preset, runs: summary.runs.filter { $0.group == group.group }.map(\.name))
                }
                #expect(groups == analysis.groups, "\(context)")
                let comparisons = summary.comparisons(baseline: expected.baseline)
                #expect(Set(comparisons.map(\.group)) == Set(analysis.comparisons.keys), "\(context)")
                #expect(summary.uncomparedGroups(baseline: expected.baseline) == analysis.uncomparedGroups)
                for comparison in comparisons {
                    guard let target = analysis.comparisons[comparison.group] else { continue }
                    #expect(comparison.baselineGroup == target.baselineGroup, "\(context)")
                    let estimates = Self.estimates(comparison)
                    #expect(Set(estimates.keys) == Set(target.estimates.keys), "\(context) \(comparison.group)")
                    for (quantity, estimate) in estimates {
                        guard let want = target.estimates[quantity] else { continue }
                        check(estimate, want, "\(context): \(comparison.group), \(quantity)")
                    }
                }
            }
        }
    }

    private func check(_ estimate: DifferenceEstimate, _ want: Expected.Estimate, _ context: String) {
        #expect(Self.same(estimate.difference, want.difference), "\(context): Δ \(estimate.difference)")
        #expect(Self.same(estimate.mean, want.mean), "\(context)")
        #expect(Self.same(estimate.baselineMean, want.baselineMean), "\(context)")
        #expect(estimate.count == want.count && estimate.baselineCount == want.baselineCount, "\(context)")
        let interval = estimate.interval
        #expect(
            Self.same(interval.lower, want.interval.lower) && Self.same(interval.upper, want.interval.upper),
            "\(context): [\(interval.lower), \(interval.upper)]")
        #expect(interval.reason == want.interval.reason, "\(context)")
        let welch = estimate.welch
        #expect(Self.same(welch.t, want.welch.t), "\(context): t \(welch.t)")
        #expect(Self.same(welch.degreesOfFreedom, want.welch.degreesOfFreedom), "\(context)")
        if let p = want.welch.p {
            #expect(abs(welch.p - p) <= 1e-12 * p, "\(context): p \(welch.p), expected \(p)")
        } else {
            #expect(welch.p.isNaN, "\(context)")
        }
        #expect(welch.reason == want.welch.reason, "\(context)")
        #expect(estimate.verdict.description == want.verdict, "\(context)")
    }

    @Test("two seeds a side, by hand: the extremes of the resampled differences, Student's t at ν = 2")
    func twoSeedsByHand() throws {
        // The values make_fixtures.py wrote: AdaNorm C = 1's two runs (a), LayerNorm's (b). A resample of two values
        // is both the smaller with probability 1/4, so min(a) − max(b) has probability 1/16 (about 250 of 4000
        // resamples, where the 2.5% quantile needs 101) and so has max(a) − min(b): they are the interval's ends.
        let hand: [String: (a: [Double], b: [Double])] = [
            "best_valid_loss": ([2.0, 2.5], [1.0, 1.5]), "gap_at_best": ([0.25, 0.3125], [0.5, 0.5625]),
            "gap_last_tenth": ([0.25, 0.25], [0.125, 0.125]), "test_loss_at_best": ([2.125, 2.625], [1.125, 1.625]),
            "test_accuracy_at_best": ([0.625, 0.75], [0.75, 0.875]),
        ]
        let summary = try Self.summary("two-seeds", try Self.expected("two-seeds"), groupBy: nil)
        let comparison = try #require(summary.comparisons(baseline: "layernorm").first)
        #expect(comparison.group == "adanorm adanorm_scale=1" && comparison.baselineGroup == "layernorm")
        let estimates = Self.estimates(comparison)
        #expect(Set(estimates.keys) == Set(hand.keys))
        for (quantity, (a, b)) in hand {
            let estimate = try #require(estimates[quantity])
            #expect(estimate.difference == (a[0] + a[1]) / 2 - (b[0] + b[1]) / 2, "\(quantity)")
            #expect(estimate.interval.lower == a.min()! - b.max()!, "\(quantity)")
            #expect(estimate.interval.upper == a.max()! - b.min()!, "\(quantity)")
            guard a[0] != a[1] else { continue }
            // Equal spreads d a side: s²/n = d²/4 each, ν = 2, two-sided p = 1 − |t|/√(2 + t²).
            let t = estimate.difference / ((a[1] - a[0]) * (a[1] - a[0]) / 2).squareRoot()
            #expect(abs(estimate.welch.t - t) <= 1e-15 * abs(t) && estimate.welch.degreesOfFreedom == 2)
            let p = 1 - abs(t) / (2 + t * t).squareRoot()
            #expect(abs(estimate.welch.p - p) <= 1e-12 * p, "\(quantity): p \(estimate.welch.p), expected \(p)")
        }
        #expect(estimates["gap_at_best"]?.verdict == .lower)
        #expect(estimates["best_valid_loss"]?.verdict == .notDistinguishable(count: 2, baselineCount: 2))
        #expect(estimates["gap_last_tenth"]?.verdict == .noTest(count: 2, baselineCount: 2))
    }
}
