/// The loop under every element-wise kernel of a training step: 16 lanes at a time, the elements shared among
/// `RowParallel`'s tasks in contiguous ranges.
///
/// An element-wise result does not depend on which task computes it, so the split changes no bit; and the compiler
/// left the plain per-element loops of ReLU and Adam scalar (a conditional store per element, measured at about
/// three cycles an element), so each kernel spells its vector form out with ``load(_:_:)`` and ``store(_:_:_:)``.
/// Everything is `@inlinable`: a kernel is specialized and inlined into the caller's module, closure included.
public enum Elementwise {
    /// The lanes of one vector step; 16 Floats fill an AVX-512 register, two AVX2 ones.
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
        // Blocks of `lanes` elements are the rows handed out, so every range but the last is whole vectors.
        let blocks = (count + lanes - 1) / lanes
        parallel.parallelRows(count: blocks, columns: lanes) { range in
            body((range.lowerBound * lanes)..<min(count, range.upperBound * lanes))
        }
    }

    /// The vector of `lanes` elements at `p + i`.
    @inlinable @inline(__always)
    public static func load<S: MatrixScalar>(_ p: UnsafePointer<S>, _ i: Int) -> SIMD16<S> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<S>.self)
    }

    /// Writes `lanes` elements at `p + i`.
    @inlinable @inline(__always)
    public static func store<S: MatrixScalar>(_ v: SIMD16<S>, _ p: UnsafeMutablePointer<S>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD16<S>.self)
    }

    /// The last whole-vector start in `range`: elements `range.lowerBound..<vectorEnd(range)` go by vectors, the
    /// rest one at a time.
    @inlinable @inline(__always)
    public static func vectorEnd(_ range: Range<Int>) -> Int {
        range.lowerBound + (range.count / lanes) * lanes
    }
}

/// A pointer that concurrent tasks may share because each writes a disjoint range through it.
@frozen
public struct SharedPointer<Scalar>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Scalar>

    @inlinable public init(_ base: UnsafeMutablePointer<Scalar>) { self.base = base }
    // An empty buffer may have no address; a kernel never dereferences it then, so any aligned address stands in.
    @inlinable public init(_ buffer: UnsafeMutableBufferPointer<Scalar>) {
        self.base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Scalar>.alignment)!
    }
    @inlinable public init(_ buffer: UnsafeBufferPointer<Scalar>) {
        self.init(UnsafeMutableBufferPointer(mutating: buffer))
    }
    @inlinable public var readOnly: UnsafePointer<Scalar> { UnsafePointer(base) }
}

extension Matrix {
    /// A matrix whose elements `initialize` writes, every one of them, with no fill first.
    ///
    /// - Parameters:
    ///   - rows: The number of rows.
    ///   - columns: The number of columns.
    ///   - initialize: Writes all `rows · columns` elements of the buffer it is given.
    @inlinable
    public init(rows: Int, columns: Int, uninitialized initialize: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        precondition(rows >= 0 && columns >= 0, "Matrix expects non-negative sizes, got \(rows) × \(columns)")
        let count = rows * columns
        let scalars = [Scalar](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialize(buffer)
            initialized = count
        }
        self.init(rows: rows, columns: columns, scalars: scalars)
    }
}
