/// A mutable buffer that tasks of one ``RowParallel`` loop may write concurrently, each in its own rows.
///
/// `UnsafeMutableBufferPointer` is not `Sendable`, because nothing stops two threads writing the same element.
/// Row kernels know better: the ranges ``RowParallel`` hands out are disjoint, so each element is written by one task
/// only. This wrapper states that promise to the compiler; the promise is the caller's to keep, which is why the type
/// is `@unchecked Sendable` and its name says *unsafe* in its only property.
///
/// - Important: Valid only while the pointer it wraps is, typically inside `withUnsafeMutableBufferPointer`.
@frozen
public struct SharedMutableBuffer<Element>: @unchecked Sendable {
    /// The wrapped buffer.
    public let unsafeBuffer: UnsafeMutableBufferPointer<Element>

    /// The first element's address, for kernels that index a raw pointer (the loops the compiler vectorizes). An
    /// empty buffer may have no address; a kernel never dereferences it then, so an aligned stand-in is returned.
    @inlinable public var base: UnsafeMutablePointer<Element> {
        unsafeBuffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<Element>.alignment)!
    }

    /// ``base``, for reading.
    @inlinable public var readOnly: UnsafePointer<Element> { UnsafePointer(base) }

    /// Wraps a buffer whose tasks write disjoint elements.
    ///
    /// - Parameter buffer: The buffer; it must stay valid for as long as the wrapper is used.
    @inlinable public init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.unsafeBuffer = buffer
    }

    /// Wraps a read-only buffer, so tasks can read it while others write elsewhere.
    ///
    /// - Parameter buffer: The buffer; it must stay valid and unchanged for as long as the wrapper is used.
    @inlinable public init(readOnly buffer: UnsafeBufferPointer<Element>) {
        self.unsafeBuffer = UnsafeMutableBufferPointer(mutating: buffer)
    }

    /// The elements `range` of the buffer, for reading.
    @inlinable public func slice(_ range: Range<Int>) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(rebasing: unsafeBuffer[range])
    }

    /// The elements `range` of the buffer, for writing.
    @inlinable public func mutableSlice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(rebasing: unsafeBuffer[range])
    }
}

extension Matrix {
    /// Calls `body` with the elements of every matrix in `matrices`, in order, each wrapped for reading from the
    /// tasks of a parallel loop; valid only inside `body`.
    @inlinable
    public static func withSharedElements<Result>(
        of matrices: [Matrix], _ body: ([SharedMutableBuffer<Scalar>]) throws -> Result
    ) rethrows -> Result {
        func nest(_ index: Int, _ buffers: [SharedMutableBuffer<Scalar>]) throws -> Result {
            guard index < matrices.count else { return try body(buffers) }
            return try matrices[index].withUnsafeBufferPointer { elements in
                try nest(index + 1, buffers + [SharedMutableBuffer(readOnly: elements)])
            }
        }
        return try nest(0, [])
    }
}
