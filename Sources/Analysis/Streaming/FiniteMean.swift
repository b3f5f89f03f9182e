/// A running mean, minimum and maximum of the finite values it is given: a NaN or ±inf (a diverged step, a
/// quantity a layer does not have) is counted as skipped, never averaged in.
struct FiniteMean: Sendable {
    private(set) var sum = 0.0
    private(set) var count = 0
    private(set) var minimum = Double.infinity
    private(set) var maximum = -Double.infinity

    init() {}

    /// The running mean of `values`, for reducing a column that is already in memory.
    init(_ values: some Sequence<Double>) {
        for value in values { add(value) }
    }

    mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        sum += value
        count += 1
        minimum = Swift.min(minimum, value)
        maximum = Swift.max(maximum, value)
    }

    /// NaN when no finite value was added.
    var mean: Double { count == 0 ? .nan : sum / Double(count) }
    var min: Double { count == 0 ? .nan : minimum }
    var max: Double { count == 0 ? .nan : maximum }
}
