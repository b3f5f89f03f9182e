/// A dense row-major matrix of `Float` or `Double`: the value every layer takes and returns.
///
/// Layers see their input as rows of features — examples of a minibatch, or the tokens of all its sequences laid
/// end to end — so two axes are all they need: `rows` and `columns` (the feature width). ``Tensor`` remains the
/// n-dimensional Float32 type of the tensor core; `Matrix<Float>` converts to and from it without copying twice.
///
/// Storage is a Swift array, so copies are cheap until written (copy-on-write): a layer that keeps its output
/// buffer between steps writes into it in place as long as nobody else still holds the previous step's value.
///
/// The members are `@inlinable`: layers and models in other modules call these per step (resize, fill, element
/// access), and a generic call that crosses a module boundary otherwise runs unspecialized, moving each element
/// through value witnesses. Inlined, the caller specializes them for `Float` or `Double` like its own code.
public struct Matrix<Scalar: MatrixScalar>: Sendable, Equatable {
    /// The number of rows.
    @inlinable public var rows: Int { storedRows }
    /// The number of columns (the feature width).
    @inlinable public var columns: Int { storedColumns }
    // The shape is set only by the initializers and `resize`; inlinable code may not use a private setter, so the
    // stored properties are internal and published read-only through `rows` and `columns`.
    @usableFromInline var storedRows: Int
    @usableFromInline var storedColumns: Int
    /// The elements, row after row; `rows * columns` of them.
    public var scalars: [Scalar] {
        didSet {
            precondition(
                scalars.count == rows * columns,
                "Matrix expects \(rows * columns) scalars for \(rows) × \(columns), got \(scalars.count)")
        }
    }

    /// A matrix from its elements, row after row.
    ///
    /// - Parameters:
    ///   - rows: The number of rows.
    ///   - columns: The number of columns.
    ///   - scalars: `rows * columns` elements, row-major.
    @inlinable
    public init(rows: Int, columns: Int, scalars: [Scalar]) {
        precondition(rows >= 0 && columns >= 0, "Matrix expects non-negative sizes, got \(rows) × \(columns)")
        precondition(
            scalars.count == rows * columns,
            "Matrix expects \(rows * columns) scalars for \(rows) × \(columns), got \(scalars.count)")
        self.storedRows = rows
        self.storedColumns = columns
        self.scalars = scalars
    }

    /// A matrix with every element equal to `value`.
    @inlinable
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix expects non-negative sizes, got \(rows) × \(columns)")
        self.init(rows: rows, columns: columns, scalars: [Scalar](repeating: value, count: rows * columns))
    }

    /// A matrix whose element (i, j) is `element(i, j)`.
    @inlinable
    public init(rows: Int, columns: Int, element: (Int, Int) throws -> Scalar) rethrows {
        precondition(rows >= 0 && columns >= 0, "Matrix expects non-negative sizes, got \(rows) × \(columns)")
        var scalars = [Scalar]()
        scalars.reserveCapacity(rows * columns)
        for i in 0..<rows {
            for j in 0..<columns { scalars.append(try element(i, j)) }
        }
        self.init(rows: rows, columns: columns, scalars: scalars)
    }

    /// A matrix from nested rows, which must all have the same length.
    @inlinable
    public init(_ rowArrays: [[Scalar]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(
            rowArrays.allSatisfy { $0.count == columns },
            "Matrix expects rows of equal length, got lengths \(rowArrays.map(\.count))")
        self.init(rows: rowArrays.count, columns: columns, scalars: rowArrays.flatMap { $0 })
    }

    /// The same elements in another precision.
    @inlinable
    public init<Other: MatrixScalar>(_ other: Matrix<Other>) {
        self.init(rows: other.rows, columns: other.columns, scalars: other.scalars.map { Scalar($0) })
    }

    /// The number of elements, `rows * columns`.
    @inlinable
    public var count: Int { scalars.count }

    /// Element (row, column).
    @inlinable
    public subscript(row: Int, column: Int) -> Scalar {
        get {
            precondition(
                (0..<rows).contains(row) && (0..<columns).contains(column),
                "Matrix index (\(row), \(column)) is outside \(rows) × \(columns)")
            return scalars[row * columns + column]
        }
        set {
            precondition(
                (0..<rows).contains(row) && (0..<columns).contains(column),
                "Matrix index (\(row), \(column)) is outside \(rows) × \(columns)")
            scalars[row * columns + column] = newValue
        }
    }

    /// One row's elements.
    @inlinable
    public func row(_ index: Int) -> ArraySlice<Scalar> {
        precondition((0..<rows).contains(index), "Matrix row \(index) is outside 0..<\(rows)")
        return scalars[(index * columns)..<((index + 1) * columns)]
    }

    /// Changes the shape to `rows × columns`, keeping the storage when the element count is unchanged and
    /// otherwise reallocating with unspecified contents; the way a layer reuses its buffers across steps.
    @inlinable
    public mutating func resize(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix expects non-negative sizes, got \(rows) × \(columns)")
        // Shape first: the storage's own check compares against it.
        self.storedRows = rows
        self.storedColumns = columns
        if rows * columns != scalars.count {
            scalars = Matrix(unspecifiedRows: rows, columns: columns).scalars
        }
    }

    /// A matrix whose elements hold whatever the allocator left there, for a caller that overwrites every one of
    /// them before reading any: a product's output, a kernel's result. Filling them first was pure waste — the
    /// zeroing of outputs about to be overwritten was a twentieth of the char-LM's step in memset. The elements are
    /// trivial values (Float, Double), so any bit pattern is a valid one.
    ///
    /// - Parameters:
    ///   - rows: The number of rows.
    ///   - columns: The number of columns.
    @inlinable
    public init(unspecifiedRows rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix expects non-negative sizes, got \(rows) × \(columns)")
        let count = rows * columns
        self.init(
            rows: rows, columns: columns,
            scalars: [Scalar](unsafeUninitializedCapacity: count) { _, initialized in initialized = count })
    }

    /// A matrix whose elements `initialize` writes, every one of them, with no fill first.
    ///
    /// - Parameters:
    ///   - rows: The number of rows.
    ///   - columns: The number of columns.
    ///   - initialize: Writes all `rows · columns` elements of the buffer it is given.
    @inlinable
    public init(rows: Int, columns: Int, uninitialized initialize: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        self.init(unspecifiedRows: rows, columns: columns)
        withUnsafeMutableBufferPointer { initialize($0) }
    }

    /// The same elements seen as `rows × columns`; the element count must not change.
    @inlinable
    public func reshaped(rows: Int, columns: Int) -> Matrix {
        precondition(
            rows * columns == count,
            "Matrix reshape expects \(count) elements, got \(rows) × \(columns)")
        return Matrix(rows: rows, columns: columns, scalars: scalars)
    }

    /// Sets every element to `value`.
    @inlinable
    public mutating func fill(with value: Scalar) {
        scalars.withUnsafeMutableBufferPointer { $0.update(repeating: value) }
    }

    /// Calls `body` with the elements, row-major.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the elements, row-major, for writing.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

extension Matrix where Scalar == Float {
    /// A tensor's elements as a matrix of its rows (all axes but the last) by its last axis.
    @inlinable
    public init(_ tensor: Tensor) {
        self.init(rows: tensor.rows, columns: tensor.columns, scalars: tensor.scalars)
    }

    /// The elements as a tensor of shape `[rows, columns]`.
    @inlinable
    public var tensor: Tensor { Tensor(shape: [rows, columns], scalars: scalars) }
}

extension Matrix: CustomStringConvertible {
    /// The shape and, for small matrices, the rows.
    public var description: String {
        let head = "Matrix<\(Scalar.self)>(\(rows) × \(columns))"
        guard count <= 64 else { return head }
        return head + " " + (0..<rows).map { "\(Array(row($0)))" }.joined(separator: ", ")
    }
}
