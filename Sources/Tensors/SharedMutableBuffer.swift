/// A mutable buffer that tasks of one ``RowParallel`` loop may write concurrently, each in its own rows.
///
/// `UnsafeMutableBufferPointer` is not `Sendable`, because nothing stops two threads writing the same element.
/// Row kernels know better: the ranges ``RowParallel`` hands out are disjoint, so each element is written by one task
/// only. This wrapper states that promise to the compiler; the promise is the caller's to keep, which is why the type
/// is `@unchecked Sendable` and its name says *unsafe* in its only property.
///
/// - Important: Valid only while the pointer it wraps is, typically inside `withUnsafeMutableBufferPointer`.
public struct SharedMutableBuffer<Element>: @unchecked Sendable {
    /// The wrapped buffer.
    public let unsafeBuffer: UnsafeMutableBufferPointer<Element>

    /// Wraps a buffer whose tasks write disjoint elements.
    ///
    /// - Parameter buffer: The buffer; it must stay valid for as long as the wrapper is used.
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        self.unsafeBuffer = buffer
    }

    /// Wraps a read-only buffer, so tasks can read it while others write elsewhere.
    ///
    /// - Parameter buffer: The buffer; it must stay valid and unchanged for as long as the wrapper is used.
    public init(readOnly buffer: UnsafeBufferPointer<Element>) {
        self.unsafeBuffer = UnsafeMutableBufferPointer(mutating: buffer)
    }

    /// The elements `range` of the buffer, for reading.
    public func slice(_ range: Range<Int>) -> UnsafeBufferPointer<Element> {
        UnsafeBufferPointer(rebasing: unsafeBuffer[range])
    }

    /// The elements `range` of the buffer, for writing.
    public func mutableSlice(_ range: Range<Int>) -> UnsafeMutableBufferPointer<Element> {
        UnsafeMutableBufferPointer(rebasing: unsafeBuffer[range])
    }
}
