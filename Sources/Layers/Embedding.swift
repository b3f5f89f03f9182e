import Tensors

/// A lookup table from token ids to learned vectors.
///
/// The input is integers, not a matrix, so this layer does not conform to ``Layer``: ``forward(_:)`` takes the ids
/// and ``backward(_:ids:)`` returns nothing, since there is no gradient with respect to an integer.
///
/// Concretely, for ids `t₀ … t₍ₙ₋₁₎` and a table `E` of `vocabularySize × width`:
///
/// ```
/// forward:   y[i] = E[tᵢ]                  (row i of the output is row tᵢ of the table)
/// backward:  gradE[tᵢ] += gradY[i]         for every i, so a repeated id collects every row's gradient
/// ```
///
/// The table starts as N(0, σ²) with σ = 1 by default, which is PyTorch's `nn.Embedding` initialization.
public final class Embedding<Scalar: MatrixScalar> {
    /// The number of distinct ids, `0 ..< vocabularySize`.
    public let vocabularySize: Int
    /// The length of each embedding vector.
    public let width: Int
    /// The table, `vocabularySize × width`, one row per id.
    public let weight: Parameter<Scalar>

    /// An embedding table drawn from N(0, standardDeviation²).
    ///
    /// The values are drawn row by row as Doubles and rounded to `Scalar`, so Float and Double tables built from
    /// equal generators agree up to Float rounding.
    ///
    /// - Parameters:
    ///   - vocabularySize: The number of distinct ids; at least 1.
    ///   - width: The length of each embedding vector; at least 1.
    ///   - standardDeviation: The spread of the initial values; defaults to 1, as in PyTorch. `1/√width` keeps
    ///     each vector's expected squared length at 1.
    ///   - random: The generator to draw from; advanced by the draws.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(vocabularySize: Int, width: Int, standardDeviation: Double = 1, random: inout SeededRandom) {
        precondition(
            vocabularySize >= 1 && width >= 1,
            "Embedding expects at least one id and one feature, got \(vocabularySize) × \(width)")
        self.vocabularySize = vocabularySize
        self.width = width
        let table = Matrix<Scalar>(rows: vocabularySize, columns: width) { _, _ in
            Scalar(random.normal(standardDeviation: standardDeviation))
        }
        self.weight = Parameter(name: "weight", value: table)
    }

    /// An embedding with the given table, one row per id.
    ///
    /// - Parameter table: The initial table, `vocabularySize × width`.
    public init(table: Matrix<Scalar>) {
        precondition(
            table.rows >= 1 && table.columns >= 1,
            "Embedding expects a non-empty table, got \(table.rows) × \(table.columns)")
        self.vocabularySize = table.rows
        self.width = table.columns
        self.weight = Parameter(name: "weight", value: table)
    }

    /// The table.
    public var parameters: [Parameter<Scalar>] { [weight] }

    /// The embeddings of `ids`; the same as ``forward(_:)``.
    public func callAsFunction(_ ids: [Int]) -> Matrix<Scalar> {
        forward(ids)
    }

    // MARK: - Forward

    /// The rows of the table for `ids`, one output row per id.
    ///
    /// The backward pass needs only the ids, which the caller already holds, so nothing else is saved.
    ///
    /// - Parameter ids: Token ids, each in `0 ..< vocabularySize`.
    /// - Returns: `ids.count × width`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ ids: [Int]) -> Matrix<Scalar> {
        var output = Matrix<Scalar>(rows: ids.count, columns: width)
        let width = width
        let vocabularySize = vocabularySize
        ids.withUnsafeBufferPointer { idBuffer in
            weight.value.withUnsafeBufferPointer { table in
                output.withUnsafeMutableBufferPointer { y in
                    for (i, id) in idBuffer.enumerated() {
                        precondition(
                            (0..<vocabularySize).contains(id),
                            "Embedding expects ids in 0..<\(vocabularySize), got \(id) at position \(i)")
                        let source = UnsafeBufferPointer(rebasing: table[(id * width)..<((id + 1) * width)])
                        let target = UnsafeMutableBufferPointer(rebasing: y[(i * width)..<((i + 1) * width)])
                        _ = target.update(fromContentsOf: source)
                    }
                }
            }
        }
        return output
    }

    // MARK: - Backward

    /// Adds row `i` of `gradOutput` into the table gradient's row `ids[i]`, for every `i`.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to the output, `ids.count × width`.
    ///   - ids: The ids of the matching forward pass.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, ids: [Int]) {
        precondition(
            gradOutput.rows == ids.count && gradOutput.columns == width,
            "Embedding expects an output gradient of \(ids.count) × \(width) (ids by width), "
                + "got \(gradOutput.rows) × \(gradOutput.columns)")
        let width = width
        let vocabularySize = vocabularySize
        ids.withUnsafeBufferPointer { idBuffer in
            gradOutput.withUnsafeBufferPointer { g in
                weight.gradient.withUnsafeMutableBufferPointer { gradTable in
                    for (i, id) in idBuffer.enumerated() {
                        precondition(
                            (0..<vocabularySize).contains(id),
                            "Embedding expects ids in 0..<\(vocabularySize), got \(id) at position \(i)")
                        let source = i * width
                        let target = id * width
                        for j in 0..<width { gradTable[target + j] += g[source + j] }
                    }
                }
            }
        }
    }
}
