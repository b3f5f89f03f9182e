/// Tensors of random values drawn from a ``SeededRandom``, in row-major order, so that a seed fixes every weight.
extension Tensor {
    /// Creates a tensor of uniform samples in `range`, drawn in row-major order.
    ///
    /// - Parameters:
    ///   - shape: The size of each axis.
    ///   - range: The interval sampled; `lower + (upper − lower) · u` with `u` uniform in [0, 1).
    ///   - generator: The source of randomness, advanced by one draw per element.
    public init(randomUniform shape: [Int], in range: Range<Float> = 0..<1, using generator: inout SeededRandom) {
        self.init(shape: shape) { _ in generator.uniform(in: range) }
    }

    /// Creates a tensor of normal samples, drawn in row-major order by ``SeededRandom/nextNormal()``.
    ///
    /// - Parameters:
    ///   - shape: The size of each axis.
    ///   - mean: The distribution's mean.
    ///   - standardDeviation: The distribution's standard deviation; at least 0.
    ///   - generator: The source of randomness.
    public init(
        randomNormal shape: [Int],
        mean: Float = 0,
        standardDeviation: Float = 1,
        using generator: inout SeededRandom
    ) {
        precondition(standardDeviation >= 0, "Tensor(randomNormal:) expects σ ≥ 0, got \(standardDeviation)")
        self.init(shape: shape) { _ in
            Float(generator.normal(mean: Double(mean), standardDeviation: Double(standardDeviation)))
        }
    }

    /// Xavier (Glorot) uniform initialization, which keeps activation and gradient variances balanced for linear
    /// and tanh layers.
    ///
    /// Concretely, every element is drawn from `U(−a, a)` with
    ///
    /// ```
    /// a = √(6 / (fanIn + fanOut))      so that Var = a² / 3 = 2 / (fanIn + fanOut)
    /// ```
    ///
    /// ### References
    ///
    /// - X. Glorot, Y. Bengio, "Understanding the difficulty of training deep feedforward neural networks",
    ///   AISTATS 2010
    ///
    /// - Parameters:
    ///   - shape: The size of each axis.
    ///   - fanIn: The number of inputs each output sums over; at least 1.
    ///   - fanOut: The number of outputs each input feeds; at least 1.
    ///   - generator: The source of randomness.
    public static func xavierUniform(
        shape: [Int],
        fanIn: Int,
        fanOut: Int,
        using generator: inout SeededRandom
    ) -> Tensor {
        precondition(fanIn >= 1 && fanOut >= 1, "Tensor.xavierUniform expects fans ≥ 1, got \(fanIn) and \(fanOut)")
        let bound = Float((6 / Double(fanIn + fanOut)).squareRoot())
        return Tensor(randomUniform: shape, in: -bound..<bound, using: &generator)
    }

    /// Kaiming (He) uniform initialization for layers followed by a ReLU, which keeps the forward variance constant.
    ///
    /// Concretely, every element is drawn from `U(−a, a)` with gain `√2`:
    ///
    /// ```
    /// a = √2 · √(3 / fanIn) = √(6 / fanIn)      so that Var = a² / 3 = 2 / fanIn
    /// ```
    ///
    /// ### References
    ///
    /// - K. He, X. Zhang, S. Ren, J. Sun, "Delving Deep into Rectifiers", 2015, https://arxiv.org/abs/1502.01852
    ///
    /// - Parameters:
    ///   - shape: The size of each axis.
    ///   - fanIn: The number of inputs each output sums over; at least 1.
    ///   - generator: The source of randomness.
    public static func kaimingUniform(shape: [Int], fanIn: Int, using generator: inout SeededRandom) -> Tensor {
        precondition(fanIn >= 1, "Tensor.kaimingUniform expects fanIn ≥ 1, got \(fanIn)")
        let bound = Float((6 / Double(fanIn)).squareRoot())
        return Tensor(randomUniform: shape, in: -bound..<bound, using: &generator)
    }
}
