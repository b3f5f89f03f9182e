import Tensors

extension MultiHeadSelfAttention {
    /// One of the layer's four affine maps of each token, `x·Wᵀ + b`, with its weight and bias.
    ///
    /// Concretely, for tokens `x` (`n × d`), weight `W` (`d × d`, output by input, as PyTorch stores it) and bias
    /// `b` (`1 × d`, broadcast over rows):
    ///
    /// ```
    /// forward:   y = x·Wᵀ + b
    /// backward:  gradW += gradYᵀ·x,   gradB += Σ_rows gradY
    /// ```
    ///
    /// The input gradient `gradY·W` is left to the layer: the output projection's is one product, and the query, key
    /// and value projections' is one product of their stacked gradients and weights (``init(stacking:)``).
    public struct Projection {
        /// The weight, `d × d`, one row per output feature; named `<projection>.weight`.
        public let weight: Parameter<Scalar>
        /// The bias, `1 × d`; named `<projection>.bias`.
        public let bias: Parameter<Scalar>

        /// A projection drawn from `U(−bound, bound)`, the weight row by row and then the bias.
        ///
        /// - Parameters:
        ///   - name: The projection's name, the prefix of its parameters' names.
        ///   - width: The model width `d`.
        ///   - bound: The half-width of the uniform range.
        ///   - random: The generator to draw from.
        init(name: String, width: Int, bound: Double, random: inout SeededRandom) {
            let weightValue = Matrix<Scalar>(rows: width, columns: width) { _, _ in
                Scalar(random.uniform(in: -bound..<bound))
            }
            let biasValue = Matrix<Scalar>(rows: 1, columns: width) { _, _ in
                Scalar(random.uniform(in: -bound..<bound))
            }
            weight = Parameter(name: name + ".weight", value: weightValue)
            bias = Parameter(name: name + ".bias", value: biasValue)
        }

        /// `x·Wᵀ + b` for each row of `x`.
        func apply(to x: Matrix<Scalar>) -> Matrix<Scalar> {
            var y = Matrix.product(x, weight.value, transposeB: true)
            RowBroadcast.add(bias.value, toEveryRowOf: &y)
            return y
        }

        /// Adds `gradYᵀ·x` into the weight's gradient and the column sums of `gradY` into the bias's.
        func accumulateGradients(gradOutput: Matrix<Scalar>, input x: Matrix<Scalar>) {
            Matrix.multiply(gradOutput, transposeA: true, x, beta: 1, into: &weight.gradient)
            RowBroadcast.addColumnSums(of: gradOutput, into: &bias.gradient)
        }
    }
}

extension MultiHeadSelfAttention {
    /// The query, key and value projections as one: weight `[W_Q; W_K; W_V]` (`3d × d`), bias `[b_Q b_K b_V]`, zero
    /// gradients. Built from the three parameters at each call (they stay the model's parameters, with their names),
    /// so that one product computes `[Q K V]`.
    var fusedProjection: Projection { Projection(stacking: [query, key, value]) }
}

extension MultiHeadSelfAttention.Projection {
    /// The projections `parts` stacked: their weights' rows one after the other, their biases side by side.
    init(stacking parts: [Self]) {
        let width = parts[0].weight.value.columns
        let weight = Matrix<Scalar>(
            rows: parts.count * width, columns: width, scalars: parts.flatMap { $0.weight.value.scalars })
        let bias = Matrix<Scalar>(
            rows: 1, columns: parts.count * width, scalars: parts.flatMap { $0.bias.value.scalars })
        self.weight = Parameter(name: "stacked.weight", value: weight)
        self.bias = Parameter(name: "stacked.bias", value: bias)
    }

    /// Adds block `i` of this stacked projection's gradients into `parts[i]`'s, the inverse of `init(stacking:)`.
    func distributeGradients(to parts: [Self]) {
        let width = weight.value.columns
        let weightGradient = weight.gradient.scalars
        let biasGradient = bias.gradient.scalars
        for (index, part) in parts.enumerated() {
            let rows = (index * width * width)..<((index + 1) * width * width)
            Residual.accumulate(
                Matrix(rows: width, columns: width, scalars: Array(weightGradient[rows])), into: &part.weight.gradient)
            let columns = (index * width)..<((index + 1) * width)
            Residual.accumulate(
                Matrix(rows: 1, columns: width, scalars: Array(biasGradient[columns])), into: &part.bias.gradient)
        }
    }
}
