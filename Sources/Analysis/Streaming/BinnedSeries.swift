/// Several quantities of one table reduced to at most `bins` points for a chart, in one streaming pass.
///
/// Rows are assigned to bins by their index (the table's row count is known before reading), so each bin covers the
/// same number of rows; a point is the mean step of its rows and, per quantity, the mean of the finite values.
/// Memory is `bins × (quantities + 1)` accumulators whatever the table's length.
public struct BinnedSeries: Sendable, Equatable {
    /// The quantities' names, in the order of `values`.
    public let names: [String]
    /// Mean step of each bin.
    public private(set) var steps: [Double]
    /// `values[q][b]`: the mean of quantity q over bin b, NaN where no finite value fell in the bin.
    public private(set) var values: [[Double]]

    private let rowCount: Int
    private var stepSums: [Double]
    private var rowsPerBin: [Int]
    private var sums: [Double]
    private var counts: [Int]

    /// A series for a table of `rowCount` rows.
    init(names: [String], rowCount: Int, bins: Int) {
        let binCount = max(0, min(bins, rowCount))
        self.names = names
        self.rowCount = rowCount
        steps = []
        values = []
        stepSums = Array(repeating: 0, count: binCount)
        rowsPerBin = Array(repeating: 0, count: binCount)
        sums = Array(repeating: 0, count: binCount * names.count)
        counts = Array(repeating: 0, count: binCount * names.count)
    }

    /// Starts row `index` (0-based, `< rowCount`) at `step`: returns its bin, to pass to `add(_:_:bin:)` for each
    /// quantity (two calls rather than one variadic one, so the per-row path allocates nothing), or nil when the
    /// row is outside the table.
    mutating func beginRow(index: Int, step: Int64) -> Int? {
        let binCount = rowsPerBin.count
        guard binCount > 0, index >= 0, index < rowCount else { return nil }
        let bin = index * binCount / rowCount
        stepSums[bin] += Double(step)
        rowsPerBin[bin] += 1
        return bin
    }

    /// Adds `value` of quantity `quantity` (its position in `names`) to `bin`; non-finite values are skipped.
    mutating func add(_ quantity: Int, _ value: Double, bin: Int) {
        guard value.isFinite else { return }
        let slot = quantity * rowsPerBin.count + bin
        sums[slot] += value
        counts[slot] += 1
    }

    /// Turns the sums into `steps` and `values`; call once, after the last row.
    mutating func finish() {
        let binCount = rowsPerBin.count
        let filled = (0..<binCount).filter { rowsPerBin[$0] > 0 }
        steps = filled.map { stepSums[$0] / Double(rowsPerBin[$0]) }
        values = names.indices.map { q in
            filled.map { b in
                counts[q * binCount + b] == 0 ? .nan : sums[q * binCount + b] / Double(counts[q * binCount + b])
            }
        }
        stepSums = []
        sums = []
        counts = []
    }

    /// The finished values of quantity `name` (empty if there is no such quantity).
    public func values(of name: String) -> [Double] {
        names.firstIndex(of: name).map { values[$0] } ?? []
    }
}
