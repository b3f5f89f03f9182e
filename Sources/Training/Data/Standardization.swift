import Tensors

/// Per-feature standardization, `(x − μ) / σ`, with μ and σ fitted on the training data.
///
/// Concretely, for feature `j` over the `N` training examples:
///
/// ```
/// μⱼ = (1/N) Σᵢ xᵢⱼ
/// σⱼ = √((1/N) Σᵢ (xᵢⱼ − μⱼ)²)      (population standard deviation; 1 when the feature is constant)
/// yᵢⱼ = (xᵢⱼ − μⱼ) / σⱼ
/// ```
///
/// so on the training data every feature has mean 0 and standard deviation 1, and a constant feature (such as
/// the always-blank corner pixels of the digits) maps to 0 instead of dividing by zero. Statistics are accumulated
/// in Double, in two passes, so large offsets do not cancel.
///
/// Fit on `train` only and apply the same statistics to `valid` and `test`: fitting on held-out data would leak it
/// into training. The value is `Codable`, so a run can record exactly what it applied.
public struct FeatureStandardization: Sendable, Codable, Equatable {
    /// μⱼ, one per feature.
    public var mean: [Double]
    /// σⱼ, one per feature; positive (1 for a constant feature).
    public var standardDeviation: [Double]

    /// Statistics given directly, for instance read back from a trace.
    ///
    /// - Parameters:
    ///   - mean: μⱼ, one per feature.
    ///   - standardDeviation: σⱼ, one per feature, each positive.
    public init(mean: [Double], standardDeviation: [Double]) {
        precondition(
            mean.count == standardDeviation.count,
            "FeatureStandardization expects as many deviations as means, got \(standardDeviation.count) and "
                + "\(mean.count)")
        precondition(
            standardDeviation.allSatisfy { $0 > 0 && $0.isFinite },
            "FeatureStandardization expects positive, finite standard deviations")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// The statistics of `dataset`'s features, normally the training part.
    ///
    /// - Parameter dataset: At least one example.
    public init(fitting dataset: ClassificationDataset) {
        precondition(dataset.count > 0, "FeatureStandardization expects at least one example to fit on")
        let n = dataset.count
        let d = dataset.featureCount
        let x = dataset.features.scalars
        var mu = [Double](repeating: 0, count: d)
        var low = [Float](repeating: .infinity, count: d)
        var high = [Float](repeating: -.infinity, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let value = x[i * d + j]
                mu[j] += Double(value)
                low[j] = min(low[j], value)
                high[j] = max(high[j], value)
            }
        }
        for j in 0..<d { mu[j] /= Double(n) }
        var sumOfSquares = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d {
                let deviation = Double(x[i * d + j]) - mu[j]
                sumOfSquares[j] += deviation * deviation
            }
        }
        var sigma = [Double](repeating: 1, count: d)
        for j in 0..<d {
            if low[j] == high[j] {
                // Constant: μ is the value itself, exactly (the rounded mean may miss it by an ulp), so y is 0.
                mu[j] = Double(low[j])
            } else {
                sigma[j] = (sumOfSquares[j] / Double(n)).squareRoot()
            }
        }
        self.init(mean: mu, standardDeviation: sigma)
    }

    /// The number of features the statistics are for.
    public var featureCount: Int { mean.count }

    /// `dataset` with every feature standardized, `yᵢⱼ = (xᵢⱼ − μⱼ) / σⱼ`, computed in Double and stored as Float.
    ///
    /// - Parameter dataset: A dataset with ``featureCount`` features.
    public func apply(to dataset: ClassificationDataset) -> ClassificationDataset {
        precondition(
            dataset.featureCount == featureCount,
            "FeatureStandardization expects \(featureCount) features, got \(dataset.featureCount)")
        let d = featureCount
        var y = dataset.features
        y.withUnsafeMutableBufferPointer { scalars in
            for k in scalars.indices {
                let j = k % d
                scalars[k] = Float((Double(scalars[k]) - mean[j]) / standardDeviation[j])
            }
        }
        var result = dataset
        result.features = y
        return result
    }
}
