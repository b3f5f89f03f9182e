import Layers
import Tensors
import TestSupport
import Testing

/// The statistics of analysis/METHODS.md, "Recorded statistics", computed the slow way from materialized parts.
private func directStatistics(_ v: Matrix<Double>) -> PartStatistics {
    var squares = 0.0, meanAbs = 0.0, variance = 0.0
    for row in 0..<v.rows {
        let r = v.row(row)
        let h = Double(r.count)
        let mean = r.reduce(0, +) / h
        squares += r.reduce(0) { $0 + $1 * $1 }
        meanAbs += abs(mean)
        variance += r.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / h
    }
    let n = Double(v.rows)
    return PartStatistics(norm: squares.squareRoot(), rowMeanAbs: meanAbs / n, rowVariance: variance / n)
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
}

private func close(_ a: PartStatistics, _ b: PartStatistics) -> Bool {
    close(a.norm, b.norm) && close(a.rowMeanAbs, b.rowMeanAbs) && close(a.rowVariance, b.rowVariance)
}

@Suite("NormLayer statistics")
struct NormStatisticsTests {
    @Test("the closed-form statistics equal those of the materialized parts", arguments: NormLayerGradientTests.names)
    func closedFormMatchesParts(name: String) {
        let c = NormLayerGradientTests.configuration(name)
        let layer = NormLayer<Double>(c, width: 37, instrumentation: .all)
        if let gain = layer.gain { gain.value = sampleMatrix(1, gain.count, seed: 3, in: 0.5..<1.5) }
        let x: Matrix<Double> = sampleMatrix(19, 37, seed: 1, in: -2..<2)
        let g: Matrix<Double> = sampleMatrix(19, 37, seed: 2)
        let total = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
        let s = layer.lastGradientStatistics!
        let parts = layer.lastParts!
        #expect(close(s.total, directStatistics(total)), "\(name) total")
        #expect(close(s.direct, directStatistics(parts.direct)), "\(name) direct")
        #expect(close(s.recentering, directStatistics(parts.recentering)), "\(name) recentering")
        #expect(close(s.rescaling, directStatistics(parts.rescaling)), "\(name) rescaling")
        var dc = parts.direct
        for i in 0..<dc.count { dc.scalars[i] += parts.recentering.scalars[i] }
        #expect(close(s.directPlusRecenteringRowVariance, directStatistics(dc).rowVariance))
        let dotTD = zip(total.scalars, parts.direct.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        #expect(close(s.totalDotDirect, dotTD))
        #expect(s.rows == 19 && s.width == 37)
    }

    @Test("ratios: recenter_ratio 0 for layernorm-simple, 1 for detachnorm; rescale_ratio < 1 with the σ-derivative")
    func ratios() {
        let x: Matrix<Double> = sampleMatrix(64, 32, seed: 5, in: -2..<2)
        let g: Matrix<Double> = sampleMatrix(64, 32, seed: 6, in: -1..<2)
        func statistics(_ preset: NormPreset) -> NormGradientStatistics {
            let layer = NormLayer<Double>(preset, width: 32)
            _ = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
            return layer.lastGradientStatistics!
        }
        let simple = statistics(.layerNormSimple), detach = statistics(.detachNorm)
        #expect(simple.recenterRatio < 1e-12)
        #expect(detach.recenterRatio == 1 && detach.rescaleRatio == 1 && detach.cosineTotalDirect > 1 - 1e-12)
        #expect(simple.rescaleRatio < 1 && simple.recenteringShare > 0 && simple.rescalingShare > 0)
        #expect(statistics(.detachStd).rescaleRatio == 1 && statistics(.detachMean).recenterRatio > 0.5)
        #expect(statistics(.rmsNorm).recentering == .zero)
    }

    @Test("row-parallel and serial runs give bit-identical gradients, parameter gradients and statistics")
    func parallelIsDeterministic() {
        let x: Matrix<Float> = sampleMatrix(257, 96, seed: 7)
        let g: Matrix<Float> = sampleMatrix(257, 96, seed: 8)
        func run(_ parallel: RowParallel) -> (Matrix<Float>, NormGradientStatistics, NormForwardStatistics) {
            let layer = NormLayer<Float>(.adaNorm(), width: 96, parallel: parallel)
            let dx = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
            return (dx, layer.lastGradientStatistics!, layer.lastForwardStatistics!)
        }
        let serial = run(.serial)
        let parallel = run(RowParallel(maximumTaskCount: 4, minimumElementsPerTask: 1))
        #expect(serial.0 == parallel.0 && serial.1 == parallel.1 && serial.2 == parallel.2)
        func gains(_ parallel: RowParallel) -> [Float] {
            let layer = NormLayer<Float>(.layerNorm(), width: 96, parallel: parallel)
            _ = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
            return layer.gain!.gradient.scalars + layer.bias!.gradient.scalars
        }
        let (a, b) = (gains(.serial), gains(RowParallel(maximumTaskCount: 4, minimumElementsPerTask: 1)))
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
    }

    @Test("buffers are reused across steps when the caller lets go of the previous output")
    func buffersReused() {
        let layer = NormLayer<Float>(.layerNormSimple, width: 64)
        let x: Matrix<Float> = sampleMatrix(32, 64, seed: 9)
        var first = layer.forward(x, mode: .training).output
        let address = first.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        first = Matrix(rows: 0, columns: 0)
        let second = layer.forward(x, mode: .training).output
        #expect(second.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } == address)
    }

    @Test("instrumentation off records nothing; evaluation forwards record nothing")
    func instrumentationOff() {
        let x: Matrix<Float> = sampleMatrix(8, 16, seed: 10)
        let quiet = NormLayer<Float>(.adaNorm, width: 16, instrumentation: .off)
        _ = quiet.backward(x, saved: quiet.forward(x, mode: .training).saved)
        #expect(quiet.lastGradientStatistics == nil && quiet.lastForwardStatistics == nil && quiet.lastParts == nil)
        let evaluating = NormLayer<Float>(.adaNorm, width: 16)
        _ = evaluating.forward(x, mode: .evaluation)
        #expect(evaluating.lastForwardStatistics == nil)
    }
}
