import Synchronization

/// Counts the multiply-adds of every matrix product while a measurement asks for it, so `bench train` can say how
/// much of a training step the products are: their count divided by this machine's measured sgemm rate is the time
/// they would take at that rate, the step's roofline for its products.
///
/// Off, it costs one relaxed atomic load per product (`BLAS` is the only door to OpenBLAS, so every product of a
/// step, shared or not, passes through it once per BLAS call).
public enum ProductCounter {
    private static let enabled = Atomic<Bool>(false)
    private static let multiplyAdds = Atomic<Int>(0)

    /// The multiply-adds (m · n · k per product) of the products `body` makes, on any thread; not reentrant.
    public static func counting(_ body: () throws -> Void) rethrows -> Int {
        multiplyAdds.store(0, ordering: .relaxed)
        enabled.store(true, ordering: .sequentiallyConsistent)
        defer { enabled.store(false, ordering: .sequentiallyConsistent) }
        try body()
        return multiplyAdds.load(ordering: .sequentiallyConsistent)
    }

    /// Called by `BLAS` for each product it hands to OpenBLAS.
    @inline(__always)
    static func record(m: Int, n: Int, k: Int) {
        guard enabled.load(ordering: .relaxed) else { return }
        multiplyAdds.add(m * n * k, ordering: .relaxed)
    }
}
