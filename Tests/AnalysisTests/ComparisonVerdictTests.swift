import Foundation
import Testing

@testable import Analysis

@Suite("Comparison verdict")
struct ComparisonVerdictTests {
    @Test("the text form names the direction or both n's")
    func descriptions() {
        #expect(ComparisonVerdict.lower.description == "lower")
        #expect(ComparisonVerdict.higher.description == "higher")
        #expect(
            ComparisonVerdict.notDistinguishable(count: 3, baselineCount: 5).description
                == "not distinguishable at n = 3/5")
        #expect(
            ComparisonVerdict.notDistinguishable(count: 1, baselineCount: 5).description
                == "not distinguishable at n = 1/5 (too few runs)")
        #expect(ComparisonVerdict.notDistinguishable(count: 4, baselineCount: 0).isTooFewRuns)
        #expect(!ComparisonVerdict.notDistinguishable(count: 2, baselineCount: 2).isTooFewRuns)
    }

    @Test("an interval touching 0 does not exclude it")
    func boundary() {
        // Bounds straddling or touching 0, with a p that would allow a direction.
        var welch = WelchTest([0, 2], [10, 12])
        welch.p = 0.01
        var interval = BootstrapInterval([0, 2], [10, 12])
        interval.upper = 0
        #expect(ComparisonVerdict(interval, welch: welch) == .notDistinguishable(count: 2, baselineCount: 2))
        interval.upper = -1e-300
        #expect(ComparisonVerdict(interval, welch: welch) == .lower)
        (interval.lower, interval.upper) = (0, 3)
        #expect(ComparisonVerdict(interval, welch: welch) == .notDistinguishable(count: 2, baselineCount: 2))
        // The same interval wholly below 0 without p < 0.05: no direction.
        (interval.lower, interval.upper) = (-3, -1)
        welch.p = 0.2
        #expect(ComparisonVerdict(interval, welch: welch) == .notDistinguishable(count: 2, baselineCount: 2))
    }

    @Test("neither side varying is no test, whatever the difference; one side varying is tested")
    func zeroVariance() {
        // Two runs a side, each side constant: the interval is the point −1 and Welch's t is −1/0. The old rule let
        // the point decide ("lower" with p = null), against its own documented rule.
        let apart = DifferenceEstimate([1, 1], baseline: [2, 2])
        #expect(apart.welch.undefined == .zeroVariance && apart.welch.p.isNaN)
        #expect(apart.interval.lower == -1 && apart.interval.upper == -1)
        #expect(apart.verdict == .noTest(count: 2, baselineCount: 2))
        #expect(apart.verdict.description == "no test at n = 2/2 (zero variance)")
        #expect(DifferenceEstimate([3, 3, 3], baseline: [3, 3]).verdict == .noTest(count: 3, baselineCount: 2))
        // A constant sample whose two-pass variance has a rounding residue is still constant.
        let rounded = WelchTest([0.1, 0.1, 0.1], [0.2, 0.2])
        #expect(rounded.undefined == .zeroVariance)
        // One side varying: Welch's test is defined, and decides with the interval.
        let oneSide = DifferenceEstimate([1, 1, 1], baseline: [5, 6, 7])
        #expect(oneSide.welch.undefined == nil && oneSide.welch.p < 0.05 && oneSide.verdict == .lower)
        // Fewer than 2 runs on a side stays "too few runs", not "no test".
        #expect(
            DifferenceEstimate([1], baseline: [2, 2]).verdict.description
                == "not distinguishable at n = 1/2 (too few runs)")
        #expect(WelchTest([1], [2, 2]).undefined == .tooFewRuns)
    }

    @Test("it encodes as its text and decodes back; other text is refused")
    func coding() throws {
        let verdicts: [ComparisonVerdict] = [
            .lower, .higher, .notDistinguishable(count: 10, baselineCount: 7),
            .notDistinguishable(count: 1, baselineCount: 5), .noTest(count: 2, baselineCount: 3),
        ]
        let data = try JSONEncoder().encode(verdicts)
        #expect(
            String(decoding: data, as: UTF8.self)
                == #"["lower","higher","not distinguishable at n = 10\/7","not distinguishable at n = 1\/5 (too few runs)","#
                + #""no test at n = 2\/3 (zero variance)"]"#
        )
        #expect(try JSONDecoder().decode([ComparisonVerdict].self, from: data) == verdicts)
        for text in [
            "Lower", "not distinguishable at n = 3", "not distinguishable at n = 3/5 (too few runs)",
            "not distinguishable at n = 1/5", "not distinguishable at n = -1/5 (too few runs)",
            "no test at n = 1/2 (zero variance)", "no test at n = 2/2",
        ] {
            #expect(ComparisonVerdict(description: text) == nil, "\(text)")
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ComparisonVerdict.self, from: Data(#""same""#.utf8))
        }
    }
}
