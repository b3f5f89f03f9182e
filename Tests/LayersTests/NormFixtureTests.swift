import Foundation
import Layers
import Tensors
import Testing

/// One preset's golden values from `Fixtures/make_norm_fixtures.py` (NumPy re-implementations of
/// `torch.nn.LayerNorm`, the official AdaNorm, RMSNorm, ScaleNorm and DyT code, gradients by finite differences
/// with detached tensors frozen).
private struct NormFixture: Decodable, Sendable, CustomTestStringConvertible {
    var preset: String
    var rows: Int
    var width: Int
    var epsilon: Double
    var x: [Double]
    var grad_output: [Double]
    var output: [Double]
    var grad_input: [Double]
    var gain: [Double]?
    var bias: [Double]?
    var grad_gain: [Double]?
    var grad_bias: [Double]?
    /// DyT's α and its gradient (one value each).
    var alpha: [Double]?
    var grad_alpha: [Double]?

    var testDescription: String { preset }

    static func load() throws -> [NormFixture] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/norm_fixtures.json")
        struct File: Decodable { var fixtures: [NormFixture] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).fixtures
    }

    /// Empty when the file cannot be read; the coverage test then fails with the reason.
    static let all: [NormFixture] = (try? load()) ?? []
}

/// `‖a − b‖∞ / max(‖b‖∞, 1)` for plain arrays.
private func error(_ a: [Double], _ b: [Double]) -> Double {
    let scale = max(1, b.map(abs).max() ?? 0)
    return zip(a, b).map { abs($0 - $1) }.max()! / scale
}

@Suite("NormLayer parity with the reference implementations")
struct NormFixtureTests {
    @Test("every preset in the fixture file exists, and every preset is covered")
    func coverage() throws {
        let fixtures = try NormFixture.load()
        #expect(Set(fixtures.map(\.preset)) == Set(NormPreset.allCases.map(\.rawValue)))
    }

    @Test("Float32 forward outputs and input gradients match NumPy to 1e-5", arguments: NormFixture.all)
    private func floatParity(fixture: NormFixture) {
        let (output, gradInput, gain, bias, alpha) = run(Float.self, fixture)
        #expect(error(output, fixture.output) <= 1e-5)
        #expect(error(gradInput, fixture.grad_input) <= 1e-5)
        if let expected = fixture.grad_gain { #expect(error(gain!, expected) <= 1e-5) }
        if let expected = fixture.grad_bias { #expect(error(bias!, expected) <= 1e-5) }
        if let expected = fixture.grad_alpha { #expect(error(alpha!, expected) <= 1e-5) }
    }

    @Test("Double forward outputs and input gradients match NumPy to 1e-8", arguments: NormFixture.all)
    private func doubleParity(fixture: NormFixture) {
        let (output, gradInput, gain, bias, alpha) = run(Double.self, fixture)
        #expect(error(output, fixture.output) <= 1e-12)
        // The fixture's gradients are finite differences, accurate to about 1e-9.
        #expect(error(gradInput, fixture.grad_input) <= 1e-8)
        if let expected = fixture.grad_gain { #expect(error(gain!, expected) <= 1e-8) }
        if let expected = fixture.grad_bias { #expect(error(bias!, expected) <= 1e-8) }
        if let expected = fixture.grad_alpha { #expect(error(alpha!, expected) <= 1e-8) }
    }

    /// The fixtures' inputs are the ones test_torch_fixtures.py records through normscope.torch: both engines held
    /// to one definition on them record the same value.
    @Test("abs_mean_over_std on the fixture's input is the Double reference's", arguments: NormFixture.all)
    private func forwardCentering(fixture f: NormFixture) throws {
        var configuration = NormPreset.named(f.preset)!.configuration
        configuration.epsilon = f.epsilon
        let layer = NormLayer<Double>(configuration, width: f.width)
        _ = layer.forward(Matrix(rows: f.rows, columns: f.width, scalars: f.x), mode: .training)
        let expected = referenceAbsMeanOverStd((0..<f.rows).map { Array(f.x[($0 * f.width)..<(($0 + 1) * f.width)]) })
        let recorded = try #require(layer.lastForwardStatistics).absMeanOverStd
        #expect(expected.isFinite && abs(recorded - expected) <= 1e-12 * expected, "\(recorded) vs \(expected)")
    }

    private func run<S: MatrixScalar>(
        _: S.Type, _ f: NormFixture
    ) -> ([Double], [Double], [Double]?, [Double]?, [Double]?) {
        var configuration = NormPreset.named(f.preset)!.configuration
        configuration.epsilon = f.epsilon
        let layer = NormLayer<S>(configuration, width: f.width)
        // A row of H values, or ScaleNorm's one g.
        func row(_ values: [Double]) -> Matrix<S> {
            Matrix(rows: 1, columns: values.count, scalars: values.map { S($0) })
        }
        if let gain = f.gain { layer.gain!.value = row(gain) }
        if let bias = f.bias { layer.bias!.value = row(bias) }
        if let alpha = f.alpha { layer.alpha!.value = row(alpha) }
        let x = Matrix(rows: f.rows, columns: f.width, scalars: f.x.map { S($0) })
        let g = Matrix(rows: f.rows, columns: f.width, scalars: f.grad_output.map { S($0) })
        let (y, saved) = layer.forward(x, mode: .training)
        let dx = layer.backward(g, saved: saved)
        func doubles(_ m: Matrix<S>?) -> [Double]? { m?.scalars.map { Double($0) } }
        return (
            doubles(y)!, doubles(dx)!, doubles(layer.gain?.gradient), doubles(layer.bias?.gradient),
            doubles(layer.alpha?.gradient)
        )
    }
}
