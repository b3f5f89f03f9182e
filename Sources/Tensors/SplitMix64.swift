/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit state advanced by a fixed odd constant, each output a mix of it.
///
/// ```
/// s ← s + 0x9E3779B97F4A7C15
/// z = s;  z = (z ⊕ (z ≫ 30)) · 0xBF58476D1CE4E5B9;  z = (z ⊕ (z ≫ 27)) · 0x94D049BB133111EB;  output z ⊕ (z ≫ 31)
/// ```
///
/// Output k (from 0) is therefore mix(seed + (k + 1) · 0x9E3779B97F4A7C15 mod 2⁶⁴): a closed form, which lets
/// another language compute a whole stream at once and still draw the same numbers — the bootstrap of
/// `normscope analyze` and of the Python package both draw from it (analysis/METHODS.md, "Comparing
/// groups"). ``SeededRandom`` seeds xoshiro256** with its first four outputs.
public struct SplitMix64: Sendable, Equatable {
    /// The state: the seed plus the constant times the outputs drawn so far.
    public private(set) var state: UInt64

    /// A stream starting at `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next output.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An integer in `0..<upperBound`: the high word of the 128-bit product of the next output and `upperBound`
    /// (Lemire's multiply-shift, without his rejection step, so that every index takes exactly one output). Its bias
    /// is below `upperBound` / 2⁶⁴ — under 10⁻¹⁶ for the run counts a bootstrap resamples.
    ///
    /// - Parameter upperBound: At least 1.
    public mutating func index(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "SplitMix64.index expects a positive upper bound, got \(upperBound)")
        return Int(next().multipliedFullWidth(by: UInt64(upperBound)).high)
    }
}
