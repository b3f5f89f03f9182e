import Foundation
import Testing

@testable import Analysis

@Suite("Welch's t-test")
struct WelchTestTests {
    @Test("the incomplete beta function matches known values")
    func incompleteBeta() {
        // I_x(1, 1) = x; I_x(2, 3) = 1 − (1−x)⁴ − 4x(1−x)³ (binomial form); I_0.5(a, a) = 0.5.
        #expect(abs(WelchTest.regularizedIncompleteBeta(0.3, a: 1, b: 1) - 0.3) < 1e-14)
        let x = 0.4
        let expected = 1 - pow(1 - x, 4) - 4 * x * pow(1 - x, 3)
        #expect(abs(WelchTest.regularizedIncompleteBeta(x, a: 2, b: 3) - expected) < 1e-13)
        #expect(abs(WelchTest.regularizedIncompleteBeta(0.5, a: 7.5, b: 7.5) - 0.5) < 1e-13)
    }

    @Test(
        "t, Welch–Satterthwaite degrees of freedom and the two-sided p-value match scipy's ttest_ind(equal_var=False)")
    func againstReference() {
        // scipy.stats.ttest_ind([1, 2, 3, 4], [2, 4, 6, 8, 10], equal_var=False):
        // statistic = -2.2514363231593695, pvalue = 0.06913359319239237, df = 5.520787746170677 (scipy 1.x)
        let test = WelchTest([1, 2, 3, 4], [2, 4, 6, 8, 10])
        #expect(abs(test.t - -2.2514363231593695) < 1e-12)
        #expect(abs(test.degreesOfFreedom - 5.520787746170677) < 1e-12)
        #expect(abs(test.p - 0.06913359319239237) < 1e-9)
        #expect(test.difference == -3.5)
    }

    @Test("too few values or no variance give NaN rather than a verdict")
    func degenerate() {
        #expect(WelchTest([1], [2, 3]).p.isNaN)
        #expect(WelchTest([1, 1], [1, 1]).p.isNaN)
    }
}
