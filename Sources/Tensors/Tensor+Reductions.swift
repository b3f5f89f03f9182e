/// Reductions over the rows and columns of the ``Tensor/rows`` × ``Tensor/columns`` matrix view, accumulated in
/// Double.
///
/// Concretely, for a tensor seen as R × H:
///
/// ```
/// rowSums[r]      = Σ_c x[r, c]
/// rowMeans[r]     = μ_r  = (1/H) Σ_c x[r, c]
/// rowVariances[r] = σ²_r = (1/(H − d)) Σ_c (x[r, c] − μ_r)²     d = 0 (biased, torch) or 1 (unbiased, paper)
/// columnSums[c]   = Σ_r x[r, c]                                 (the gradient of a bias broadcast over rows)
/// ```
///
/// Row reductions split rows and column sums split columns across cores, so each output element is computed by one
/// task in one fixed order: results are identical, bit for bit, for every ``RowParallel`` setting. A row of zero
/// columns has mean NaN (0/0), as has an unbiased variance of one column.
extension Tensor {
    // MARK: - Whole tensor

    /// The sum of all elements, accumulated in Double.
    public func sum() -> Double {
        withUnsafeBufferPointer { DoubleAccumulator.sum($0) }
    }

    /// The mean of all elements, accumulated in Double; NaN for an empty tensor.
    public func mean() -> Double {
        sum() / Double(count)
    }

    // MARK: - Rows

    /// The sum of each row, `Σ_c x[r, c]`, accumulated in Double.
    ///
    /// - Parameter parallelism: How rows are split across cores.
    /// - Returns: ``rows`` sums.
    public func rowSums(parallelism: RowParallel = .automatic) -> [Double] {
        var sums = [Double](repeating: 0, count: rows)
        forEachRow(writing: &sums, parallelism: parallelism) { row in DoubleAccumulator.sum(row) }
        return sums
    }

    /// The mean of each row, `μ_r = (1/H) Σ_c x[r, c]`, accumulated in Double.
    ///
    /// - Parameter parallelism: How rows are split across cores.
    /// - Returns: ``rows`` means.
    public func rowMeans(parallelism: RowParallel = .automatic) -> [Double] {
        let columnCount = Double(columns)
        var means = [Double](repeating: 0, count: rows)
        forEachRow(writing: &means, parallelism: parallelism) { row in DoubleAccumulator.sum(row) / columnCount }
        return means
    }

    /// The variance of each row, `σ²_r = (1/(H − d)) Σ_c (x[r, c] − μ_r)²`, in two passes accumulated in Double.
    ///
    /// - Parameters:
    ///   - unbiased: Whether to divide by `H − 1` (Bessel's correction, as the paper's official code's `std`)
    ///     rather than `H` (as `torch.nn.LayerNorm`).
    ///   - parallelism: How rows are split across cores.
    /// - Returns: ``rows`` variances.
    public func rowVariances(unbiased: Bool = false, parallelism: RowParallel = .automatic) -> [Double] {
        rowMoments(unbiased: unbiased, parallelism: parallelism).variances
    }

    /// The mean and the variance of each row in one call; see ``rowVariances(unbiased:parallelism:)``.
    ///
    /// - Parameters:
    ///   - unbiased: Whether the variance divides by `H − 1` rather than `H`.
    ///   - parallelism: How rows are split across cores.
    /// - Returns: ``rows`` means and ``rows`` variances.
    public func rowMoments(
        unbiased: Bool = false,
        parallelism: RowParallel = .automatic
    ) -> (means: [Double], variances: [Double]) {
        var means = [Double](repeating: 0, count: rows)
        var variances = [Double](repeating: 0, count: rows)
        rowMoments(means: &means, variances: &variances, unbiased: unbiased, parallelism: parallelism)
        return (means, variances)
    }

    /// Writes the mean and the variance of each row into existing arrays, allocating nothing when they already
    /// have ``rows`` elements.
    ///
    /// - Parameters:
    ///   - means: Receives `μ_r`; resized to ``rows`` elements if needed.
    ///   - variances: Receives `σ²_r`; resized to ``rows`` elements if needed.
    ///   - unbiased: Whether the variance divides by `H − 1` rather than `H`.
    ///   - parallelism: How rows are split across cores.
    public func rowMoments(
        means: inout [Double],
        variances: inout [Double],
        unbiased: Bool = false,
        parallelism: RowParallel = .automatic
    ) {
        let (rows, columns) = (self.rows, self.columns)
        if means.count != rows { means = [Double](repeating: 0, count: rows) }
        if variances.count != rows { variances = [Double](repeating: 0, count: rows) }
        let columnCount = Double(columns)
        let divisor = Double(columns - (unbiased ? 1 : 0))
        withUnsafeBufferPointer { x in
            let x = SharedMutableBuffer(readOnly: x)
            means.withUnsafeMutableBufferPointer { means in
                variances.withUnsafeMutableBufferPointer { variances in
                    let means = SharedMutableBuffer(means)
                    let variances = SharedMutableBuffer(variances)
                    parallelism.parallelRows(count: rows, columns: columns) { range in
                        for r in range {
                            let row = x.slice(r * columns..<(r + 1) * columns)
                            let mu = DoubleAccumulator.sum(row) / columnCount
                            means.unsafeBuffer[r] = mu
                            variances.unsafeBuffer[r] =
                                DoubleAccumulator.sumOfSquaredDeviations(row, from: mu) / divisor
                        }
                    }
                }
            }
        }
    }

    // MARK: - Columns

    /// The sum of each column, `Σ_r x[r, c]`, accumulated in Double: the gradient of a bias added to every row.
    ///
    /// - Parameter parallelism: How columns are split across cores.
    /// - Returns: ``columns`` sums.
    public func columnSums(parallelism: RowParallel = .automatic) -> [Double] {
        var sums = [Double](repeating: 0, count: columns)
        sums.withUnsafeMutableBufferPointer { sums in
            accumulateColumnSums(into: SharedMutableBuffer(sums), parallelism: parallelism)
        }
        return sums
    }

    /// Writes the sum of each column, accumulated in Double and rounded once to Float, into a tensor of shape
    /// `[columns]`, the shape of a bias gradient.
    ///
    /// - Parameters:
    ///   - result: Resized to `[columns]` (keeping its storage when the count matches) and overwritten.
    ///   - parallelism: How columns are split across cores.
    public func columnSums(into result: inout Tensor, parallelism: RowParallel = .automatic) {
        let columns = self.columns
        result.resize(to: [columns])
        // A scratch Double accumulator, on the stack when small, so the Float result is rounded only once.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: columns) { sums in
            sums.initialize(repeating: 0)
            accumulateColumnSums(into: SharedMutableBuffer(sums), parallelism: parallelism)
            result.withUnsafeMutableBufferPointer { out in
                for c in 0..<columns { out[c] = Float(sums[c]) }
            }
        }
    }

    /// Adds the column sums to `sums`, each task owning a range of columns and walking every row in order.
    private func accumulateColumnSums(into sums: SharedMutableBuffer<Double>, parallelism: RowParallel) {
        let (rows, columns) = (self.rows, self.columns)
        withUnsafeBufferPointer { x in
            let x = SharedMutableBuffer(readOnly: x)
            // The split runs over columns: a task's share of elements is (its columns) × rows.
            parallelism.parallelRows(count: columns, columns: rows) { range in
                let accumulator = sums.mutableSlice(range)
                for r in 0..<rows {
                    let row = x.slice(r * columns + range.lowerBound..<r * columns + range.upperBound)
                    for c in 0..<range.count { accumulator[c] += Double(row[c]) }
                }
            }
        }
    }

    // MARK: - Loops

    /// Writes `reduce(row r)` into `output[r]` for every row, split across cores.
    private func forEachRow(
        writing output: inout [Double],
        parallelism: RowParallel,
        _ reduce: @Sendable (UnsafeBufferPointer<Float>) -> Double
    ) {
        let (rows, columns) = (self.rows, self.columns)
        withUnsafeBufferPointer { x in
            let x = SharedMutableBuffer(readOnly: x)
            output.withUnsafeMutableBufferPointer { output in
                let output = SharedMutableBuffer(output)
                parallelism.parallelRows(count: rows, columns: columns) { range in
                    for r in range { output.unsafeBuffer[r] = reduce(x.slice(r * columns..<(r + 1) * columns)) }
                }
            }
        }
    }
}
