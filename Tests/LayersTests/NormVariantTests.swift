import Foundation
import Layers
import Tensors
import TestSupport
import Testing

/// What ScaleNorm and DyT add beyond the gradient checks of NormLayerGradientTests: their parameters' starts, the
/// identities of their forward and backward (analysis/METHODS.md), and the statistics they record.
@Suite("ScaleNorm and DyT")
struct NormVariantTests {
    /// Σ over the row of a ⊙ b.
    private func rowDot(_ a: Matrix<Double>, _ b: Matrix<Double>, _ row: Int) -> Double {
        zip(a.row(row), b.row(row)).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("ScaleNorm: one g starting at √H; at ε = 0 every output row has length g and the gradient is ⊥ x")
    func scaleNormGeometry() {
        for convention in SpreadConvention.allCases {
            var c = NormConfiguration.scaleNorm(convention: convention)
            c.epsilon = 0
            let layer = NormLayer<Double>(c, width: 67, instrumentation: .all)
            let gain = layer.gain!
            #expect(gain.value.rows == 1 && gain.value.columns == 1 && gain.value.scalars[0] == 67.0.squareRoot())
            #expect(layer.parameters.map(\.name) == ["gain"] && layer.alpha == nil && layer.bias == nil)
            gain.value.scalars[0] = 3
            let x: Matrix<Double> = sampleMatrix(6, 67, seed: 21, in: -2..<3)
            let g: Matrix<Double> = sampleMatrix(6, 67, seed: 22)
            let (y, saved) = layer.forward(x, mode: .training)
            let dx = layer.backward(g, saved: saved)
            for row in 0..<x.rows {
                #expect(abs(rowDot(y, y, row).squareRoot() - 3) <= 1e-12)
                // Scale invariance: the output does not change along x, so the gradient has no component along it.
                #expect(abs(rowDot(dx, x, row)) <= 1e-12 * rowDot(x, x, row).squareRoot())
            }
            #expect(layer.lastParts!.recentering.scalars.allSatisfy { $0 == 0 })
            // ∂ℓ/∂g = Σ g ⊙ y/g over everything, since h = g·y.
            let expected = (0..<x.rows).map { rowDot(g, y, $0) }.reduce(0, +) / 3
            #expect(abs(gain.gradient.scalars[0] - expected) <= 1e-12 * abs(expected))
            let affine = layer.lastAffineStatistics!
            #expect(affine.gainNorm == 3 && affine.gainMean == 3 && affine.biasNorm == nil)
            #expect(abs(affine.gainGradientNorm! - abs(expected)) <= 1e-12 * abs(expected))
        }
    }

    @Test("ScaleNorm's re-scaling part never lengthens the gradient: ‖t‖ ≤ ‖d‖ per row, with ε and without")
    func scaleNormShortens() {
        for preset in [NormPreset.scaleNorm, .rmsNorm] {
            for convention in SpreadConvention.allCases {
                for epsilon in [0, 1e-5, 0.5] {
                    var c = preset.configuration
                    (c.convention, c.epsilon) = (convention, epsilon)
                    let layer = NormLayer<Double>(c, width: 16, instrumentation: .all)
                    let x: Matrix<Double> = sampleMatrix(9, 16, seed: 23, in: -1..<2)
                    let g: Matrix<Double> = sampleMatrix(9, 16, seed: 24, in: -1..<3)
                    let dx = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
                    let direct = layer.lastParts!.direct
                    for row in 0..<x.rows {
                        #expect(rowDot(dx, dx, row) <= rowDot(direct, direct, row) * (1 + 1e-12))
                    }
                    let s = layer.lastGradientStatistics!
                    #expect(s.total.norm <= s.direct.norm && s.recentering == .zero)
                }
            }
        }
    }

    @Test("DyT: α starts at 0.5, γ at 1, β at 0, and all three are parameters the optimizers see")
    func dytParameters() {
        let layer = NormLayer<Float>(.dyt, width: 16)
        #expect(layer.parameters.map(\.name) == ["alpha", "gain", "bias"])
        #expect(layer.alpha!.value.scalars == [0.5] && layer.alpha!.value.columns == 1)
        #expect(layer.gain!.value.scalars.allSatisfy { $0 == 1 } && layer.bias!.value.scalars.allSatisfy { $0 == 0 })
        let x: Matrix<Float> = sampleMatrix(4, 16, seed: 25, in: -3..<3)
        let g: Matrix<Float> = sampleMatrix(4, 16, seed: 26)
        _ = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
        let alphaGradient = layer.alpha!.gradient.scalars[0]
        #expect(alphaGradient != 0)
        SGD<Float>().step(layer.parameters, learningRate: 0.1)
        #expect(layer.alpha!.value.scalars[0] == 0.5 - 0.1 * alphaGradient)
        #expect(layer.alpha!.gradient.scalars[0] == 0)
    }

    @Test(
        "DyT records its whole gradient as the direct part: re-centering and re-scaling exactly 0, u = d = t",
        arguments: [7, 16, 67])
    func dytParts(width: Int) {
        let layer = NormLayer<Double>(.dyt, width: width, instrumentation: .all)
        let x: Matrix<Double> = sampleMatrix(5, width, seed: 27, in: -6..<6)
        let g: Matrix<Double> = sampleMatrix(5, width, seed: 28)
        let dx = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
        let parts = layer.lastParts!
        #expect(parts.direct == dx)
        #expect(parts.recentering.scalars.allSatisfy { $0 == 0 } && parts.rescaling.scalars.allSatisfy { $0 == 0 })
        let s = layer.lastGradientStatistics!
        #expect(s.recentering == .zero && s.rescaling == .zero)
        #expect(abs(s.total.norm - s.direct.norm) <= 1e-12 * s.direct.norm)
        #expect(abs(s.upstream.norm - s.total.norm) <= 1e-12 * s.total.norm)
        #expect(abs(s.cosineTotalDirect - 1) <= 1e-12)
    }

    @Test(
        "DyT's forward statistics: α, the exact share with |α·x| > 2, no μ and a denominator of 1",
        arguments: [7, 8, 16, 67, 300])
    func dytForwardStatistics(width: Int) {
        let layer = NormLayer<Float>(.dyt, width: width)
        layer.alpha!.value.scalars[0] = 0.75
        let x: Matrix<Float> = sampleMatrix(33, width, seed: 29, in: -5..<5)
        _ = layer.forward(x, mode: .training)
        let f = layer.lastForwardStatistics!
        let saturated = x.scalars.filter { abs(0.75 * $0) > 2 }.count
        #expect(f.alpha == 0.75)
        #expect(f.saturatedShare == Double(saturated) / Double(x.count))
        #expect(saturated > 0 && saturated < x.count)
        #expect(f.meanMu == 0 && f.meanSigma == 1 && f.phi == nil)
    }

    @Test("other variants have no α and no saturated share; ScaleNorm's denominator is the row's length")
    func othersHaveNoAlpha() {
        let x: Matrix<Double> = sampleMatrix(4, 16, seed: 30, in: -2..<2)
        for preset in NormPreset.allCases where preset != .dyt {
            let layer = NormLayer<Double>(preset, width: 16)
            _ = layer.forward(x, mode: .training)
            #expect(layer.lastForwardStatistics!.alpha == nil && layer.lastForwardStatistics!.saturatedShare == nil)
            #expect(layer.alpha == nil, "\(preset)")
        }
        let scale = NormLayer<Double>(.scaleNorm, width: 16)
        _ = scale.forward(x, mode: .training)
        let lengths = (0..<x.rows).map { rowDot(x, x, $0).squareRoot() + 1e-5 }
        #expect(abs(scale.lastForwardStatistics!.meanSigma - lengths.reduce(0, +) / 4) <= 1e-12)
    }

    @Test("row-parallel and serial DyT and ScaleNorm: bit-identical outputs, gradients and statistics")
    func parallelIsDeterministic() {
        let x: Matrix<Float> = sampleMatrix(257, 67, seed: 31, in: -4..<4)
        let g: Matrix<Float> = sampleMatrix(257, 67, seed: 32)
        for preset in [NormPreset.dyt, .scaleNorm] {
            func run(_ parallel: RowParallel) -> (
                exact: [Float], statistics: NormGradientStatistics, share: Double?,
                parameters: [Float]
            ) {
                let layer = NormLayer<Float>(preset, width: 67, parallel: parallel)
                let (y, saved) = layer.forward(x, mode: .training)
                let dx = layer.backward(g, saved: saved)
                return (
                    y.scalars + dx.scalars, layer.lastGradientStatistics!,
                    layer.lastForwardStatistics!.saturatedShare, layer.parameters.flatMap(\.gradient.scalars)
                )
            }
            let serial = run(.serial)
            let parallel = run(RowParallel(maximumTaskCount: 4, minimumElementsPerTask: 1))
            #expect(serial.exact == parallel.exact && serial.statistics == parallel.statistics, "\(preset)")
            #expect(serial.share == parallel.share)
            // Parameter gradients are summed per task, then over tasks: equal up to that order of addition.
            #expect(
                zip(serial.parameters, parallel.parameters).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        }
    }
}
