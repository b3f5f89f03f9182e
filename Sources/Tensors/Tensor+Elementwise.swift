/// Element-by-element arithmetic on tensors of equal shape, and scaling.
///
/// Each operation comes in three forms: an operator or method returning a new tensor (`a + b`), an in-place form
/// (`a += b`, `a.scale(by:)`), and a static `into:` form writing into a tensor kept across steps
/// (`Tensor.add(a, b, into: &c)`). Each is one memory-bound pass on the calling thread: the tensors a training step
/// combines element by element are small, and the large memory-bound work is in the row kernels.
extension Tensor {
    // MARK: - Into an existing tensor

    /// Writes `a + b` into `result`: `result[i] = a[i] + b[i]`.
    ///
    /// - Parameters:
    ///   - a: The first operand.
    ///   - b: The second operand, of the same shape as `a`.
    ///   - result: Resized to `a`'s shape (keeping its storage when the count matches) and overwritten.
    public static func add(_ a: Tensor, _ b: Tensor, into result: inout Tensor) {
        combine(a, b, into: &result, operation: "add") { $0 + $1 }
    }

    /// Writes `a − b` into `result`: `result[i] = a[i] − b[i]`.
    ///
    /// - Parameters:
    ///   - a: The minuend.
    ///   - b: The subtrahend, of the same shape as `a`.
    ///   - result: Resized to `a`'s shape (keeping its storage when the count matches) and overwritten.
    public static func subtract(_ a: Tensor, _ b: Tensor, into result: inout Tensor) {
        combine(a, b, into: &result, operation: "subtract") { $0 - $1 }
    }

    /// Writes the element-wise (Hadamard) product `a ⊙ b` into `result`: `result[i] = a[i] · b[i]`.
    ///
    /// - Parameters:
    ///   - a: The first factor.
    ///   - b: The second factor, of the same shape as `a`.
    ///   - result: Resized to `a`'s shape (keeping its storage when the count matches) and overwritten.
    public static func multiply(_ a: Tensor, _ b: Tensor, into result: inout Tensor) {
        combine(a, b, into: &result, operation: "multiply") { $0 * $1 }
    }

    /// Applies `operation` to matching elements of `a` and `b`, writing into `result`.
    ///
    /// Inlined so each caller's closure becomes a plain vectorizable loop.
    @inline(__always)
    private static func combine(
        _ a: Tensor,
        _ b: Tensor,
        into result: inout Tensor,
        operation name: String,
        _ operation: (Float, Float) -> Float
    ) {
        precondition(a.shape == b.shape, "Tensor.\(name) expects equal shapes, got \(a.shape) and \(b.shape)")
        result.resize(to: a.shape)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    for i in 0..<c.count { c[i] = operation(a[i], b[i]) }
                }
            }
        }
    }

    // MARK: - In place

    /// Adds `rhs` to `lhs` element by element: `lhs[i] += rhs[i]`.
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        lhs.update(with: rhs, operation: "+=") { $0 + $1 }
    }

    /// Subtracts `rhs` from `lhs` element by element: `lhs[i] −= rhs[i]`.
    public static func -= (lhs: inout Tensor, rhs: Tensor) {
        lhs.update(with: rhs, operation: "-=") { $0 - $1 }
    }

    /// Multiplies `lhs` by `rhs` element by element: `lhs[i] ·= rhs[i]`.
    public static func *= (lhs: inout Tensor, rhs: Tensor) {
        lhs.update(with: rhs, operation: "*=") { $0 * $1 }
    }

    /// Multiplies every element of `lhs` by `factor`: `lhs[i] ·= factor`.
    public static func *= (lhs: inout Tensor, factor: Float) {
        lhs.scale(by: factor)
    }

    /// Multiplies every element by `factor`: `self[i] ← factor · self[i]`.
    ///
    /// - Parameter factor: The scale.
    public mutating func scale(by factor: Float) {
        withUnsafeMutableBufferPointer { x in
            for i in 0..<x.count { x[i] *= factor }
        }
    }

    /// Adds a multiple of another tensor, BLAS's `axpy`: `self[i] ← self[i] + alpha · x[i]`.
    ///
    /// This is the optimizer's update `θ ← θ − η · ∇θ` with `alpha = −η`.
    ///
    /// - Parameters:
    ///   - x: The tensor added, of the same shape.
    ///   - alpha: Its scale.
    public mutating func addScaled(_ x: Tensor, by alpha: Float) {
        precondition(shape == x.shape, "Tensor.addScaled expects equal shapes, got \(shape) and \(x.shape)")
        x.withUnsafeBufferPointer { x in
            withUnsafeMutableBufferPointer { y in BLAS.saxpy(alpha: alpha, x: x, y: y) }
        }
    }

    /// Replaces every element `x` by `transform(x)`.
    ///
    /// - Parameter transform: The function applied, for instance an activation.
    public mutating func apply(_ transform: (Float) -> Float) {
        withUnsafeMutableBufferPointer { x in
            for i in 0..<x.count { x[i] = transform(x[i]) }
        }
    }

    @inline(__always)
    private mutating func update(with other: Tensor, operation name: String, _ operation: (Float, Float) -> Float) {
        precondition(shape == other.shape, "Tensor \(name) expects equal shapes, got \(shape) and \(other.shape)")
        other.withUnsafeBufferPointer { b in
            withUnsafeMutableBufferPointer { a in
                for i in 0..<a.count { a[i] = operation(a[i], b[i]) }
            }
        }
    }

    // MARK: - Returning a new tensor

    /// The element-wise sum `lhs + rhs` of two tensors of equal shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        var result = lhs
        result += rhs
        return result
    }

    /// The element-wise difference `lhs − rhs` of two tensors of equal shape.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        var result = lhs
        result -= rhs
        return result
    }

    /// The element-wise (Hadamard) product `lhs ⊙ rhs` of two tensors of equal shape.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        var result = lhs
        result *= rhs
        return result
    }

    /// Every element multiplied by `factor`.
    public static func * (factor: Float, tensor: Tensor) -> Tensor {
        tensor.scaled(by: factor)
    }

    /// Every element negated.
    public static prefix func - (tensor: Tensor) -> Tensor {
        tensor.scaled(by: -1)
    }

    /// Every element multiplied by `factor`.
    ///
    /// - Parameter factor: The scale.
    public func scaled(by factor: Float) -> Tensor {
        var result = self
        result.scale(by: factor)
        return result
    }

    /// Every element `x` replaced by `transform(x)`.
    ///
    /// - Parameter transform: The function applied, for instance an activation.
    public func map(_ transform: (Float) -> Float) -> Tensor {
        var result = self
        result.apply(transform)
        return result
    }
}
