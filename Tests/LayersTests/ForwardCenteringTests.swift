import Layers
import Tensors
import TestSupport
import Testing

/// analysis/METHODS.md, "How much the forward pass re-centres", the plain way: per row, μ and the population σ in
/// Double, one element at a time; constant rows (all elements equal) left out, NaN when none is left.
func referenceAbsMeanOverStd(_ rows: [[Double]]) -> Double {
    var total = 0.0
    var kept = 0
    for values in rows where values.contains(where: { $0 != values[0] }) {
        let mu = values.reduce(0, +) / Double(values.count)
        let sigma = (values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(values.count)).squareRoot()
        total += abs(mu) / sigma
        kept += 1
    }
    return kept > 0 ? total / Double(kept) : .nan
}

private func referenceAbsMeanOverStd(_ x: Matrix<Float>) -> Double {
    referenceAbsMeanOverStd((0..<x.rows).map { x.row($0).map(Double.init) })
}

/// Rows drawn around a per-row offset, so that |μ|/σ ranges from about 0 to well above 1, with two constant rows
/// (one of zeros, one of a value whose sum over the row is not a round number) that must be left out.
private func input(rows: Int, width: Int, seed: UInt64) -> Matrix<Float> {
    var x: Matrix<Float> = sampleMatrix(rows, width, seed: seed, in: -1..<1)
    for row in 0..<rows {
        for column in 0..<width { x[row, column] += Float(row % 5) * 0.4 - 0.8 }
    }
    for column in 0..<width {
        x[1, column] = 0
        x[3, column] = 0.1
    }
    return x
}

@Suite("Forward re-centering statistic")
struct ForwardCenteringTests {
    @Test(
        "abs_mean_over_std is the rows' mean |μ|/σ, population σ without ε, constant rows left out, every preset",
        arguments: NormPreset.allCases, [7, 67])
    func matchesDoubleReference(preset: NormPreset, width: Int) throws {
        let x = input(rows: 23, width: width, seed: UInt64(width))
        let layer = NormLayer<Float>(preset, width: width)
        _ = layer.forward(x, mode: .training)
        let recorded = try #require(layer.lastForwardStatistics).absMeanOverStd
        let expected = referenceAbsMeanOverStd(x)
        #expect(expected > 0.3 && expected.isFinite)
        #expect(abs(recorded - expected) <= 1e-12 * expected, "\(preset) H=\(width): \(recorded) vs \(expected)")
    }

    @Test("a step with a row that is not finite reads NaN, not the mean of the rows left", arguments: [7, 67])
    func blownUpRow(width: Int) throws {
        for bad in [Float.nan, .infinity] {
            var x = input(rows: 23, width: width, seed: 3)
            x[5, 2] = bad
            let layer = NormLayer<Float>(.rmsNorm(), width: width)
            _ = layer.forward(x, mode: .training)
            #expect(try #require(layer.lastForwardStatistics).absMeanOverStd.isNaN, "\(bad) at H = \(width)")
        }
        var x = Matrix<Double>(rows: 3, columns: width, repeating: 0.5)
        x[0, 0] = 1
        x[2, 1] = -.infinity
        let layer = NormLayer<Double>(.layerNorm(), width: width)
        _ = layer.forward(x, mode: .training)
        #expect(try #require(layer.lastForwardStatistics).absMeanOverStd.isNaN)
    }

    @Test("NaN when every row is constant; a single varying row is the mean on its own")
    func constantRows() throws {
        let constant = Matrix<Float>(rows: 4, columns: 9, repeating: 0.3)
        let layer = NormLayer<Float>(.layerNorm(), width: 9)
        _ = layer.forward(constant, mode: .training)
        #expect(try #require(layer.lastForwardStatistics).absMeanOverStd.isNaN)
        var oneVarying = constant
        oneVarying[2, 0] = 1.2  // μ = (8·0.3 + 1.2)/9 = 0.4, σ² = (8·0.01 + 0.64)/9 = 0.08
        _ = layer.forward(oneVarying, mode: .training)
        let recorded = try #require(layer.lastForwardStatistics).absMeanOverStd
        let (mu, sigma) = (0.4, (0.08).squareRoot())
        #expect(abs(recorded - mu / sigma) <= 1e-6)
        // In Double, (0.1 + … + 0.1) / 9 is not 0.1: only the elements can tell that the row is constant.
        let doubleLayer = NormLayer<Double>(.layerNorm(), width: 9)
        _ = doubleLayer.forward(Matrix(rows: 2, columns: 9, repeating: 0.1), mode: .training)
        #expect(try #require(doubleLayer.lastForwardStatistics).absMeanOverStd.isNaN)
    }

    @Test("recording it changes no output, gradient or other statistic", arguments: NormPreset.allCases)
    func changesNothingElse(preset: NormPreset) {
        let x = input(rows: 31, width: 67, seed: 4)
        let g: Matrix<Float> = sampleMatrix(31, 67, seed: 5)
        func run(_ instrumentation: NormInstrumentation) -> (Matrix<Float>, Matrix<Float>, [Float]) {
            let layer = NormLayer<Float>(preset, width: 67, instrumentation: instrumentation)
            let (output, saved) = layer.forward(x, mode: .training)
            let dx = layer.backward(g, saved: saved)
            return (output, dx, layer.parameters.flatMap(\.gradient.scalars))
        }
        let (plain, recorded) = (run(.off), run(.statistics))
        #expect(plain.0 == recorded.0 && plain.1 == recorded.1 && plain.2 == recorded.2)
    }
}
