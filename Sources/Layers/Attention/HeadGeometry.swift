import Tensors

/// Where each (sequence, head) pair's pieces live in multi-head attention's matrices, and the BLAS products between
/// them.
///
/// Two kinds of block appear:
///
/// - a *head slice*: the `T × dₕ` rows of one sequence and columns of one head inside a tokens × `d` matrix (`Q`,
///   `K`, `V`, `C` and their gradients). Slice `b = s·h + j` of sequence `s` and head `j` starts at element
///   `s·T·d + j·dₕ`, and its rows are `d` apart;
/// - a *square*: a contiguous `T × T` matrix of scores or probabilities, square `b` starting at element `b·T²` of a
///   matrix that stacks them.
///
/// The products hand BLAS the slices in place, with a leading dimension of `d`, so no head is gathered or
/// scattered. Each product is one single-threaded BLAS call, too small to share; the attention shares the
/// (sequence, head) pairs among the cores instead, each pair writing only its own square and slices.
struct HeadGeometry {
    /// The number of sequences.
    let sequenceCount: Int
    /// The number of tokens `T` in each sequence.
    let sequenceLength: Int
    /// The token width `d`.
    let modelWidth: Int
    /// The number of heads `h`.
    let headCount: Int

    /// The width `dₕ = d / h` of one head.
    var headWidth: Int { modelWidth / headCount }

    /// The number of (sequence, head) pairs, `sequenceCount · h`.
    var blockCount: Int { sequenceCount * headCount }

    /// Where a matrix's head slices sit: rows `leadingDimension` apart, the first head `columnOffset` columns in.
    /// `C` and its gradient are tokens × `d` (`.plain`); `Q`, `K` and `V` are the three `d`-wide column blocks of one
    /// tokens × `3d` matrix, so that one product makes all three (`.fused(0)`, `.fused(1)`, `.fused(2)`).
    struct Layout {
        let leadingDimension: Int
        let columnOffset: Int
    }

    /// A tokens × `d` matrix.
    var plain: Layout { Layout(leadingDimension: modelWidth, columnOffset: 0) }

    /// Block `index` (0: `Q`, 1: `K`, 2: `V`) of a tokens × `3d` matrix.
    func fused(_ index: Int) -> Layout { Layout(leadingDimension: 3 * modelWidth, columnOffset: index * modelWidth) }

    /// The offset of the first element of head slice `block` in a matrix laid out as `layout`.
    func sliceOffset(_ block: Int, _ layout: Layout) -> Int {
        let (sequence, head) = block.quotientAndRemainder(dividingBy: headCount)
        return sequence * sequenceLength * layout.leadingDimension + layout.columnOffset + head * headWidth
    }

    /// The offset of the first element of square `square` in a matrix of stacked `T × T` squares.
    func squareOffset(_ square: Int) -> Int {
        square * sequenceLength * sequenceLength
    }

    // MARK: - Products

    /// `squares[square] ← alpha · a[slice] · b[slice]ᵀ`: a `T × T` square from two head slices.
    ///
    /// - Parameters:
    ///   - a: The elements of a tokens-row matrix, and `aLayout` where its head slices sit.
    ///   - b: The elements of a tokens-row matrix, and `bLayout` where its head slices sit.
    ///   - slice: The (sequence, head) pair to read.
    ///   - alpha: The scale of the product.
    ///   - squares: The elements of stacked `T × T` squares; the one written is overwritten.
    ///   - square: The square to write.
    func multiplySlices<Scalar: MatrixScalar>(
        _ a: UnsafeBufferPointer<Scalar>, _ aLayout: Layout, _ b: UnsafeBufferPointer<Scalar>, _ bLayout: Layout,
        slice: Int, alpha: Scalar, into squares: UnsafeMutableBufferPointer<Scalar>, square: Int
    ) {
        let (t, headWidth) = (sequenceLength, headWidth)
        let squareStart = squareOffset(square)
        Scalar.gemm(
            transposeA: false, transposeB: true, m: t, n: t, k: headWidth, alpha: alpha,
            a: UnsafeBufferPointer(rebasing: a[sliceOffset(slice, aLayout)...]), lda: aLayout.leadingDimension,
            b: UnsafeBufferPointer(rebasing: b[sliceOffset(slice, bLayout)...]), ldb: bLayout.leadingDimension,
            beta: 0, c: UnsafeMutableBufferPointer(rebasing: squares[squareStart..<(squareStart + t * t)]), ldc: t)
    }

    /// `result[slice] ← alpha · op(squares[square]) · b[slice]`: a head slice from a square and a head slice.
    ///
    /// - Parameters:
    ///   - squares: The elements of stacked `T × T` squares.
    ///   - square: The square to read.
    ///   - transposeSquare: Whether `op` transposes the square.
    ///   - b: The elements of a tokens-row matrix, and `bLayout` where its head slices sit.
    ///   - slice: The (sequence, head) pair to read from `b` and write in `result`.
    ///   - alpha: The scale of the product.
    ///   - result: The elements of a tokens-row matrix, laid out as `resultLayout`, whose slice is overwritten;
    ///     the others are left alone.
    func multiplySquare<Scalar: MatrixScalar>(
        _ squares: UnsafeBufferPointer<Scalar>, square: Int, transposeSquare: Bool, _ b: UnsafeBufferPointer<Scalar>,
        _ bLayout: Layout, slice: Int, alpha: Scalar, into result: UnsafeMutableBufferPointer<Scalar>,
        _ resultLayout: Layout
    ) {
        let (t, headWidth) = (sequenceLength, headWidth)
        let squareStart = squareOffset(square)
        Scalar.gemm(
            transposeA: transposeSquare, transposeB: false, m: t, n: headWidth, k: t, alpha: alpha,
            a: UnsafeBufferPointer(rebasing: squares[squareStart..<(squareStart + t * t)]), lda: t,
            b: UnsafeBufferPointer(rebasing: b[sliceOffset(slice, bLayout)...]), ldb: bLayout.leadingDimension,
            beta: 0,
            c: UnsafeMutableBufferPointer(rebasing: result[sliceOffset(slice, resultLayout)...]),
            ldc: resultLayout.leadingDimension)
    }
}
