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

    /// The offset of the first element of head slice `block` in a tokens × `d` matrix.
    func sliceOffset(_ block: Int) -> Int {
        let (sequence, head) = block.quotientAndRemainder(dividingBy: headCount)
        return sequence * sequenceLength * modelWidth + head * headWidth
    }

    /// The offset of the first element of square `square` in a matrix of stacked `T × T` squares.
    func squareOffset(_ square: Int) -> Int {
        square * sequenceLength * sequenceLength
    }

    // MARK: - Products

    /// `squares[square] ← alpha · a[slice] · b[slice]ᵀ`: a `T × T` square from two head slices.
    ///
    /// - Parameters:
    ///   - a: The elements of a tokens × `d` matrix.
    ///   - b: The elements of a tokens × `d` matrix.
    ///   - slice: The (sequence, head) pair to read.
    ///   - alpha: The scale of the product.
    ///   - squares: The elements of stacked `T × T` squares; the one written is overwritten.
    ///   - square: The square to write.
    func multiplySlices<Scalar: MatrixScalar>(
        _ a: UnsafeBufferPointer<Scalar>, _ b: UnsafeBufferPointer<Scalar>, slice: Int, alpha: Scalar,
        into squares: UnsafeMutableBufferPointer<Scalar>, square: Int
    ) {
        let (t, d, headWidth) = (sequenceLength, modelWidth, headWidth)
        let sliceStart = sliceOffset(slice)
        let squareStart = squareOffset(square)
        Scalar.gemm(
            transposeA: false, transposeB: true, m: t, n: t, k: headWidth, alpha: alpha,
            a: UnsafeBufferPointer(rebasing: a[sliceStart...]), lda: d,
            b: UnsafeBufferPointer(rebasing: b[sliceStart...]), ldb: d,
            beta: 0, c: UnsafeMutableBufferPointer(rebasing: squares[squareStart..<(squareStart + t * t)]), ldc: t)
    }

    /// `result[slice] ← alpha · op(squares[square]) · b[slice]`: a head slice from a square and a head slice.
    ///
    /// - Parameters:
    ///   - squares: The elements of stacked `T × T` squares.
    ///   - square: The square to read.
    ///   - transposeSquare: Whether `op` transposes the square.
    ///   - b: The elements of a tokens × `d` matrix.
    ///   - slice: The (sequence, head) pair to read from `b` and write in `result`.
    ///   - alpha: The scale of the product.
    ///   - result: The elements of a tokens × `d` matrix whose slice is overwritten; the others are left alone.
    func multiplySquare<Scalar: MatrixScalar>(
        _ squares: UnsafeBufferPointer<Scalar>, square: Int, transposeSquare: Bool, _ b: UnsafeBufferPointer<Scalar>,
        slice: Int, alpha: Scalar, into result: UnsafeMutableBufferPointer<Scalar>
    ) {
        let (t, d, headWidth) = (sequenceLength, modelWidth, headWidth)
        let sliceStart = sliceOffset(slice)
        let squareStart = squareOffset(square)
        Scalar.gemm(
            transposeA: transposeSquare, transposeB: false, m: t, n: headWidth, k: t, alpha: alpha,
            a: UnsafeBufferPointer(rebasing: squares[squareStart..<(squareStart + t * t)]), lda: t,
            b: UnsafeBufferPointer(rebasing: b[sliceStart...]), ldb: d,
            beta: 0, c: UnsafeMutableBufferPointer(rebasing: result[sliceStart...]), ldc: d)
    }
}
