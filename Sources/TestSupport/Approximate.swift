import Tensors

// Tolerant comparisons for tests, in the shape of swift-numerics' `isApproximatelyEqual(to:absoluteTolerance:
// relativeTolerance:)`, with the default tolerances of numpy's `allclose` and mlx's `assertEqual`.
//
// Two values a and b are approximately equal when
//
//     |a − b| ≤ max(absoluteTolerance, relativeTolerance · max(|a|, |b|))
//
// which, unlike numpy's `|a − b| ≤ atol + rtol · |b|`, is symmetric in a and b. NaN equals nothing; an infinity
// equals only the same infinity.

// MARK: - Scalars

/// Whether `a` and `b` agree to within `max(absoluteTolerance, relativeTolerance · max(|a|, |b|))`.
///
/// - Parameters:
///   - a: The first value.
///   - b: The second value.
///   - relativeTolerance: The allowed difference relative to the larger magnitude; defaults to 1e-5.
///   - absoluteTolerance: The allowed difference near zero; defaults to 1e-8.
public func isApproximatelyEqual<T: BinaryFloatingPoint>(
    _ a: T,
    _ b: T,
    relativeTolerance: T = 1e-5,
    absoluteTolerance: T = 1e-8
) -> Bool {
    if a == b { return true }  // also equal infinities
    guard a.isFinite && b.isFinite else { return false }
    let scale = max(a.magnitude, b.magnitude)
    return (a - b).magnitude <= max(absoluteTolerance, relativeTolerance * scale)
}

// MARK: - Arrays and tensors

/// Whether two arrays have the same length and agree element by element, each pair as for scalars.
///
/// - Parameters:
///   - a: The first array.
///   - b: The second array.
///   - relativeTolerance: The allowed difference relative to the larger magnitude; defaults to 1e-5.
///   - absoluteTolerance: The allowed difference near zero; defaults to 1e-8.
public func isApproximatelyEqual<T: BinaryFloatingPoint>(
    _ a: [T],
    _ b: [T],
    relativeTolerance: T = 1e-5,
    absoluteTolerance: T = 1e-8
) -> Bool {
    guard a.count == b.count else { return false }
    return zip(a, b).allSatisfy {
        isApproximatelyEqual($0, $1, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
    }
}

/// Whether a Float tensor agrees element by element with a reference computed in Double, compared in Double.
///
/// - Parameters:
///   - tensor: The values under test.
///   - reference: Exactly `tensor.count` reference values in row-major order.
///   - relativeTolerance: The allowed difference relative to the larger magnitude; defaults to 1e-5.
///   - absoluteTolerance: The allowed difference near zero; defaults to 1e-8.
public func isApproximatelyEqual(
    _ tensor: Tensor,
    _ reference: [Double],
    relativeTolerance: Double = 1e-5,
    absoluteTolerance: Double = 1e-8
) -> Bool {
    isApproximatelyEqual(
        tensor.scalars.map(Double.init), reference,
        relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance
    )
}

/// Whether two tensors have the same shape and agree element by element.
///
/// - Parameters:
///   - a: The first tensor.
///   - b: The second tensor.
///   - relativeTolerance: The allowed difference relative to the larger magnitude; defaults to 1e-5.
///   - absoluteTolerance: The allowed difference near zero; defaults to 1e-8.
public func isApproximatelyEqual(
    _ a: Tensor,
    _ b: Tensor,
    relativeTolerance: Float = 1e-5,
    absoluteTolerance: Float = 1e-8
) -> Bool {
    a.shape == b.shape
        && isApproximatelyEqual(
            a.scalars, b.scalars, relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance
        )
}

// MARK: - Error measures

/// The largest element-wise relative error `|a − b| / max(|a|, |b|, floor)`, for reporting how close two results
/// are when a test fails.
///
/// - Parameters:
///   - a: The first array.
///   - b: The second array, as long as `a`.
///   - floor: The smallest denominator, so that two values near zero do not give a huge relative error.
/// - Returns: The largest relative error; 0 for empty arrays, infinity when the lengths differ or a value is NaN.
public func maxRelativeError<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], floor: T = 1e-12) -> T {
    guard a.count == b.count else { return .infinity }
    var worst: T = 0
    for (x, y) in zip(a, b) where x != y {
        guard x.isFinite && y.isFinite else { return .infinity }
        worst = max(worst, (x - y).magnitude / max(x.magnitude, y.magnitude, floor))
    }
    return worst
}

/// The largest element-wise absolute error `|a − b|`.
///
/// - Parameters:
///   - a: The first array.
///   - b: The second array, as long as `a`.
/// - Returns: The largest absolute error; 0 for empty arrays, infinity when the lengths differ or a value is NaN.
public func maxAbsoluteError<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> T {
    guard a.count == b.count else { return .infinity }
    var worst: T = 0
    for (x, y) in zip(a, b) where x != y {
        guard x.isFinite && y.isFinite else { return .infinity }
        worst = max(worst, (x - y).magnitude)
    }
    return worst
}
