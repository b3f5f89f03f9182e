extension Duration {
    /// The duration as a number of seconds, for rates and elapsed-time arithmetic (Duration's own components are
    /// whole seconds plus attoseconds).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
