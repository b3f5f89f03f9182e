import Foundation

/// Welch's unequal-variance t-test of two samples' means.
///
/// Concretely:
///
/// ```
/// t  = (m₁ − m₂) / sqrt(s₁²/n₁ + s₂²/n₂)
/// ν  = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1))      (Welch–Satterthwaite)
/// p  = I_{ν/(ν+t²)}(ν/2, 1/2)                                               (two-sided, Student's t with ν d.o.f.)
/// ```
///
/// where I is the regularized incomplete beta function.
///
/// The test is undefined in three cases, each named by ``undefined`` (t, ν and p are then NaN): fewer than 2 finite
/// values on a side; neither sample varying (s₁ = s₂ = 0: t is 0/0 or ±d/0); and values so large that t overflows.
///
/// ### References
/// - Welch, "The generalization of 'Student's' problem when several different population variances are involved",
///   Biometrika 34 (1947).
public struct WelchTest: Sendable, Codable, Equatable {
    /// Why a test has no p-value.
    public enum Undefined: String, Sendable, Codable, Equatable, CaseIterable {
        /// A side has fewer than 2 finite values: it has no variance.
        case tooFewRuns
        /// Neither side varies: every run of each side has the same value, so t has a zero denominator.
        case zeroVariance
        /// t or ν is not finite: the values overflow Double.
        case notFinite

        /// The reason as JSON's `welch.reason` gives it.
        public var sentence: String {
            switch self {
            case .tooFewRuns: "too few runs: Welch's test needs at least 2 finite values on each side"
            case .zeroVariance: "zero variance: neither side varies over its runs, so t is undefined"
            case .notFinite: "not finite: the values overflow Double"
            }
        }

        /// What a table cell shows instead of the missing p: `n < 2`, `zero variance`, `not finite`.
        public var short: String {
            switch self {
            case .tooFewRuns: "n < 2"
            case .zeroVariance: "zero variance"
            case .notFinite: "not finite"
            }
        }
    }

    /// m₁ − m₂.
    public var difference: Double
    public var t: Double
    public var degreesOfFreedom: Double
    /// Two-sided p-value; NaN when ``undefined`` says why.
    public var p: Double
    /// Why there is no p-value, or nil when there is one.
    public var undefined: Undefined?

    /// Compares sample `a` with sample `b` (non-finite values are dropped).
    public init(_ a: [Double], _ b: [Double]) {
        let x = Aggregate(a)
        let y = Aggregate(b)
        difference = x.mean - y.mean
        (t, degreesOfFreedom, p) = (.nan, .nan, .nan)
        guard x.count >= 2, y.count >= 2 else {
            undefined = .tooFewRuns
            return
        }
        // A constant sample is tested as such: its two-pass variance can carry a rounding residue, which would turn
        // "no spread" into a tiny variance and a p of 0.
        func spread(_ values: [Double], _ aggregate: Aggregate) -> Double {
            values.constantFiniteValue == nil
                ? aggregate.standardDeviation * aggregate.standardDeviation / Double(aggregate.count) : 0
        }
        let (vx, vy) = (spread(a, x), spread(b, y))
        guard vx + vy > 0 else {
            undefined = .zeroVariance
            return
        }
        let statistic = difference / (vx + vy).squareRoot()
        let freedom = (vx + vy) * (vx + vy) / (vx * vx / Double(x.count - 1) + vy * vy / Double(y.count - 1))
        guard statistic.isFinite, freedom.isFinite else {
            undefined = .notFinite
            return
        }
        (t, degreesOfFreedom) = (statistic, freedom)
        p = Self.regularizedIncompleteBeta(freedom / (freedom + statistic * statistic), a: freedom / 2, b: 0.5)
        undefined = nil
    }

    /// Why there is no p-value, in a sentence (JSON's `welch.reason`); nil when there is one.
    public var reason: String? { undefined?.sentence }

    /// I_x(a, b), by the continued fraction of the incomplete beta function (modified Lentz), using the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a) where the fraction converges slowly.
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x > (a + 1) / (a + b + 2) {
            return 1 - regularizedIncompleteBeta(1 - x, a: b, b: a)
        }
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        d = 1 / (abs(d) < tiny ? tiny : d)
        var fraction = d
        for m in 1...300 {
            let m = Double(m)
            // Even step, then odd step of the continued fraction.
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 / (abs(1 + even * d) < tiny ? tiny : 1 + even * d)
            c = abs(1 + even / c) < tiny ? tiny : 1 + even / c
            fraction *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 / (abs(1 + odd * d) < tiny ? tiny : 1 + odd * d)
            c = abs(1 + odd / c) < tiny ? tiny : 1 + odd / c
            let step = d * c
            fraction *= step
            if abs(step - 1) < 1e-15 { break }
        }
        return exp(logFront) * fraction / a
    }
}
