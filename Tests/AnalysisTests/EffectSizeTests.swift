import Foundation
import Testing

@testable import Analysis

@Suite("Hedges' g")
struct EffectSizeTests {
    @Test("g is Cohen's d with the pooled sd, times the small-sample correction, by hand")
    func byHand() {
        // a = [1, 2, 3, 4]: mean 2.5, s² = (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3.
        // b = [2, 4, 6, 8, 10]: mean 6, s² = (16 + 4 + 0 + 4 + 16)/4 = 10.
        // s_p² = (3·5/3 + 4·10)/7 = 45/7; d = −3.5/√(45/7); J = 1 − 3/(4·9 − 9) = 8/9.
        let effect = EffectSize([1, 2, 3, 4], [2, 4, 6, 8, 10])
        let d = -3.5 / (45.0 / 7).squareRoot()
        #expect(abs(effect.cohensD - d) < 1e-14)
        #expect(abs(effect.g - 8.0 / 9 * d) < 1e-14)
        #expect(effect.count == 4 && effect.baselineCount == 5)
        #expect(effect.reason == nil)
    }

    @Test("the correction at the smallest samples, n = 2/2: J = 1 − 3/7")
    func smallest() {
        // Both samples have s² = 2 (values 1 apart by 2), so s_p = √2 and d = (1 − 4)/√2.
        let effect = EffectSize([0, 2], [3, 5])
        #expect(abs(effect.g - 4.0 / 7 * (-3 / 2.0.squareRoot())) < 1e-14)
        // Swapping the samples flips the sign only.
        #expect(EffectSize([3, 5], [0, 2]).g == -effect.g)
    }

    @Test("too few values, or no variance and equal means, give NaN; no variance and different means give ±inf")
    func undefined() {
        let one = EffectSize([1, .nan, .infinity], [1, 2, 3])
        #expect(one.g.isNaN && one.count == 1 && one.baselineCount == 3)
        #expect(one.reason?.contains("n = 1/3") == true)

        let flat = EffectSize([0.1, 0.1, 0.1], [0.1, 0.1])
        #expect(flat.g.isNaN)
        #expect(flat.reason?.hasPrefix("undefined") == true)

        let apart = EffectSize([1, 1, 1], [2, 2])
        #expect(apart.g == -.infinity)
        #expect(EffectSize([2, 2], [1, 1, 1]).g == .infinity)
        #expect(apart.reason?.hasPrefix("unbounded") == true)
        // One constant sample is still a pooled variance.
        #expect(EffectSize([1, 1, 1], [2, 3]).g.isFinite)
    }

    @Test("undefined and unbounded g encode as null, and decode back to an equal value")
    func json() throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let apart = EffectSize([1, 1, 1], [2, 2])
        let text = String(decoding: try encoder.encode(apart), as: UTF8.self)
        #expect(text.contains("\"g\":null") && text.contains("\"cohens_d\":null"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let back = try decoder.decode(EffectSize.self, from: try encoder.encode(EffectSize([1], [2, 3])))
        #expect(back == EffectSize([1], [2, 3]))
    }
}
