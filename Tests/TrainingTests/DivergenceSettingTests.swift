import Testing

@testable import Training

/// `divergence_loss` in a run's configuration.
@Suite("Divergence setting")
struct DivergenceSettingTests {
    @Test("divergence_loss must be a finite positive number")
    func validation() throws {
        for bad in [0.0, -1, .infinity] {
            var configuration = RunConfiguration()
            configuration.divergenceLoss = bad
            #expect(throws: ConfigurationError.self) { try configuration.validate() }
        }
    }
}
