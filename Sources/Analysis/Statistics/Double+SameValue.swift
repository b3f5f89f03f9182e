extension Double {
    /// Whether two statistics hold the same value, where NaN ("undefined") is the same as NaN.
    ///
    /// `==` on Double is false for NaN, which would make a record with an undefined field unequal to itself (and to
    /// its own JSON round trip); the statistics records compare their fields with this instead, so that their
    /// `Equatable` conformance is reflexive as the protocol requires.
    func isSameValue(as other: Double) -> Bool {
        self == other || (isNaN && other.isNaN)
    }
}
