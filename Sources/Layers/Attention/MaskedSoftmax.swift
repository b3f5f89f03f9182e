import Tensors

/// Row-wise softmax of a `T × T` square of attention scores, in place, with an optional causal mask, and its
/// backward pass.
///
/// Concretely, for row `s` of scores `S` with the allowed columns `t ∈ A(s)` (`t ≤ s` when causal, all `T` otherwise):
///
/// ```
/// forward:   m = max_{t ∈ A(s)} S[s, t]
///            P[s, t] = exp(S[s, t] − m) / Σ_{u ∈ A(s)} exp(S[s, u] − m)    for t ∈ A(s),  0 otherwise
/// backward:  gradS[s, t] = P[s, t] · (gradP[s, t] − Σ_u gradP[s, u] · P[s, u])
/// ```
///
/// Subtracting the row maximum keeps every exponential in (0, 1] and the sum at least 1, so nothing overflows and
/// nothing divides by zero. The mask is applied by never reading the masked scores rather than by adding −∞: the
/// masked probabilities are exactly 0 whatever the scores above the diagonal hold, and so are their gradients.
enum MaskedSoftmax {
    /// Replaces the scores of square `square` of `squares` by their probabilities.
    ///
    /// - Parameters:
    ///   - squares: Stacked `T × T` squares of scores, `T = size`.
    ///   - square: The square to transform.
    ///   - size: The side `T` of a square.
    ///   - isCausal: Whether row `s` keeps only columns `0...s`.
    static func forward<Scalar: MatrixScalar>(
        _ p: UnsafeMutableBufferPointer<Scalar>, square: Int, size: Int, isCausal: Bool
    ) {
        let start = square * size * size
        let p = p.baseAddress!
        for row in 0..<size {
            let line = p + start + row * size
            let allowed = isCausal ? row + 1 : size
            // Float's exponentials and maximum are the vector ones (``Exponentials``); the sum is in Double.
            let m = Exponentials.maximum(line, count: allowed)
            let inverseSum = Scalar(1 / Exponentials.shifted(line, minus: m, into: line, count: allowed))
            for t in 0..<allowed { line[t] *= inverseSum }
            for t in allowed..<size { line[t] = 0 }
        }
    }

    /// Replaces `gradP` (one `T × T` square, `T = size`) by `gradS`, given the probabilities of the forward pass.
    ///
    /// - Parameters:
    ///   - gradients: A single `T × T` square holding the gradient with respect to the probabilities.
    ///   - probabilities: Stacked `T × T` squares of probabilities from ``forward(_:square:size:isCausal:)``.
    ///   - square: The square of `probabilities` that matches `gradients`.
    ///   - size: The side `T` of a square.
    ///   - isCausal: Whether the forward pass was causal; masked entries of `gradS` are set to exactly 0.
    static func backward<Scalar: MatrixScalar>(
        _ grad: UnsafeMutableBufferPointer<Scalar>, probabilities p: UnsafeBufferPointer<Scalar>, square: Int,
        size: Int, isCausal: Bool
    ) {
        let start = square * size * size
        for row in 0..<size {
            let base = row * size
            let pBase = start + base
            let allowed = isCausal ? row + 1 : size
            var weightedSum: Scalar = 0
            for t in 0..<allowed { weightedSum += grad[base + t] * p[pBase + t] }
            for t in 0..<allowed { grad[base + t] = p[pBase + t] * (grad[base + t] - weightedSum) }
            for t in allowed..<size { grad[base + t] = 0 }
        }
    }
}
