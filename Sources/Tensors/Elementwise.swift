/// The loop under every element-wise kernel of a training step: the elements shared among `RowParallel`'s tasks in
/// contiguous ranges.
///
/// An element-wise result does not depend on which task computes it, so the split changes no bit. A kernel's body
/// is a plain loop over raw pointers that reads one buffer and writes another: that is the form the compiler
/// vectorizes. (Updating in place with `y[i] = y[i] < 0 ? 0 : y[i]` became a conditional store per element, about
/// three cycles each; the stdlib's generic `SIMD16<Scalar>` operations went lane by lane through the stack.)
/// Everything is `@inlinable`: a kernel is specialized and inlined into the caller's module, closure included.
public enum Elementwise {
    /// Ranges start at multiples of this many elements (64 bytes of Float: a cache line), so two tasks never
    /// write the same line of an aligned buffer.
    public static let lanes = 16

    /// Calls `body` on disjoint ranges of `0..<count` whose starts are multiples of ``lanes``, concurrently when
    /// there is enough work (at least `RowParallel.minimumElementsPerTask` elements a task).
    ///
    /// - Parameters:
    ///   - count: The number of elements.
    ///   - parallel: How to share the ranges among tasks.
    ///   - body: Processes one range; must write only the elements of its range.
    @inlinable
    public static func forEachRange(
        count: Int, parallel: RowParallel = .automatic, _ body: @Sendable (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        // Blocks of `lanes` elements are the rows handed out.
        let blocks = (count + lanes - 1) / lanes
        parallel.parallelRows(count: blocks, columns: lanes) { range in
            body((range.lowerBound * lanes)..<min(count, range.upperBound * lanes))
        }
    }
}
