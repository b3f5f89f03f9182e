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
        // [0, 0] from identical constant samples, and bounds straddling 0.
        let same = BootstrapInterval([1, 1], [1, 1])
        #expect(ComparisonVerdict(same) == .notDistinguishable(count: 2, baselineCount: 2))
        var interval = BootstrapInterval([0, 2], [10, 12])
        interval.upper = 0
        #expect(ComparisonVerdict(interval) == .notDistinguishable(count: 2, baselineCount: 2))
        interval.upper = -1e-300
        #expect(ComparisonVerdict(interval) == .lower)
        (interval.lower, interval.upper) = (0, 3)
        #expect(ComparisonVerdict(interval) == .notDistinguishable(count: 2, baselineCount: 2))
    }

    @Test("it encodes as its text and decodes back; other text is refused")
    func coding() throws {
        let verdicts: [ComparisonVerdict] = [
            .lower, .higher, .notDistinguishable(count: 10, baselineCount: 7),
            .notDistinguishable(count: 1, baselineCount: 5),
        ]
        let data = try JSONEncoder().encode(verdicts)
        #expect(
            String(decoding: data, as: UTF8.self)
                == #"["lower","higher","not distinguishable at n = 10\/7","not distinguishable at n = 1\/5 (too few runs)"]"#
        )
        #expect(try JSONDecoder().decode([ComparisonVerdict].self, from: data) == verdicts)
        for text in [
            "Lower", "not distinguishable at n = 3", "not distinguishable at n = 3/5 (too few runs)",
            "not distinguishable at n = 1/5", "not distinguishable at n = -1/5 (too few runs)",
        ] {
            #expect(ComparisonVerdict(description: text) == nil, "\(text)")
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ComparisonVerdict.self, from: Data(#""same""#.utf8))
        }
    }
}
