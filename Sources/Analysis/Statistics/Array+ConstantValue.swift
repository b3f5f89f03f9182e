extension Array<Double> {
    /// The value every finite element equals, or nil when they differ or there is none.
    ///
    /// Sums of a constant sample carry rounding (three 0.1s average to 0.10000000000000002, two to 0.1), so samples
    /// of identical runs in different numbers would otherwise differ by an ulp and be called "higher" or "lower".
    var constantFiniteValue: Double? {
        let finite = lazy.filter(\.isFinite)
        guard let first = finite.first, finite.allSatisfy({ $0 == first }) else { return nil }
        return first
    }
}
