import CDeflate

/// What HDF5's shuffle and deflate filters do to a chunk, done outside HDF5 so that chunks can be compressed and
/// decompressed on every core (HDF5's filters run inside its one lock) and with libdeflate, which reads and writes
/// the same zlib streams as zlib, faster. A chunk made here is byte for byte what any HDF5 reader (h5py, h5dump,
/// xarray) decodes with its own filters: the formats are the filters' (zlib format, RFC 1950, with its Adler-32).
public enum ChunkCodec {
    /// A chunk that does not decode: its stream is damaged, or it decodes to another size than a chunk has.
    public struct DecodeError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Inflates one zlib stream into `output`, which it must fill exactly (a chunk's size is fixed by its shape).
    ///
    /// libdeflate checks the stream's Adler-32, as zlib's inflate does for HDF5, so a damaged chunk is an error
    /// with either, never wrong numbers.
    public static func inflate(
        _ compressed: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(DecodeError) {
        // A decompressor is a few kB of tables; one per call keeps the function safe on any thread.
        guard let decompressor = libdeflate_alloc_decompressor() else {
            throw DecodeError(description: "no memory for a decompressor")
        }
        defer { libdeflate_free_decompressor(decompressor) }
        var produced = 0
        let result = libdeflate_zlib_decompress(
            decompressor, compressed.baseAddress, compressed.count, output.baseAddress, output.count, &produced)
        switch result {
        case LIBDEFLATE_SUCCESS where produced == output.count:
            return
        case LIBDEFLATE_SUCCESS, LIBDEFLATE_SHORT_OUTPUT:
            throw DecodeError(description: "chunk inflates to \(produced) bytes, expected \(output.count)")
        case LIBDEFLATE_INSUFFICIENT_SPACE:
            throw DecodeError(description: "chunk inflates to more than the \(output.count) bytes of a chunk")
        default:
            throw DecodeError(description: "chunk is not a valid deflate stream (damaged data or checksum)")
        }
    }

    /// Deflates `input` as one zlib stream at `level` (1–12; HDF5's zlib levels 1–9 mean about the same effort).
    public static func deflate(_ input: UnsafeRawBufferPointer, level: Int) -> [UInt8] {
        guard let compressor = libdeflate_alloc_compressor(Int32(max(1, min(12, level)))) else {
            // Out of memory for the compressor's tables: nothing sensible to return but a crash-free failure.
            preconditionFailure("libdeflate could not allocate a compressor")
        }
        defer { libdeflate_free_compressor(compressor) }
        let bound = libdeflate_zlib_compress_bound(compressor, input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes {
            libdeflate_zlib_compress(compressor, input.baseAddress, input.count, $0.baseAddress, bound)
        }
        precondition(written > 0, "libdeflate's bound was too small")
        output.removeSubrange(written...)
        return output
    }

    /// HDF5's shuffle filter: byte j of element i goes to position j·n + i, so that the same byte of every
    /// element lies together and compresses better; bytes after the last whole element stay where they are.
    public static func shuffle(
        _ input: UnsafeRawBufferPointer, elementSize: Int, into output: UnsafeMutableRawBufferPointer
    ) {
        // The elements are a count × elementSize matrix of bytes; the shuffled bytes are its transpose.
        transposeWholeElements(input, elementSize: elementSize, shuffling: true, into: output)
    }

    /// The inverse of ``shuffle(_:elementSize:into:)``: what HDF5's shuffle filter does when it reads.
    public static func unshuffle(
        _ input: UnsafeRawBufferPointer, elementSize: Int, into output: UnsafeMutableRawBufferPointer
    ) {
        transposeWholeElements(input, elementSize: elementSize, shuffling: false, into: output)
    }

    /// Both directions of the filter: the whole elements transposed one way or the other, the bytes after them
    /// (and a buffer of fewer than two elements) copied as they are, as HDF5's filter leaves them.
    private static func transposeWholeElements(
        _ input: UnsafeRawBufferPointer, elementSize: Int, shuffling: Bool, into output: UnsafeMutableRawBufferPointer
    ) {
        precondition(output.count >= input.count)
        let count = elementSize > 1 ? input.count / elementSize : 0
        guard count > 1 else {
            output.copyMemory(from: input)
            return
        }
        ByteTranspose.transpose(
            input.baseAddress!, rows: shuffling ? count : elementSize, columns: shuffling ? elementSize : count,
            into: output.baseAddress!)
        copyTail(input, count * elementSize, into: output)
    }

    private static func copyTail(
        _ input: UnsafeRawBufferPointer, _ start: Int, into output: UnsafeMutableRawBufferPointer
    ) {
        guard start < input.count else { return }
        (output.baseAddress! + start).copyMemory(from: input.baseAddress! + start, byteCount: input.count - start)
    }
}
