import Layers
import Tensors
import TestSupport
import Testing

/// Row-wise mean and population variance in Double.
private func meanAndVariance(_ v: ArraySlice<Double>) -> (mean: Double, variance: Double) {
    let h = Double(v.count)
    let mean = v.reduce(0, +) / h
    return (mean, v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / h)
}

/// Forward and backward of a Double layer at ε = 0 on random rows.
private func run(
    _ preset: NormPreset, convention: SpreadConvention, rows: Int = 8, width: Int = 16, seed: UInt64 = 11
) -> (x: Matrix<Double>, g: Matrix<Double>, y: Matrix<Double>, dx: Matrix<Double>, layer: NormLayer<Double>) {
    var c = preset.configuration
    c.convention = convention
    c.epsilon = 0
    let layer = NormLayer<Double>(c, width: width, instrumentation: .all)
    let x: Matrix<Double> = sampleMatrix(rows, width, seed: seed, in: -2..<3)
    let g: Matrix<Double> = sampleMatrix(rows, width, seed: seed + 1, in: -1..<2)
    let (y, saved) = layer.forward(x, mode: .training)
    return (x, g, y, layer.backward(g, saved: saved), layer)
}

/// σ of Theorem 1 for a row: the denominator at ε = 0 (s, or σ_u), and ⟨y²⟩.
private func sigma(_ x: ArraySlice<Double>, _ convention: SpreadConvention) -> Double {
    let (_, variance) = meanAndVariance(x)
    let h = Double(x.count)
    return convention == .torch ? variance.squareRoot() : (variance * h / (h - 1)).squareRoot()
}

@Suite("Theorem 1 and the forward identities (analysis/METHODS.md)")
struct NormTheoremTests {
    @Test(
        "row means: 0 for layernorm-simple and detach-std, ḡ/σ for detachnorm and detach-mean",
        arguments: SpreadConvention.allCases)
    func rowMeans(convention: SpreadConvention) {
        for preset in [NormPreset.layerNormSimple, .detachStd, .detachNorm, .detachMean] {
            let r = run(preset, convention: convention)
            for row in 0..<r.x.rows {
                let mean = meanAndVariance(r.dx.row(row)).mean
                let gMean = meanAndVariance(r.g.row(row)).mean
                let expected =
                    preset == .layerNormSimple || preset == .detachStd
                    ? 0 : gMean / sigma(r.x.row(row), convention)
                #expect(abs(mean - expected) <= 1e-12, "\(preset) row \(row): \(mean) vs \(expected)")
            }
        }
    }

    @Test(
        "row variances: D_g/σ² without the σ-derivative, (D_g − ⟨gy⟩²/⟨y²⟩)/σ² ≤ D_g/σ² with it",
        arguments: SpreadConvention.allCases)
    func rowVariances(convention: SpreadConvention) {
        for preset in [NormPreset.layerNormSimple, .detachStd, .detachNorm, .detachMean] {
            let r = run(preset, convention: convention)
            for row in 0..<r.x.rows {
                let variance = meanAndVariance(r.dx.row(row)).variance
                let s = sigma(r.x.row(row), convention)
                let (_, dg) = meanAndVariance(r.g.row(row))
                let y = r.y.row(row)
                let h = Double(y.count)
                let gy = zip(r.g.row(row), y).reduce(0) { $0 + $1.0 * $1.1 } / h
                let y2 = y.reduce(0) { $0 + $1 * $1 } / h
                let keepsSigma = preset == .layerNormSimple || preset == .detachMean
                let expected = keepsSigma ? (dg - gy * gy / y2) / (s * s) : dg / (s * s)
                #expect(abs(variance - expected) <= 1e-12 * max(1, expected), "\(preset) row \(row)")
                if keepsSigma { #expect(variance <= dg / (s * s) + 1e-15) }
            }
        }
    }

    @Test("layernorm-simple's gradient is orthogonal to 1 and to y at ε = 0", arguments: SpreadConvention.allCases)
    func orthogonality(convention: SpreadConvention) {
        let r = run(.layerNormSimple, convention: convention)
        for row in 0..<r.x.rows {
            let dx = r.dx.row(row)
            let scale = dx.map(abs).max()!
            #expect(abs(dx.reduce(0, +)) <= 1e-12 * scale * Double(dx.count))
            #expect(abs(zip(dx, r.y.row(row)).reduce(0) { $0 + $1.0 * $1.1 }) <= 1e-12 * scale * Double(dx.count))
        }
    }

    @Test(
        "detachnorm, detach-mean, detach-std and layernorm-simple have bit-identical forwards and different backwards",
        arguments: SpreadConvention.allCases)
    func forwardEquivalence(convention: SpreadConvention) {
        let base = run(.layerNormSimple, convention: convention)
        for preset in [NormPreset.detachNorm, .detachMean, .detachStd] {
            let other = run(preset, convention: convention)
            #expect(other.y == base.y, "\(preset)")
            #expect(gradientError(other.dx, base.dx) > 1e-3, "\(preset)")
        }
        // Float as well: the same kernel path, so the same bits.
        let x: Matrix<Float> = sampleMatrix(9, 40, seed: 3)
        let reference = NormLayer<Float>(.layerNormSimple(convention: convention), width: 40)(x)
        #expect(NormLayer<Float>(.detachNorm(convention: convention), width: 40)(x) == reference)
    }

    @Test(
        "layernorm with γ = 1 and β = 0 equals layernorm-simple in the same convention, forward and backward",
        arguments: SpreadConvention.allCases)
    func layerNormReducesToSimple(convention: SpreadConvention) {
        let x: Matrix<Double> = sampleMatrix(6, 12, seed: 4)
        let g: Matrix<Double> = sampleMatrix(6, 12, seed: 5)
        let affine = NormLayer<Double>(.layerNorm(convention: convention), width: 12)
        let simple = NormLayer<Double>(.layerNormSimple(convention: convention), width: 12)
        let (ya, sa) = affine.forward(x, mode: .training)
        let (ys, ss) = simple.forward(x, mode: .training)
        #expect(gradientError(ya, ys) <= 1e-15)
        #expect(gradientError(affine.backward(g, saved: sa), simple.backward(g, saved: ss)) <= 1e-15)
    }

    @Test("convention gap: torch/paper outputs differ by sqrt((H − 1)/H) at ε = 0")
    func conventionGap() {
        let h = 10
        let x: Matrix<Double> = sampleMatrix(3, h, seed: 6)
        let torch = NormLayer<Double>(.layerNormSimple(convention: .torch, epsilon: 0), width: h)(x)
        let paper = NormLayer<Double>(.layerNormSimple(convention: .paper, epsilon: 0), width: h)(x)
        let ratio = (Double(h - 1) / Double(h)).squareRoot()
        for i in 0..<x.count where abs(torch.scalars[i]) > 1e-3 {
            #expect(abs(paper.scalars[i] / torch.scalars[i] - ratio) <= 1e-12)
        }
    }
}

@Suite("AdaNorm identities")
struct AdaNormTests {
    private func layer(scale: Double, detached: Bool = true, convention: SpreadConvention = .paper, width: Int = 24)
        -> NormLayer<Double>
    {
        NormLayer<Double>(
            .adaNorm(scale: scale, detached: detached, convention: convention, epsilon: 0), width: width,
            instrumentation: .all)
    }

    @Test("⟨Φ(y)⟩ = C and ⟨z⟩ = −C·k·⟨y²⟩ per row, in both conventions", arguments: SpreadConvention.allCases)
    func means(convention: SpreadConvention) {
        let x: Matrix<Double> = sampleMatrix(7, 24, seed: 8, in: -3..<3)
        let ada = layer(scale: 1.5, convention: convention)
        let z = ada.forward(x, mode: .training).output
        let y = NormLayer<Double>(.layerNormSimple(convention: convention, epsilon: 0), width: 24)(x)
        for row in 0..<x.rows {
            let yr = y.row(row)
            let phiMean = yr.reduce(0) { $0 + 1.5 * (1 - 0.1 * $1) } / 24
            #expect(abs(phiMean - 1.5) <= 1e-13)
            let y2 = yr.reduce(0) { $0 + $1 * $1 } / 24
            let zMean = z.row(row).reduce(0, +) / 24
            #expect(abs(zMean - (-1.5 * 0.1 * y2)) <= 1e-13)
            // ⟨y²⟩ is 1 (torch) or (H − 1)/H (paper) at ε = 0.
            #expect(abs(y2 - (convention == .torch ? 1 : 23.0 / 24)) <= 1e-13)
        }
        let phi = ada.lastForwardStatistics!.phi!
        #expect(abs(phi.mean - 1.5) <= 1e-13)
        #expect(phi.elementCount == 7 * 24 && phi.counts.reduce(0, +) + phi.below + phi.above == 7 * 24)
        #expect(phi.fractionNonPositive == 0)
    }

    @Test("output and input gradient are linear in C")
    func linearInC() {
        let x: Matrix<Double> = sampleMatrix(5, 24, seed: 9)
        let g: Matrix<Double> = sampleMatrix(5, 24, seed: 10)
        let one = layer(scale: 1), three = layer(scale: 3)
        let (z1, s1) = one.forward(x, mode: .training)
        let (z3, s3) = three.forward(x, mode: .training)
        let d1 = one.backward(g, saved: s1), d3 = three.backward(g, saved: s3)
        for i in 0..<x.count {
            #expect(abs(z3.scalars[i] - 3 * z1.scalars[i]) <= 1e-13)
            #expect(abs(d3.scalars[i] - 3 * d1.scalars[i]) <= 1e-12)
        }
    }

    @Test("the backward is layernorm-simple's applied to g̃ = C(1 − k·y) ⊙ g; undetached doubles the k-term")
    func detachedVersusUndetached() {
        let x: Matrix<Double> = sampleMatrix(4, 24, seed: 12, in: -2..<2)
        let g: Matrix<Double> = sampleMatrix(4, 24, seed: 13)
        let c = 2.0, k = 0.1
        let simple = NormLayer<Double>(.layerNormSimple(epsilon: 0), width: 24)
        let (y, savedSimple) = simple.forward(x, mode: .training)
        func simpleBackward(_ upstream: Matrix<Double>) -> Matrix<Double> {
            simple.backward(upstream, saved: savedSimple)
        }
        let gTilde = Matrix(rows: 4, columns: 24) { i, j in c * (1 - k * y[i, j]) * g[i, j] }
        let plain = simpleBackward(Matrix(rows: 4, columns: 24) { i, j in c * g[i, j] })
        let detached = layer(scale: c), undetached = layer(scale: c, detached: false)
        let dDetached = detached.backward(g, saved: detached.forward(x, mode: .training).saved)
        let dUndetached = undetached.backward(g, saved: undetached.forward(x, mode: .training).saved)
        #expect(gradientError(dDetached, simpleBackward(gTilde)) <= 1e-13)
        for i in 0..<x.count {
            let kTermDetached = dDetached.scalars[i] - plain.scalars[i]
            let kTermUndetached = dUndetached.scalars[i] - plain.scalars[i]
            #expect(abs(kTermUndetached - 2 * kTermDetached) <= 1e-12)
        }
    }

    @Test("Φ ≤ 0 never happens for H ≤ 101 and does for one-hot-like rows at H = 512")
    func nonPositiveFraction() {
        var spiky = Matrix<Double>(rows: 4, columns: 512)
        for row in 0..<4 { spiky[row, row * 7] = 100 }
        let wide = NormLayer<Double>(.adaNorm(), width: 512)
        _ = wide.forward(spiky, mode: .training)
        let phi = wide.lastForwardStatistics!.phi!
        // Each spike has y ≈ (H − 1)/√H ≈ 22.6 > 1/k, so Φ < 0 for exactly one element per row.
        #expect(phi.fractionNonPositive == 4.0 / Double(4 * 512))
        #expect(phi.minimum < 0 && phi.below == 4)
        var narrow = Matrix<Double>(rows: 4, columns: 101)
        for row in 0..<4 { narrow[row, row] = 100 }
        let small = NormLayer<Double>(.adaNorm(), width: 101)
        _ = small.forward(narrow, mode: .training)
        #expect(small.lastForwardStatistics!.phi!.fractionNonPositive == 0)
    }
}
