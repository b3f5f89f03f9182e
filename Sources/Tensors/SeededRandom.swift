import Foundation

/// A seeded pseudo-random number generator that gives the same numbers on every machine: xoshiro256**, seeded
/// through SplitMix64.
///
/// NormScope's runs must be reproducible from a seed, so the algorithms here are fixed and published rather than
/// whatever the standard library or the platform happens to use:
///
/// - **Seeding**, ``SplitMix64`` (Steele, Lea & Flood 2014): the 64-bit seed is its state, and its first four
///   outputs are xoshiro's four state words, which are never all zero as xoshiro requires.
/// - **Generation**, xoshiro256** (Blackman & Vigna 2018), period 2²⁵⁶ − 1:
///   ```
///   output = rotl(s₁ · 5, 7) · 9
///   t = s₁ ≪ 17;  s₂ ⊕= s₀;  s₃ ⊕= s₁;  s₁ ⊕= s₂;  s₀ ⊕= s₃;  s₂ ⊕= t;  s₃ = rotl(s₃, 45)
///   ```
/// - **Uniform reals**: the top 53 bits as `k · 2⁻⁵³` (Double) or the top 24 as `k · 2⁻²⁴` (Float), so every value is
///   a multiple of the spacing and lies in [0, 1).
/// - **Bounded integers**: Lemire's multiply-shift with rejection (2019), unbiased.
/// - **Normal**: Box–Muller, using both outputs of each pair.
/// - **Shuffle**: Fisher–Yates, from the last position down.
///
/// The uniform and integer streams are bit-identical everywhere. Normal samples also go through the C library's
/// `log`, `cos` and `sin`, which glibc computes to within an ulp; they are identical on every machine with the
/// same C library, and agree to ~1e-15 relative elsewhere.
///
/// `SeededRandom` also conforms to `RandomNumberGenerator`, so it can drive the standard library's
/// `Int.random(in:using:)` and `shuffled(using:)`; prefer the methods here where reproducibility across Swift
/// versions matters, since the standard library does not promise its algorithms.
///
/// ### References
///
/// - D. Blackman, S. Vigna, "Scrambled Linear Pseudorandom Number Generators", 2018, https://arxiv.org/abs/1805.01407
/// - G. Steele, D. Lea, C. Flood, "Fast Splittable Pseudorandom Number Generators", OOPSLA 2014
/// - D. Lemire, "Fast Random Integer Generation in an Interval", 2019, https://arxiv.org/abs/1805.10941
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    /// The four 64-bit words of xoshiro256**'s state.
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// The second output of the last Box–Muller pair, not yet returned.
    private var spareNormal: Double?

    /// The seed this generator started from.
    public let seed: UInt64

    /// Creates a generator whose stream is fixed by `seed`.
    ///
    /// - Parameter seed: Any 64-bit value; equal seeds give equal streams.
    public init(seed: UInt64) {
        self.seed = seed
        var splitMix = SplitMix64(seed: seed)
        state = (splitMix.next(), splitMix.next(), splitMix.next(), splitMix.next())
        spareNormal = nil
    }

    // MARK: - Raw bits

    /// The next 64 random bits of the xoshiro256** stream.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    // MARK: - Uniform

    /// A uniform Double in [0, 1): the top 53 bits of ``next()`` times 2⁻⁵³.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform Float in [0, 1): the top 24 bits of ``next()`` times 2⁻²⁴.
    public mutating func nextFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform Double in `range`: `lower + (upper − lower) · u` with `u` from ``nextDouble()``.
    ///
    /// - Parameter range: A finite, non-empty range.
    public mutating func uniform(in range: Range<Double>) -> Double {
        precondition(!range.isEmpty, "SeededRandom.uniform expects a non-empty range, got \(range)")
        return range.lowerBound + (range.upperBound - range.lowerBound) * nextDouble()
    }

    /// A uniform Float in `range`: `lower + (upper − lower) · u` with `u` from ``nextFloat()``.
    ///
    /// Rounding can produce `upper` itself for ranges far from zero; layers' initializers do not mind.
    ///
    /// - Parameter range: A finite, non-empty range.
    public mutating func uniform(in range: Range<Float>) -> Float {
        precondition(!range.isEmpty, "SeededRandom.uniform expects a non-empty range, got \(range)")
        return range.lowerBound + (range.upperBound - range.lowerBound) * nextFloat()
    }

    /// A uniform integer in `0..<upperBound`, without bias, by Lemire's method.
    ///
    /// Concretely: `m = x · n` as a 128-bit product of a random `x` and `n = upperBound`; the high word is the result
    /// unless the low word falls below `2⁶⁴ mod n`, in which case `x` is drawn again.
    ///
    /// - Parameter upperBound: At least 1.
    public mutating func index(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "SeededRandom.index expects a positive upper bound, got \(upperBound)")
        let n = UInt64(upperBound)
        var (high, low) = next().multipliedFullWidth(by: n)
        if low < n {
            // 2⁶⁴ mod n, computed as (2⁶⁴ − n) mod n without 128-bit arithmetic.
            let threshold = (0 &- n) % n
            while low < threshold {
                (high, low) = next().multipliedFullWidth(by: n)
            }
        }
        return Int(high)
    }

    /// A uniform integer in `range`, without bias.
    ///
    /// - Parameter range: A non-empty range.
    public mutating func integer(in range: Range<Int>) -> Int {
        precondition(!range.isEmpty, "SeededRandom.integer expects a non-empty range, got \(range)")
        return range.lowerBound + index(below: range.count)
    }

    // MARK: - Normal

    /// A standard normal sample (mean 0, variance 1), by the Box–Muller transform.
    ///
    /// Concretely, from two uniforms `u₁ ∈ (0, 1]` and `u₂ ∈ [0, 1)`:
    ///
    /// ```
    /// z₀ = √(−2 ln u₁) · cos(2π u₂)
    /// z₁ = √(−2 ln u₁) · sin(2π u₂)
    /// ```
    ///
    /// `z₀` is returned and `z₁` kept for the next call, so samples come in pairs from consecutive uniforms.
    /// `u₁ = 1 − nextDouble()` is never 0, so the logarithm is finite.
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let u1 = 1 - nextDouble()
        let u2 = nextDouble()
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareNormal = radius * sin(angle)
        return radius * cos(angle)
    }

    /// A normal sample with the given mean and standard deviation: `mean + standardDeviation · z`.
    ///
    /// - Parameters:
    ///   - mean: The distribution's mean.
    ///   - standardDeviation: The distribution's standard deviation; at least 0.
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        precondition(standardDeviation >= 0, "SeededRandom.normal expects σ ≥ 0, got \(standardDeviation)")
        return mean + standardDeviation * nextNormal()
    }

    // MARK: - Shuffling

    /// Shuffles `elements` in place by Fisher–Yates: for `i` from `n − 1` down to 1, swap position `i` with a uniform
    /// position `j ∈ [0, i]`.
    ///
    /// Every permutation is equally likely, and the permutation is fixed by the generator's state.
    ///
    /// - Parameter elements: The collection to shuffle.
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ elements: inout C) {
        let count = elements.count
        guard count > 1 else { return }
        for i in stride(from: count - 1, through: 1, by: -1) {
            let j = index(below: i + 1)
            elements.swapAt(
                elements.index(elements.startIndex, offsetBy: i),
                elements.index(elements.startIndex, offsetBy: j)
            )
        }
    }

    /// The elements in an order shuffled by ``shuffle(_:)``.
    ///
    /// - Parameter elements: The elements to shuffle.
    public mutating func shuffled<S: Sequence>(_ elements: S) -> [S.Element] {
        var array = Array(elements)
        shuffle(&array)
        return array
    }

    /// A random permutation of `0..<count`, for instance the order of one epoch's examples.
    ///
    /// - Parameter count: The number of indices; at least 0.
    public mutating func permutation(count: Int) -> [Int] {
        shuffled(0..<count)
    }

    // MARK: - Equatable

    /// Whether two generators will produce the same stream from now on.
    public static func == (lhs: SeededRandom, rhs: SeededRandom) -> Bool {
        lhs.seed == rhs.seed && lhs.state == rhs.state && lhs.spareNormal == rhs.spareNormal
    }
}
