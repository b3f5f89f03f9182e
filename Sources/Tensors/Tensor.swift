/// A dense, contiguous, row-major array of `Float` values with a shape.
///
/// `Tensor` is the value every layer of NormScope passes around. It is a struct wrapping a `[Float]`, so it has
/// value semantics with copy-on-write: assigning a tensor shares its storage until one of the copies is mutated.
///
/// The element at multi-index `(i₀, i₁, …, i_{r−1})` lives at the flat offset
///
/// ```
/// offset = ((i₀ · d₁ + i₁) · d₂ + i₂) · … + i_{r−1}      for shape [d₀, d₁, …, d_{r−1}]
/// ```
///
/// Row kernels see every tensor as a matrix of ``rows`` × ``columns``: the last axis is the feature axis (the one
/// layer normalization normalizes over) and all leading axes are flattened into rows. A `[batch, time, features]`
/// tensor is therefore `batch · time` rows of `features` columns.
///
/// ### Reusing buffers
///
/// Every kernel that returns a new tensor has an in-place or `into:` variant that writes into an existing tensor:
/// ``BLAS/matmul(_:_:into:transposeA:transposeB:alpha:beta:)``, ``add(_:_:into:)``,
/// ``normalizeRows(into:means:inverseStandardDeviations:epsilon:parallelism:)``, ``columnSums(into:parallelism:)``…
/// Keep such output tensors alive across training steps and, as long as no other copy shares their storage, no
/// step allocates. ``resize(to:)`` keeps the storage when the element count is unchanged.
public struct Tensor: Sendable, Equatable {
    /// The size of each axis, outermost first. The empty shape `[]` is a scalar of one element.
    public private(set) var shape: [Int]

    /// The elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public private(set) var scalars: [Float]

    // MARK: - Creating tensors

    /// Creates a tensor from its elements in row-major order.
    ///
    /// - Parameters:
    ///   - shape: The size of each axis; none negative.
    ///   - scalars: Exactly `shape.reduce(1, *)` elements.
    public init(shape: [Int], scalars: [Float]) {
        let expected = Tensor.elementCount(of: shape)
        precondition(
            scalars.count == expected,
            "Tensor expects \(expected) elements for shape \(shape), got \(scalars.count)"
        )
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor of the given shape with every element equal to `value`.
    ///
    /// - Parameters:
    ///   - value: The value of every element.
    ///   - shape: The size of each axis; none negative.
    public init(repeating value: Float, shape: [Int]) {
        self.shape = shape
        self.scalars = [Float](repeating: value, count: Tensor.elementCount(of: shape))
    }

    /// Creates a tensor of zeros.
    ///
    /// - Parameter shape: The size of each axis; none negative.
    public init(zeros shape: [Int]) {
        self.init(repeating: 0, shape: shape)
    }

    /// Creates a tensor whose element at each flat offset is `element(offset)`.
    ///
    /// - Parameters:
    ///   - shape: The size of each axis; none negative.
    ///   - element: Called once per element, in increasing offset order.
    public init(shape: [Int], element: (Int) throws -> Float) rethrows {
        let count = Tensor.elementCount(of: shape)
        var scalars = [Float]()
        scalars.reserveCapacity(count)
        for offset in 0..<count { scalars.append(try element(offset)) }
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a rank-2 tensor from its rows, which must all have the same length.
    ///
    /// - Parameter rows: The rows, outermost first; an empty array gives shape `[0, 0]`.
    public init(rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        for (index, row) in rows.enumerated() {
            precondition(
                row.count == columns,
                "Tensor(rows:) expects every row to have \(columns) elements like row 0, row \(index) has \(row.count)"
            )
        }
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// The number of elements a tensor of `shape` holds, checking that no axis is negative.
    static func elementCount(of shape: [Int]) -> Int {
        var count = 1
        for size in shape {
            precondition(size >= 0, "Tensor expects non-negative axis sizes, got shape \(shape)")
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            precondition(!overflow, "Tensor shape \(shape) has more elements than Int can count")
            count = product
        }
        return count
    }

    // MARK: - Shape

    /// The number of elements.
    public var count: Int { scalars.count }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The number of rows when the tensor is seen as a matrix: the product of all axes but the last.
    ///
    /// For a rank-2 tensor this is `shape[0]`; a rank-1 tensor is one row; a scalar is one row of one column.
    public var rows: Int { shape.isEmpty ? 1 : shape.dropLast().reduce(1, *) }

    /// The number of columns when the tensor is seen as a matrix: the size of the last axis (1 for a scalar).
    public var columns: Int { shape.last ?? 1 }

    /// Returns the same elements under a new shape with as many elements.
    ///
    /// - Parameter newShape: The new size of each axis; its product must equal ``count``.
    public func reshaped(to newShape: [Int]) -> Tensor {
        var copy = self
        copy.reshape(to: newShape)
        return copy
    }

    /// Gives the same elements a new shape with as many elements, without touching the storage.
    ///
    /// - Parameter newShape: The new size of each axis; its product must equal ``count``.
    public mutating func reshape(to newShape: [Int]) {
        let expected = Tensor.elementCount(of: newShape)
        precondition(
            expected == count,
            "Tensor.reshape expects \(expected) elements for shape \(newShape), "
                + "the tensor has \(count) (shape \(shape))"
        )
        shape = newShape
    }

    /// Changes the shape, keeping the storage when the element count is unchanged.
    ///
    /// Use it on output buffers kept across steps: when the count stays the same the elements are left as they were
    /// (to be overwritten by an `into:` kernel); otherwise the storage is replaced by zeros.
    ///
    /// - Parameter newShape: The new size of each axis.
    public mutating func resize(to newShape: [Int]) {
        let newCount = Tensor.elementCount(of: newShape)
        if newCount != count {
            scalars = [Float](repeating: 0, count: newCount)
        }
        shape = newShape
    }

    // MARK: - Elements

    /// The element at `(row, column)` of the ``rows`` × ``columns`` matrix view.
    public subscript(row: Int, column: Int) -> Float {
        get {
            checkIndex(row: row, column: column)
            return scalars[row * columns + column]
        }
        set {
            checkIndex(row: row, column: column)
            scalars[row * columns + column] = newValue
        }
    }

    /// The element at a full multi-index, one index per axis.
    public subscript(index: [Int]) -> Float {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    /// A copy of one row of the ``rows`` × ``columns`` matrix view.
    ///
    /// - Parameter index: The row, in `0..<rows`.
    public func row(_ index: Int) -> [Float] {
        precondition(index >= 0 && index < rows, "Tensor.row expects a row in 0..<\(rows), got \(index)")
        return Array(scalars[index * columns..<(index + 1) * columns])
    }

    /// Sets every element to `value`.
    public mutating func fill(with value: Float) {
        withUnsafeMutableBufferPointer { buffer in buffer.update(repeating: value) }
    }

    /// Calls `body` with the elements in row-major order, without copying them.
    ///
    /// The pointer is valid only during the call.
    public func withUnsafeBufferPointer<Result>(
        _ body: (UnsafeBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the elements in row-major order for writing.
    ///
    /// If the storage is shared with another copy it is copied first (copy-on-write); otherwise no allocation
    /// happens. The pointer is valid only during the call, and `body` must not change its count.
    public mutating func withUnsafeMutableBufferPointer<Result>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try scalars.withUnsafeMutableBufferPointer { buffer in try body(buffer) }
    }

    private func checkIndex(row: Int, column: Int) {
        precondition(
            row >= 0 && row < rows && column >= 0 && column < columns,
            "Tensor expects (row, column) within \(rows) × \(columns), got (\(row), \(column))"
        )
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == rank, "Tensor of shape \(shape) expects \(rank) indices, got \(index)")
        var offset = 0
        for (axis, position) in index.enumerated() {
            precondition(
                position >= 0 && position < shape[axis],
                "Tensor of shape \(shape) expects index \(axis) in 0..<\(shape[axis]), got \(position)"
            )
            offset = offset * shape[axis] + position
        }
        return offset
    }
}

// MARK: - CustomStringConvertible

extension Tensor: CustomStringConvertible {
    /// The shape and, for small tensors, the elements row by row.
    public var description: String {
        guard count <= 64 else { return "Tensor(shape: \(shape), \(count) elements)" }
        let rowTexts = (0..<rows).map { row in
            "[" + (0..<columns).map { "\(scalars[row * columns + $0])" }.joined(separator: ", ") + "]"
        }
        return "Tensor(shape: \(shape), rows: [\(rowTexts.joined(separator: ", "))])"
    }
}
