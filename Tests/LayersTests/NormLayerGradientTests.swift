import Foundation
import Layers
import Tensors
import TestSupport
import Testing

/// Every preset in both conventions, plus the undetached AdaNorm and the combinations no preset names (a gain-only
/// LayerNorm, RMSNorm with a scalar gain, DyT's tanh after LayerNorm and after AdaNorm's factor): the configurations
/// the checks run over.
let normConfigurations: [(name: String, configuration: NormConfiguration)] = {
    var all: [(String, NormConfiguration)] = []
    for preset in NormPreset.allCases {
        for convention in SpreadConvention.allCases {
            var c = preset.configuration
            c.convention = convention
            all.append(("\(preset.rawValue)/\(convention.rawValue)", c))
        }
    }
    var undetached = NormConfiguration.adaNorm(detached: false)
    all.append(("adanorm-undetached/paper", undetached))
    undetached.convention = .torch
    all.append(("adanorm-undetached/torch", undetached))
    var layerNormNoBiasCentered = NormConfiguration.layerNorm()
    layerNormNoBiasCentered.affine = .gainOnly
    all.append(("layernorm-gain-only/torch", layerNormNoBiasCentered))
    var rmsScalar = NormConfiguration.rmsNorm()
    rmsScalar.affine = .scalarGain
    all.append(("rmsnorm-scalar-gain/torch", rmsScalar))
    var layerNormTanh = NormConfiguration.layerNorm()
    layerNormTanh.dynamicTanh = DynamicTanh(initialAlpha: 0.8)
    all.append(("layernorm-then-tanh/torch", layerNormTanh))
    var adaNormTanh = NormConfiguration.adaNorm()
    adaNormTanh.dynamicTanh = DynamicTanh()
    all.append(("adanorm-then-tanh/paper", adaNormTanh))
    return all
}()

@Suite("NormLayer gradients")
struct NormLayerGradientTests {
    static let names = normConfigurations.map(\.name)
    /// Below one 8-wide chunk (the scalar tail alone), exactly one and two chunks, and eight chunks with a tail of 3.
    static let widths = [7, 8, 16, 67]
    static func configuration(_ name: String) -> NormConfiguration {
        normConfigurations.first { $0.name == name }!.configuration
    }

    /// A layer with non-trivial gain, bias and α so that their gradients and γ ⊙ g are exercised.
    func layer(_ c: NormConfiguration, width: Int, instrumentation: NormInstrumentation = .all) -> NormLayer<Double> {
        let layer = NormLayer<Double>(c, width: width, instrumentation: instrumentation)
        if let gain = layer.gain {
            // A scalar gain near its √H start, a vector one near 1.
            let scale = gain.count == 1 ? gain.value.scalars[0] : 1
            gain.value = sampleMatrix(1, gain.count, seed: 91, in: (0.5 * scale)..<(1.5 * scale))
        }
        if let bias = layer.bias { bias.value = sampleMatrix(1, width, seed: 92) }
        if let alpha = layer.alpha { alpha.value = sampleMatrix(1, 1, seed: 93, in: 0.3..<0.9) }
        return layer
    }

    @Test("the input gradient matches central finite differences to 1e-6", arguments: names, widths)
    func inputGradient(name: String, width: Int) {
        let c = Self.configuration(name)
        let layer = layer(c, width: width)
        // Some entries with |α·x| > 2 under DyT, so that saturated elements are checked too.
        let x: Matrix<Double> = sampleMatrix(5, width, seed: 1, in: -4..<4)
        let g: Matrix<Double> = sampleMatrix(5, width, seed: 2)
        let (_, saved) = layer.forward(x, mode: .training)
        let analytic = layer.backward(g, saved: saved)
        // Detached statistics are constants: differentiate with them frozen at x, as θ(·) prescribes.
        let numeric = numericalInputGradient(of: { frozenForward(layer, c, $0, at: x) }, at: x, gradOutput: g)
        #expect(gradientError(analytic, numeric) <= 1e-6, "\(name): \(gradientError(analytic, numeric))")
    }

    @Test("gain, bias, g and α gradients match central finite differences to 1e-6", arguments: names, widths)
    func parameterGradients(name: String, width: Int) {
        let c = Self.configuration(name)
        let layer = layer(c, width: width)
        guard !layer.parameters.isEmpty else {
            #expect((c.affine == .none || !c.transforms) && c.dynamicTanh == nil)
            return
        }
        let x: Matrix<Double> = sampleMatrix(4, width, seed: 3, in: -4..<4)
        let g: Matrix<Double> = sampleMatrix(4, width, seed: 4)
        let (_, saved) = layer.forward(x, mode: .training)
        _ = layer.backward(g, saved: saved)
        for parameter in layer.parameters {
            let original = parameter.value
            let numeric = numericalGradient(
                of: { value in
                    parameter.value = value
                    defer { parameter.value = original }
                    return dot(layer.forward(x, mode: .evaluation).output, g)
                }, at: original)
            #expect(gradientError(parameter.gradient, numeric) <= 1e-6, "\(name) \(parameter.name)")
        }
    }

    @Test(
        "the parts add up to the gradient, match the reference formulas, and a detached part is exactly zero",
        arguments: names, widths)
    func partsAddUp(name: String, width: Int) {
        let c = Self.configuration(name)
        let layer = layer(c, width: width)
        let x: Matrix<Double> = sampleMatrix(6, width, seed: 5, in: -3..<3)
        let g: Matrix<Double> = sampleMatrix(6, width, seed: 6)
        let (_, saved) = layer.forward(x, mode: .training)
        let total = layer.backward(g, saved: saved)
        let parts = layer.lastParts!
        #expect(gradientError(parts.total, total) <= 1e-12)
        let gain = layer.gain.map { Array($0.value.scalars) }
        let alpha = layer.alpha.map { $0.value.scalars[0] }
        for row in 0..<x.rows {
            let reference = NormReference.parts(Array(x.row(row)), Array(g.row(row)), c, gain: gain, alpha: alpha)
            let pairs = [
                (parts.direct, reference.direct), (parts.recentering, reference.recentering),
                (parts.rescaling, reference.rescaling),
            ]
            for (part, expected) in pairs {
                let got = Array(part.row(row))
                let error = zip(got, expected).map { abs($0 - $1) }.max()!
                #expect(error <= 1e-12 * max(1, expected.map(abs).max()!), "\(name) row \(row)")
            }
        }
        if !c.hasRecentering { #expect(parts.recentering.scalars.allSatisfy { $0 == 0 }) }
        if !c.hasRescaling { #expect(parts.rescaling.scalars.allSatisfy { $0 == 0 }) }
    }

    @Test("Float and Double layers agree to 1e-5 in output and gradient", arguments: names)
    func floatMatchesDouble(name: String) {
        let c = Self.configuration(name)
        let x: Matrix<Double> = sampleMatrix(33, 100, seed: 7, in: -2..<2)
        let g: Matrix<Double> = sampleMatrix(33, 100, seed: 8)
        let double = NormLayer<Double>(c, width: 100)
        let float = NormLayer<Float>(c, width: 100)
        let (yd, sd) = double.forward(x, mode: .training)
        let (yf, sf) = float.forward(Matrix(x), mode: .training)
        let dd = double.backward(g, saved: sd)
        let df = float.backward(Matrix(g), saved: sf)
        #expect(gradientError(Matrix(yf), yd) <= 1e-5)
        #expect(gradientError(Matrix(df), dd) <= 1e-5)
    }
}

/// The layer's forward with every detached quantity frozen at `base`: the statistics for `detach`, Φ for AdaNorm.
/// Gain, bias and α are the layer's.
///
/// Written from the forward formulas of analysis/METHODS.md (not from the layer), so that finite differences of it give the
/// gradient that θ(·)/sg[·] define.
func frozenForward(
    _ layer: NormLayer<Double>, _ c: NormConfiguration, _ x: Matrix<Double>, at base: Matrix<Double>
) -> Matrix<Double> {
    let gain = layer.gain.map { Array($0.value.scalars) }
    let bias = layer.bias.map { Array($0.value.scalars) }
    let alpha = layer.alpha.map { $0.value.scalars[0] }
    var out = Matrix<Double>(rows: x.rows, columns: x.columns)
    for row in 0..<x.rows {
        let xr = Array(x.row(row))
        let now = NormReference.forward(xr, c)
        let frozen = NormReference.forward(Array(base.row(row)), c)
        let h = Double(xr.count)
        let mu =
            c.normalizes && c.centering == .mean
            ? (c.detach.contains(.mean) ? Array(base.row(row)).reduce(0, +) / h : xr.reduce(0, +) / h) : 0
        let denominator = c.detach.contains(.spread) ? frozen.denominator : now.denominator
        for i in 0..<xr.count {
            var z = c.normalizes ? (xr[i] - mu) / denominator : xr[i]
            if let a = c.adaptive {
                let factorY = a.detached ? frozen.y[i] : z
                z = a.scale * (1 - a.slope * factorY) * z
            }
            if alpha != nil { z = tanh(alpha! * z) }
            out[row, i] = z * NormReference.at(gain, i, default: 1) + NormReference.at(bias, i, default: 0)
        }
    }
    return out
}
