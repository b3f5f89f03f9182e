import Layers
import Recording
import Tensors
import TestSupport
import Testing

@testable import Training

/// The grad rows the recorder writes for the two variants with a learned scalar: DyT's α and saturated share in
/// their own columns, ScaleNorm's g in the gain columns.
@Suite("NormProbe")
struct NormProbeTests {
    /// One training forward and backward of a layer, then its row.
    private func row(_ preset: NormPreset, adjust: (NormLayer<Float>) -> Void = { _ in }) -> NormStepRow {
        let layer = NormLayer<Float>(preset, width: 16)
        adjust(layer)
        let x: Matrix<Float> = sampleMatrix(8, 16, seed: 41, in: -6..<6)
        let g: Matrix<Float> = sampleMatrix(8, 16, seed: 42)
        _ = layer.backward(g, saved: layer.forward(x, mode: .training).saved)
        return NormProbe.rows(step: 3, layers: [layer])[0]
    }

    @Test("DyT: alpha is the layer's α and saturated_share the share with |α·x| > 2; NaN for every other variant")
    func dyt() {
        let x: Matrix<Float> = sampleMatrix(8, 16, seed: 41, in: -6..<6)
        let dyt = row(.dyt) { $0.alpha!.value.scalars[0] = 0.6 }
        #expect(dyt.alpha == Double(Float(0.6)))
        #expect(dyt.saturatedShare == Double(x.scalars.filter { abs(0.6 * $0) > 2 }.count) / 128)
        #expect(dyt.saturatedShare > 0 && dyt.recenteringNorm == 0 && dyt.rescalingNorm == 0)
        for preset in NormPreset.allCases where preset != .dyt {
            let other = row(preset)
            #expect(other.alpha.isNaN && other.saturatedShare.isNaN, "\(preset)")
        }
    }

    @Test("ScaleNorm: gain_norm is |g| and gain_mean g; its gradient's size in gain_grad_norm; no bias")
    func scaleNorm() {
        let scale = row(.scaleNorm) { $0.gain!.value.scalars[0] = -2.5 }
        #expect(scale.gainNorm == 2.5 && scale.gainMean == -2.5 && scale.gainGradientNorm > 0)
        #expect(scale.biasNorm.isNaN && scale.recenteringNorm == 0 && scale.rescalingNorm > 0)
    }
}
