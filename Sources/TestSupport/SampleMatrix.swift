import Tensors

/// A reproducible matrix with entries drawn uniformly from `range`.
public func sampleMatrix<S: MatrixScalar>(
    _ rows: Int, _ columns: Int, seed: UInt64, in range: Range<Double> = -1..<1, as: S.Type = S.self
) -> Matrix<S> {
    var random = SeededRandom(seed: seed)
    return Matrix(rows: rows, columns: columns) { _, _ in S(random.uniform(in: range)) }
}
