/// Standardizing each row to zero mean and unit variance: the core of layer normalization's forward pass.
///
/// Concretely, for a tensor seen as R × H, in the `torch` convention (biased variance, ε inside the square root):
///
/// ```
/// μ_r     = (1/H) Σ_c x[r, c]
/// σ²_r    = (1/H) Σ_c (x[r, c] − μ_r)²
/// y[r, c] = (x[r, c] − μ_r) / √(σ²_r + ε)
/// ```
///
/// The statistics are accumulated in Double (two passes over a row that is still in cache), then rounded to Float
/// once; the normalization itself is Float. The layers of the next issue choose the convention (`torch` or
/// `paper`) and add gain, bias and Φ(y); this kernel is the shared memory-bound step and the one `normscope bench
/// tensors` measures against the machine's copy bandwidth.
///
/// ### References
///
/// - Ba, Kiros, Hinton, "Layer Normalization", 2016, https://arxiv.org/abs/1607.06450
extension Tensor {
    /// Writes the row-standardized tensor and its per-row statistics into existing tensors.
    ///
    /// Each row is computed by one task from the same row of `self`, so the result does not depend on
    /// `parallelism`. Nothing is allocated when the outputs already have the right counts.
    ///
    /// - Parameters:
    ///   - y: Receives `(x − μ) / √(σ² + ε)`; resized to this tensor's shape.
    ///   - means: Receives `μ_r`; resized to `[rows]`.
    ///   - inverseStandardDeviations: Receives `1 / √(σ²_r + ε)`, what the backward pass needs; resized to `[rows]`.
    ///   - epsilon: Added to the variance before the square root; must be ≥ 0.
    ///   - parallelism: How rows are split across cores.
    public func normalizeRows(
        into y: inout Tensor,
        means: inout Tensor,
        inverseStandardDeviations: inout Tensor,
        epsilon: Float = 1e-5,
        parallelism: RowParallel = .automatic
    ) {
        precondition(epsilon >= 0, "Tensor.normalizeRows expects epsilon ≥ 0, got \(epsilon)")
        let (rows, columns) = (self.rows, self.columns)
        y.resize(to: shape)
        means.resize(to: [rows])
        inverseStandardDeviations.resize(to: [rows])
        let columnCount = Double(columns)
        let epsilon = Double(epsilon)
        withUnsafeBufferPointer { x in
            let x = SharedMutableBuffer(readOnly: x)
            y.withUnsafeMutableBufferPointer { y in
                means.withUnsafeMutableBufferPointer { means in
                    inverseStandardDeviations.withUnsafeMutableBufferPointer { inverseSigmas in
                        let y = SharedMutableBuffer(y)
                        let means = SharedMutableBuffer(means)
                        let inverseSigmas = SharedMutableBuffer(inverseSigmas)
                        parallelism.parallelRows(count: rows, columns: columns) { range in
                            for r in range {
                                let rowRange = r * columns..<(r + 1) * columns
                                let row = x.slice(rowRange)
                                // compute stats
                                let mu = DoubleAccumulator.sum(row) / columnCount
                                let variance = DoubleAccumulator.sumOfSquaredDeviations(row, from: mu) / columnCount
                                let inverseSigma = Float(1 / (variance + epsilon).squareRoot())
                                let muFloat = Float(mu)
                                means.unsafeBuffer[r] = muFloat
                                inverseSigmas.unsafeBuffer[r] = inverseSigma
                                // normalize
                                let output = y.mutableSlice(rowRange)
                                for c in 0..<columns { output[c] = (row[c] - muFloat) * inverseSigma }
                            }
                        }
                    }
                }
            }
        }
    }

    /// This tensor with each row standardized, `(x − μ_r) / √(σ²_r + ε)`; see
    /// ``normalizeRows(into:means:inverseStandardDeviations:epsilon:parallelism:)``.
    ///
    /// - Parameters:
    ///   - epsilon: Added to the variance before the square root; must be ≥ 0.
    ///   - parallelism: How rows are split across cores.
    public func normalizedRows(epsilon: Float = 1e-5, parallelism: RowParallel = .automatic) -> Tensor {
        var y = Tensor(zeros: shape)
        var means = Tensor(zeros: [rows])
        var inverseStandardDeviations = Tensor(zeros: [rows])
        normalizeRows(
            into: &y, means: &means, inverseStandardDeviations: &inverseStandardDeviations,
            epsilon: epsilon, parallelism: parallelism
        )
        return y
    }
}
