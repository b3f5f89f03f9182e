import Layers
import Recording

/// Turns each ``NormLayer``'s statistics of the last step into trace rows.
///
/// Package access: the training benchmark records its rows the way the trainer does.
package enum NormProbe {
    package static func rows(step: Int, layers: [NormLayer<Float>]) -> [NormStepRow] {
        layers.map { layer in
            var row = NormStepRow(step: Int64(step))
            row.width = Int64(layer.width)
            if let s = layer.lastGradientStatistics {
                row.rows = Int64(s.rows)
                (row.totalNorm, row.totalRowMeanAbs, row.totalRowVariance) =
                    (s.total.norm, s.total.rowMeanAbs, s.total.rowVariance)
                (row.directNorm, row.directRowMeanAbs, row.directRowVariance) =
                    (s.direct.norm, s.direct.rowMeanAbs, s.direct.rowVariance)
                (row.recenteringNorm, row.recenteringRowMeanAbs, row.recenteringRowVariance) =
                    (s.recentering.norm, s.recentering.rowMeanAbs, s.recentering.rowVariance)
                (row.rescalingNorm, row.rescalingRowMeanAbs, row.rescalingRowVariance) =
                    (s.rescaling.norm, s.rescaling.rowMeanAbs, s.rescaling.rowVariance)
                (row.upstreamNorm, row.upstreamRowMeanAbs, row.upstreamRowVariance) =
                    (s.upstream.norm, s.upstream.rowMeanAbs, s.upstream.rowVariance)
                row.directPlusRecenteringRowVariance = s.directPlusRecenteringRowVariance
                row.recenterRatio = s.recenterRatio
                row.rescaleRatio = s.rescaleRatio
                row.cosineTotalDirect = s.cosineTotalDirect
                row.recenteringShare = s.recenteringShare
                row.rescalingShare = s.rescalingShare
            }
            if let f = layer.lastForwardStatistics {
                row.meanMu = f.meanMu
                row.meanSigma = f.meanSigma
                // DyT's; the row's NaNs stand for every other variant.
                row.alpha = f.alpha ?? .nan
                row.saturatedShare = f.saturatedShare ?? .nan
                row.absMeanOverStd = f.absMeanOverStd
            }
            if let a = layer.lastAffineStatistics {
                row.gainNorm = a.gainNorm ?? .nan
                row.gainMean = a.gainMean ?? .nan
                row.gainGradientNorm = a.gainGradientNorm ?? .nan
                row.biasNorm = a.biasNorm ?? .nan
                row.biasGradientNorm = a.biasGradientNorm ?? .nan
            }
            return row
        }
    }

    /// The first `rows` input rows of the last backward's parts, as `[total, direct, recentering, rescaling]`, each
    /// row-major; rows beyond the batch are zero. `nil` when the layer did not keep its parts.
    package static func raw(_ layer: NormLayer<Float>, rows: Int) -> [Float]? {
        guard let parts = layer.lastParts else { return nil }
        let width = layer.width
        let available = min(rows, parts.direct.rows) * width
        var values = [Float](repeating: 0, count: 4 * rows * width)
        for (index, part) in [parts.total, parts.direct, parts.recentering, parts.rescaling].enumerated() {
            values.replaceSubrange(
                (index * rows * width)..<(index * rows * width + available), with: part.scalars[0..<available])
        }
        return values
    }

    /// Φ(y) records of the layers that collected it this step.
    package static func phi(step: Int, layers: [NormLayer<Float>]) -> [PhiRecord] {
        layers.enumerated().compactMap { index, layer in
            guard layer.instrumentation.phiHistogram, let phi = layer.lastForwardStatistics?.phi else { return nil }
            let row = PhiStepRow(
                step: Int64(step), mean: phi.mean, standardDeviation: phi.standardDeviation, minimum: phi.minimum,
                maximum: phi.maximum, fractionNonPositive: phi.fractionNonPositive, quantiles: phi.quantiles)
            return PhiRecord(layerIndex: index, row: row, counts: [phi.below] + phi.counts + [phi.above])
        }
    }
}
