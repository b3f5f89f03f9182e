/// Broadcasting a vector along the rows or the columns of the ``Tensor/rows`` × ``Tensor/columns`` matrix view.
///
/// Two directions, named after the vector's shape:
///
/// ```
/// row vector v of shape [H], one value per column:   x[r, c] ∘= v[c]    (bias b, gain g of a layer)
/// column vector s of shape [R], one value per row:    x[r, c] ∘= s[r]    (per-row μ and 1/σ of a norm layer)
/// ```
///
/// Each row of the result depends only on the same row of `self` (and the vector), so the loops run through
/// ``RowParallel`` with results independent of the split.
extension Tensor {
    /// The kinds of broadcast update.
    private enum BroadcastOperation {
        case add
        case multiply
    }

    // MARK: - Row vector (one value per column)

    /// Adds a row vector to every row: `x[r, c] += v[c]`.
    ///
    /// - Parameters:
    ///   - vector: A tensor of ``columns`` elements (any shape, typically `[H]`), for instance a bias.
    ///   - parallelism: How rows are split across cores.
    public mutating func addRowVector(_ vector: Tensor, parallelism: RowParallel = .automatic) {
        broadcastRowVector(vector, .add, parallelism: parallelism, name: "addRowVector")
    }

    /// Multiplies every row by a row vector element by element: `x[r, c] ·= v[c]`.
    ///
    /// - Parameters:
    ///   - vector: A tensor of ``columns`` elements (any shape, typically `[H]`), for instance a gain.
    ///   - parallelism: How rows are split across cores.
    public mutating func multiplyRowVector(_ vector: Tensor, parallelism: RowParallel = .automatic) {
        broadcastRowVector(vector, .multiply, parallelism: parallelism, name: "multiplyRowVector")
    }

    /// This tensor with a row vector added to every row: `y[r, c] = x[r, c] + v[c]`.
    ///
    /// - Parameters:
    ///   - vector: A tensor of ``columns`` elements (any shape, typically `[H]`).
    ///   - parallelism: How rows are split across cores.
    public func addingRowVector(_ vector: Tensor, parallelism: RowParallel = .automatic) -> Tensor {
        var result = self
        result.addRowVector(vector, parallelism: parallelism)
        return result
    }

    /// This tensor with every row multiplied element by element by a row vector: `y[r, c] = x[r, c] · v[c]`.
    ///
    /// - Parameters:
    ///   - vector: A tensor of ``columns`` elements (any shape, typically `[H]`).
    ///   - parallelism: How rows are split across cores.
    public func multiplyingRowVector(_ vector: Tensor, parallelism: RowParallel = .automatic) -> Tensor {
        var result = self
        result.multiplyRowVector(vector, parallelism: parallelism)
        return result
    }

    // MARK: - Column vector (one value per row)

    /// Adds one value to each row: `x[r, c] += s[r]`.
    ///
    /// - Parameters:
    ///   - vector: A tensor of ``rows`` elements (any shape, typically `[R]`), for instance `−μ` per row.
    ///   - parallelism: How rows are split across cores.
    public mutating func addColumnVector(_ vector: Tensor, parallelism: RowParallel = .automatic) {
        broadcastColumnVector(vector, .add, parallelism: parallelism, name: "addColumnVector")
    }

    /// Multiplies each row by one value: `x[r, c] ·= s[r]`.
    ///
    /// - Parameters:
    ///   - vector: A tensor of ``rows`` elements (any shape, typically `[R]`), for instance `1/σ` per row.
    ///   - parallelism: How rows are split across cores.
    public mutating func multiplyColumnVector(_ vector: Tensor, parallelism: RowParallel = .automatic) {
        broadcastColumnVector(vector, .multiply, parallelism: parallelism, name: "multiplyColumnVector")
    }

    // MARK: - Loops

    private mutating func broadcastRowVector(
        _ vector: Tensor,
        _ operation: BroadcastOperation,
        parallelism: RowParallel,
        name: String
    ) {
        precondition(
            vector.count == columns,
            "Tensor.\(name) expects a vector of \(columns) elements for shape \(shape), got shape \(vector.shape)"
        )
        let (rows, columns) = (self.rows, self.columns)
        vector.withUnsafeBufferPointer { v in
            let v = SharedMutableBuffer(readOnly: v)
            withUnsafeMutableBufferPointer { x in
                let x = SharedMutableBuffer(x)
                parallelism.parallelRows(count: rows, columns: columns) { range in
                    for row in range {
                        let xRow = x.mutableSlice(row * columns..<(row + 1) * columns)
                        let vRow = v.unsafeBuffer
                        switch operation {
                        case .add: for c in 0..<columns { xRow[c] += vRow[c] }
                        case .multiply: for c in 0..<columns { xRow[c] *= vRow[c] }
                        }
                    }
                }
            }
        }
    }

    private mutating func broadcastColumnVector(
        _ vector: Tensor,
        _ operation: BroadcastOperation,
        parallelism: RowParallel,
        name: String
    ) {
        precondition(
            vector.count == rows,
            "Tensor.\(name) expects a vector of \(rows) elements for shape \(shape), got shape \(vector.shape)"
        )
        let (rows, columns) = (self.rows, self.columns)
        vector.withUnsafeBufferPointer { s in
            let s = SharedMutableBuffer(readOnly: s)
            withUnsafeMutableBufferPointer { x in
                let x = SharedMutableBuffer(x)
                parallelism.parallelRows(count: rows, columns: columns) { range in
                    for row in range {
                        let xRow = x.mutableSlice(row * columns..<(row + 1) * columns)
                        let value = s.unsafeBuffer[row]
                        switch operation {
                        case .add: for c in 0..<columns { xRow[c] += value }
                        case .multiply: for c in 0..<columns { xRow[c] *= value }
                        }
                    }
                }
            }
        }
    }
}
