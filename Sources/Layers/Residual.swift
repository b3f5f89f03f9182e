import Tensors

/// Residual connections: a branch's output added to its own input.
///
/// Concretely, for a branch `f`:
///
/// ```
/// forward:   y = x + f(x)
/// backward:  gradInput = gradY + f.backward(gradY)
/// ```
///
/// The sum copies its incoming gradient to both addends unchanged, so the skip path hands `gradY` straight to `x`
/// and the branch receives the same `gradY`; the two contributions to `x` then add. That identity path is why deep
/// residual stacks still train: the gradient reaching early layers always contains `gradY` undiminished.
///
/// ### References
///
/// - K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image Recognition", 2015,
///   https://arxiv.org/abs/1512.03385
// Inlinable throughout: models in other modules call these with their own element type, and unspecialized the
// element loop of `accumulate` goes through a witness table per element.
public enum Residual {
    // MARK: - Forward

    /// `x + branchOutput`, element-wise.
    ///
    /// The backward of a sum is the identity to each addend, so there is nothing to save.
    ///
    /// - Parameters:
    ///   - x: The skip path, the branch's input.
    ///   - branchOutput: The branch's output, shaped like `x`.
    @inlinable
    public static func add<Scalar: MatrixScalar>(_ x: Matrix<Scalar>, _ branchOutput: Matrix<Scalar>) -> Matrix<Scalar>
    {
        var y = x
        accumulate(branchOutput, into: &y)
        return y
    }

    /// `x + branch(x)` with `branch` run in `mode`, and the branch's saved state for ``backward(_:through:saved:)``.
    ///
    /// - Parameters:
    ///   - x: The input; the branch must keep its shape.
    ///   - branch: The layer on the residual branch.
    ///   - mode: Passed to the branch.
    @inlinable
    public static func forward<Branch: Layer>(
        _ x: Matrix<Branch.Scalar>, through branch: Branch, mode: ForwardMode
    ) -> (output: Matrix<Branch.Scalar>, saved: Branch.Saved) {
        let (branchOutput, saved) = branch.forward(x, mode: mode)
        return (add(x, branchOutput), saved)
    }

    // MARK: - Backward

    /// `gradY + branch.backward(gradY)`: the gradient with respect to the input of ``forward(_:through:mode:)``.
    ///
    /// - Parameters:
    ///   - gradOutput: The gradient with respect to `x + branch(x)`.
    ///   - branch: The same layer as in the forward pass; its parameter gradients accumulate as usual.
    ///   - saved: The branch's saved state from ``forward(_:through:mode:)``.
    @inlinable
    public static func backward<Branch: Layer>(
        _ gradOutput: Matrix<Branch.Scalar>, through branch: Branch, saved: Branch.Saved
    ) -> Matrix<Branch.Scalar> {
        var gradInput = branch.backward(gradOutput, saved: saved)
        accumulate(gradOutput, into: &gradInput)
        return gradInput
    }

    /// Adds `addend` into `sum` in place: how a gradient arriving along a second path (the skip connection, or a
    /// tensor used twice) joins the first.
    ///
    /// - Parameters:
    ///   - addend: The values to add, shaped like `sum`.
    ///   - sum: The running sum.
    @inlinable
    public static func accumulate<Scalar: MatrixScalar>(_ addend: Matrix<Scalar>, into sum: inout Matrix<Scalar>) {
        precondition(
            addend.rows == sum.rows && addend.columns == sum.columns,
            "Residual expects both addends to have the same shape, got \(sum.rows) × \(sum.columns) "
                + "and \(addend.rows) × \(addend.columns)")
        addend.withUnsafeBufferPointer { a in
            sum.withUnsafeMutableBufferPointer { s in
                let (a, s) = (SharedMutableBuffer(readOnly: a), SharedMutableBuffer(s))
                Elementwise.forEachRange(count: addend.count) { range in
                    let (a, s) = (a.readOnly, s.base)
                    for i in range { s[i] += a[i] }
                }
            }
        }
    }
}
