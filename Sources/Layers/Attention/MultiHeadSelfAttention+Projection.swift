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
    /// The input gradient `gradY·W` is left to the layer, which sums three of them into one matrix.
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
