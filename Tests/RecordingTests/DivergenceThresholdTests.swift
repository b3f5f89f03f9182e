import Testing

import Recording

/// A run diverges at the first step whose loss or gradient is not finite, or whose loss passes the threshold:
/// `divergence_loss`, or 1000 × the first step's loss.
@Suite("Divergence threshold")
struct DivergenceThresholdTests {
    @Test("the default threshold is 1000 × the first loss; a finite blown-up loss diverges")
    func defaultThreshold() {
        var threshold = DivergenceThreshold(configured: nil)
        #expect(threshold.reason(loss: 2.3, gradientNorm: 1) == nil)
        #expect(threshold.limit == 2300)
        #expect(threshold.reason(loss: 2299, gradientNorm: 1) == nil)
        let reason = threshold.reason(loss: 9.7e29, gradientNorm: 1)
        #expect(reason?.contains("9.7e+29") == true, "\(String(describing: reason))")
        #expect(reason?.contains("1000 × the first step's loss") == true)
    }

    @Test("a configured threshold is used from the first step; non-finite values are named")
    func configuredAndNonFinite() {
        var threshold = DivergenceThreshold(configured: 5)
        #expect(threshold.reason(loss: 6, gradientNorm: 1)?.contains("divergence_loss") == true)
        var other = DivergenceThreshold(configured: nil)
        #expect(other.reason(loss: .nan, gradientNorm: 1) == "the loss is NaN")
        #expect(other.reason(loss: .infinity, gradientNorm: 1) == "the loss is infinite")
        #expect(other.reason(loss: 1, gradientNorm: .nan)?.contains("gradient norm") == true)
    }
}
