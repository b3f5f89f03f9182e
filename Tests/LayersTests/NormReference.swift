import Foundation
import Layers

// Plain per-row formulas from analysis/METHODS.md ("The gradient split"), one element at a time in Double: the reference the SIMD, row-parallel
// NormLayer kernels are checked against, written without looking at them.

struct NormReferenceRow {
    var y: [Double]
    var output: [Double]
    var denominator: Double
    /// σ̃ and κ of the re-scaling part.
    var spread: Double
    var correction: Double
}

enum NormReference {
    /// `values[i]`, or the one value of a scalar (ScaleNorm's g).
    static func at(_ values: [Double]?, _ i: Int, default fallback: Double) -> Double {
        guard let values else { return fallback }
        return values.count == 1 ? values[0] : values[i]
    }

    /// y, and the output `γ ⊙ z + β` with z = Φ(y) ⊙ y or y, then tanh(α·z) under DyT (α: the layer's value, or
    /// its initial one).
    static func forward(
        _ x: [Double], _ c: NormConfiguration, gain: [Double]? = nil, bias: [Double]? = nil, alpha: Double? = nil
    ) -> NormReferenceRow {
        let h = Double(x.count)
        guard c.normalizes else {
            let out = x.indices.map { i in
                let z = c.dynamicTanh.map { tanh((alpha ?? $0.initialAlpha) * x[i]) } ?? x[i]
                return c.dynamicTanh == nil ? x[i] : z * at(gain, i, default: 1) + at(bias, i, default: 0)
            }
            return NormReferenceRow(y: x, output: out, denominator: 1, spread: 0, correction: 1)
        }
        let mu = c.centering == .mean ? x.reduce(0, +) / h : 0
        let centred = x.map { $0 - mu }
        let squares = centred.reduce(0) { $0 + $1 * $1 }
        var denominator: Double, spread: Double, correction = 1.0
        switch (c.convention, c.centering) {
        case _ where c.spread == .norm:
            // ScaleNorm: the row's length, ε per convention; d‖x̂‖/dx̂ᵢ = x̂ᵢ/‖x̂‖ gives κ = H.
            spread = c.convention == .torch ? (squares + c.epsilon).squareRoot() : squares.squareRoot()
            denominator = c.convention == .torch ? spread : spread + c.epsilon
            correction = h
        case (.torch, _):
            denominator = (squares / h + c.epsilon).squareRoot()
            spread = denominator
        case (.paper, .mean):
            spread = (squares / (h - 1)).squareRoot()
            denominator = spread + c.epsilon
            correction = h / (h - 1)
        case (.paper, .none):
            spread = (squares / h).squareRoot()
            denominator = spread + c.epsilon
        }
        let y = centred.map { $0 / denominator }
        var z = y
        if let a = c.adaptive { z = y.map { a.scale * (1 - a.slope * $0) * $0 } }
        if let t = c.dynamicTanh { z = z.map { tanh((alpha ?? t.initialAlpha) * $0) } }
        let out = z.indices.map { i in z[i] * at(gain, i, default: 1) + at(bias, i, default: 0) }
        return NormReferenceRow(y: y, output: out, denominator: denominator, spread: spread, correction: correction)
    }

    /// The three parts for one row, given ∂ℓ/∂h.
    static func parts(
        _ x: [Double], _ g: [Double], _ c: NormConfiguration, gain: [Double]? = nil, alpha: Double? = nil
    ) -> (direct: [Double], recentering: [Double], rescaling: [Double]) {
        let r = forward(x, c, gain: gain)
        let h = Double(x.count)
        var u = g.indices.map { g[$0] * at(gain, $0, default: 1) }
        if let a = c.adaptive {
            let k = a.detached ? a.slope : 2 * a.slope
            u = u.indices.map { u[$0] * a.scale * (1 - k * r.y[$0]) }
        }
        if let t = c.dynamicTanh {
            // tanh(α·z)' = α(1 − tanh²), z the value it squashes.
            let a = alpha ?? t.initialAlpha
            let z = c.adaptive.map { f in r.y.map { f.scale * (1 - f.slope * $0) * $0 } } ?? r.y
            u = u.indices.map { u[$0] * a * (1 - tanh(a * z[$0]) * tanh(a * z[$0])) }
        }
        guard c.normalizes else { return (u, u.map { _ in 0 }, u.map { _ in 0 }) }
        let meanU = u.reduce(0, +) / h
        let meanUY = zip(u, r.y).reduce(0) { $0 + $1.0 * $1.1 } / h
        let direct = u.map { $0 / r.denominator }
        let recenters = c.centering == .mean && !c.detach.contains(.mean)
        let rescales = !c.detach.contains(.spread)
        let recentering = u.map { _ in recenters ? -meanU / r.denominator : 0 }
        let rescaling = r.y.map { rescales && r.spread > 0 ? -r.correction * $0 * meanUY / r.spread : 0 }
        return (direct, recentering, rescaling)
    }
}
