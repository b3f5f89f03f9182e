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
/// scattered. Each product is one BLAS call; the engine calls BLAS from one thread at a time (see ``BLAS``), so the
/// blocks are visited serially and OpenBLAS decides whether a product is large enough to share between cores.
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
    ///   - a: A tokens × `d` matrix.
    ///   - b: A tokens × `d` matrix.
    ///   - slice: The (sequence, head) pair to read.
    ///   - alpha: The scale of the product.
    ///   - squares: A matrix of stacked `T × T` squares; the one written is overwritten.
    ///   - square: The square to write.
    func multiplySlices<Scalar: MatrixScalar>(
        _ a: Matrix<Scalar>, _ b: Matrix<Scalar>, slice: Int, alpha: Scalar,
        into squares: inout Matrix<Scalar>, square: Int
    ) {
        let (t, d, headWidth) = (sequenceLength, modelWidth, headWidth)
        let sliceStart = sliceOffset(slice)
        let squareStart = squareOffset(square)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                squares.withUnsafeMutableBufferPointer { c in
                    Scalar.gemm(
                        transposeA: false, transposeB: true, m: t, n: t, k: headWidth, alpha: alpha,
                        a: UnsafeBufferPointer(rebasing: a[sliceStart...]), lda: d,
                        b: UnsafeBufferPointer(rebasing: b[sliceStart...]), ldb: d,
                        beta: 0, c: UnsafeMutableBufferPointer(rebasing: c[squareStart..<(squareStart + t * t)]),
                        ldc: t)
                }
            }
        }
    }

    /// `result[slice] ← alpha · op(squares[square]) · b[slice]`: a head slice from a square and a head slice.
    ///
    /// - Parameters:
    ///   - squares: A matrix of stacked `T × T` squares.
    ///   - square: The square to read.
    ///   - transposeSquare: Whether `op` transposes the square.
    ///   - b: A tokens × `d` matrix.
    ///   - slice: The (sequence, head) pair to read from `b` and write in `result`.
    ///   - alpha: The scale of the product.
    ///   - result: A tokens × `d` matrix whose slice is overwritten; its other elements are left alone.
    func multiplySquare<Scalar: MatrixScalar>(
        _ squares: Matrix<Scalar>, square: Int, transposeSquare: Bool, _ b: Matrix<Scalar>, slice: Int,
        alpha: Scalar, into result: inout Matrix<Scalar>
    ) {
        let (t, d, headWidth) = (sequenceLength, modelWidth, headWidth)
        let sliceStart = sliceOffset(slice)
        let squareStart = squareOffset(square)
        squares.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                result.withUnsafeMutableBufferPointer { c in
                    Scalar.gemm(
                        transposeA: transposeSquare, transposeB: false, m: t, n: headWidth, k: t, alpha: alpha,
                        a: UnsafeBufferPointer(rebasing: a[squareStart..<(squareStart + t * t)]), lda: t,
                        b: UnsafeBufferPointer(rebasing: b[sliceStart...]), ldb: d,
                        beta: 0, c: UnsafeMutableBufferPointer(rebasing: c[sliceStart...]), ldc: d)
                }
            }
        }
    }
}
