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
/// ### References
/// - Welch, "The generalization of 'Student's' problem when several different population variances are involved",
///   Biometrika 34 (1947).
public struct WelchTest: Sendable, Codable, Equatable {
    /// m₁ − m₂.
    public var difference: Double
    public var t: Double
    public var degreesOfFreedom: Double
    /// Two-sided p-value; NaN when either sample has fewer than 2 values or both have zero variance.
    public var p: Double

    /// Compares sample `a` with sample `b` (non-finite values are dropped).
    public init(_ a: [Double], _ b: [Double]) {
        let x = Aggregate(a)
        let y = Aggregate(b)
        difference = x.mean - y.mean
        let vx = x.standardDeviation * x.standardDeviation / Double(x.count)
        let vy = y.standardDeviation * y.standardDeviation / Double(y.count)
        guard x.count >= 2, y.count >= 2, vx + vy > 0 else {
            (t, degreesOfFreedom, p) = (.nan, .nan, .nan)
            return
        }
        t = difference / (vx + vy).squareRoot()
        degreesOfFreedom = (vx + vy) * (vx + vy) / (vx * vx / Double(x.count - 1) + vy * vy / Double(y.count - 1))
        p = Self.regularizedIncompleteBeta(
            degreesOfFreedom / (degreesOfFreedom + t * t), a: degreesOfFreedom / 2, b: 0.5)
    }

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
