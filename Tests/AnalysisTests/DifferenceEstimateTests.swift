import Foundation
import Testing

@testable import Analysis

@Suite("Difference estimate")
struct DifferenceEstimateTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    @Test("it bundles the same difference, n's, Welch's test, interval, g and verdict as its parts")
    func bundle() {
        let a: [Double] = [1, 2, 3, 4, .nan]
        let b: [Double] = [2, 4, 6, 8, 10]
        let estimate = DifferenceEstimate(a, baseline: b, seed: 11)
        #expect(estimate.difference == -3.5)
        #expect(estimate.mean == 2.5 && estimate.baselineMean == 6)
        #expect(estimate.count == 4 && estimate.baselineCount == 5)
        #expect(estimate.welch == WelchTest(a, b))
        #expect(estimate.interval == BootstrapInterval(a, b, seed: 11))
        #expect(estimate.effectSize == EffectSize(a, b))
        #expect(estimate.verdict == ComparisonVerdict(estimate.interval, welch: estimate.welch))
        #expect(estimate.interval.lower < estimate.difference && estimate.difference < estimate.interval.upper)
    }

    @Test("separated samples are called lower; too few runs are called so")
    func verdicts() {
        #expect(DifferenceEstimate([0.9, 1.0, 1.1], baseline: [2.0, 2.1, 1.9]).verdict == .lower)
        #expect(
            DifferenceEstimate([1], baseline: [1, 2, 3, 4, 5]).verdict.description
                == "not distinguishable at n = 1/5 (too few runs)")
    }

    @Test("snake_case keys; undefined statistics are JSON null, not strings, even under a string strategy")
    func json() throws {
        let estimate = DifferenceEstimate([1], baseline: [1, 2, 3, 4, 5])
        let data = try Self.encoder.encode(estimate)
        let text = String(decoding: data, as: UTF8.self)
        for key in ["baseline_count", "baseline_mean", "effect_size", "degrees_of_freedom", "cohens_d", "resamples"] {
            #expect(text.contains("\"\(key)\""), "\(key)")
        }
        #expect(!text.contains("nan"))
        let object = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let welch = try #require(object["welch"] as? [String: Any])
        let interval = try #require(object["interval"] as? [String: Any])
        #expect(welch["p"] is NSNull && welch["t"] is NSNull && welch["degrees_of_freedom"] is NSNull)
        #expect(interval["lower"] is NSNull && interval["upper"] is NSNull)
        #expect((object["effect_size"] as? [String: Any])?["g"] is NSNull)
        #expect(object["difference"] as? Double == -2)

        // The lead's encoder writes NaN elsewhere as "nan"; these types must still write null.
        let stringy = JSONEncoder()
        stringy.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        #expect(!String(decoding: try stringy.encode(estimate), as: UTF8.self).contains("nan"))
    }

    @Test("a JSON round trip gives back an equal estimate, NaN fields included")
    func roundTrip() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        for estimate in [
            DifferenceEstimate([1], baseline: [1, 2, 3, 4, 5]),
            DifferenceEstimate([1.02, 0.97, 1.11], baseline: [1.10, 1.04, 1.16, 1.12]),
            DifferenceEstimate([1, 1], baseline: [1, 1]),
        ] {
            let back = try decoder.decode(DifferenceEstimate.self, from: try Self.encoder.encode(estimate))
            #expect(back == estimate)
        }
        // ±inf comes back as NaN (JSON null has no sign); the reason and the difference keep what it was.
        let unbounded = DifferenceEstimate([1, 1], baseline: [2, 2])
        #expect(unbounded.effectSize.g == -.infinity)
        let back = try decoder.decode(DifferenceEstimate.self, from: try Self.encoder.encode(unbounded))
        #expect(back.effectSize.g.isNaN && back.effectSize.reason == unbounded.effectSize.reason)
        #expect(
            back.difference == -1 && back.interval == unbounded.interval
                && back.verdict == .noTest(count: 2, baselineCount: 2))
        #expect(back.welch.undefined == .zeroVariance)
    }

    @Test("a missing p says why, in JSON and in the comparison table; n < 2 only where a side has fewer than 2")
    func missingP() throws {
        func welch(_ estimate: DifferenceEstimate) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: try Self.encoder.encode(estimate)) as? [String: Any]
            return try #require(object?["welch"] as? [String: Any])
        }
        let constant = DifferenceEstimate([1, 1], baseline: [2, 2])
        #expect(try welch(constant)["reason"] as? String == WelchTest.Undefined.zeroVariance.sentence)
        let lone = try welch(DifferenceEstimate([1], baseline: [2, 3]))
        #expect(lone["reason"] as? String == WelchTest.Undefined.tooFewRuns.sentence)
        #expect(try welch(DifferenceEstimate([1, 2], baseline: [2, 4]))["reason"] is NSNull)

        // n (it/baseline), Δ, interval, Welch p, Hedges' g, verdict.
        #expect(
            TraceSummary.comparisonCells(constant) == [
                "2/2", "-1.0000", "[-1.0000, -1.0000]", "— (zero variance)", "— (zero variance)",
                "no test at n = 2/2 (zero variance)",
            ])
        let few = TraceSummary.comparisonCells(DifferenceEstimate([1], baseline: [2, 3]))
        #expect(few[2...4] == ["— (n < 2)", "— (n < 2)", "— (n < 2)"])
        let tested = TraceSummary.comparisonCells(DifferenceEstimate([1, 1.5, 1.2], baseline: [2, 2.5, 2.1]))
        #expect(tested.allSatisfy { !$0.contains("n < 2") } && !tested[4].hasPrefix("—"))
    }
}

@Suite("Verdicts need the interval and Welch's test to agree")
struct VerdictAgreementTests {
    @Test("two seeds a side that do not overlap: the percentile interval excludes 0, Welch's p does not, no direction")
    func twoSeedsDoNotMakeADirection() {
        let estimate = DifferenceEstimate([1.0, 1.1], baseline: [0.0, 0.95])
        #expect(estimate.interval.lower > 0, "\(estimate.interval)")
        #expect(estimate.welch.p > 0.3)
        #expect(estimate.verdict == .notDistinguishable(count: 2, baselineCount: 2))
        let clear = DifferenceEstimate([1.0, 1.1, 1.05, 1.02, 1.08], baseline: [0.0, 0.1, 0.05, 0.02, 0.08])
        #expect(clear.verdict == .higher && clear.welch.p < 0.05)
    }
}
