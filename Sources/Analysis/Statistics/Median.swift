/// The middle of `values` (the mean of the two middle ones for an even count), NaN for none: the figure every
/// benchmark prints beside the best (this shared machine's slow spells pull a mean away), and the stability
/// table's step of divergence.
package func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
