/// Transposes a matrix of bytes: the work of HDF5's shuffle filter (elements × bytes into bytes × elements) and of
/// its inverse.
///
/// Byte by byte, every store of an unshuffle lands an element's width away from the one before, so a 1024-row
/// chunk of 248-byte rows passes over its output 248 times: that loop was a third of `analyze`'s time. Here the
/// matrix is cut into 8 × 8 tiles, each read as eight 8-byte words, transposed in registers and written as eight
/// words, the tiles taken so that the output is written in order and the input rows read a cache line at a time.
enum ByteTranspose {
    /// `output[c · rows + r] = input[r · columns + c]` for every r < rows, c < columns.
    static func transpose(
        _ input: UnsafeRawPointer, rows: Int, columns: Int, into output: UnsafeMutableRawPointer
    ) {
        let tiledRows = rows & ~7
        let tiledColumns = columns & ~7
        var column = 0
        while column < tiledColumns {
            var row = 0
            while row < tiledRows {
                transposeTile(
                    input + row * columns + column, stride: columns, into: output + column * rows + row,
                    stride: rows)
                row += 8
            }
            column += 8
        }
        // The edges the tiles leave: the last rows % 8 rows and columns % 8 columns.
        for r in tiledRows..<rows {
            for c in 0..<columns {
                output.storeBytes(
                    of: input.load(fromByteOffset: r * columns + c, as: UInt8.self),
                    toByteOffset: c * rows + r, as: UInt8.self)
            }
        }
        for c in tiledColumns..<columns {
            for r in 0..<tiledRows {
                output.storeBytes(
                    of: input.load(fromByteOffset: r * columns + c, as: UInt8.self),
                    toByteOffset: c * rows + r, as: UInt8.self)
            }
        }
    }

    /// One 8 × 8 tile: word k holds row k's eight bytes (byte e of a little-endian word is column e); three rounds
    /// of swapping the off-diagonal blocks (4 × 4, then 2 × 2, then single bytes) leave column e in word e.
    @inline(__always)
    private static func transposeTile(
        _ input: UnsafeRawPointer, stride inputStride: Int, into output: UnsafeMutableRawPointer,
        stride outputStride: Int
    ) {
        var w0 = UInt64(littleEndian: input.loadUnaligned(as: UInt64.self))
        var w1 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: inputStride, as: UInt64.self))
        var w2 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 2 * inputStride, as: UInt64.self))
        var w3 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 3 * inputStride, as: UInt64.self))
        var w4 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 4 * inputStride, as: UInt64.self))
        var w5 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 5 * inputStride, as: UInt64.self))
        var w6 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 6 * inputStride, as: UInt64.self))
        var w7 = UInt64(littleEndian: input.loadUnaligned(fromByteOffset: 7 * inputStride, as: UInt64.self))
        @inline(__always) func swap(_ a: inout UInt64, _ b: inout UInt64, _ shift: UInt64, _ mask: UInt64) {
            let t = ((a >> shift) ^ b) & mask
            b ^= t
            a ^= t << shift
        }
        let blocks4: UInt64 = 0x0000_0000_FFFF_FFFF
        swap(&w0, &w4, 32, blocks4)
        swap(&w1, &w5, 32, blocks4)
        swap(&w2, &w6, 32, blocks4)
        swap(&w3, &w7, 32, blocks4)
        let blocks2: UInt64 = 0x0000_FFFF_0000_FFFF
        swap(&w0, &w2, 16, blocks2)
        swap(&w1, &w3, 16, blocks2)
        swap(&w4, &w6, 16, blocks2)
        swap(&w5, &w7, 16, blocks2)
        let blocks1: UInt64 = 0x00FF_00FF_00FF_00FF
        swap(&w0, &w1, 8, blocks1)
        swap(&w2, &w3, 8, blocks1)
        swap(&w4, &w5, 8, blocks1)
        swap(&w6, &w7, 8, blocks1)
        output.storeBytes(of: w0.littleEndian, as: UInt64.self)
        output.storeBytes(of: w1.littleEndian, toByteOffset: outputStride, as: UInt64.self)
        output.storeBytes(of: w2.littleEndian, toByteOffset: 2 * outputStride, as: UInt64.self)
        output.storeBytes(of: w3.littleEndian, toByteOffset: 3 * outputStride, as: UInt64.self)
        output.storeBytes(of: w4.littleEndian, toByteOffset: 4 * outputStride, as: UInt64.self)
        output.storeBytes(of: w5.littleEndian, toByteOffset: 5 * outputStride, as: UInt64.self)
        output.storeBytes(of: w6.littleEndian, toByteOffset: 6 * outputStride, as: UInt64.self)
        output.storeBytes(of: w7.littleEndian, toByteOffset: 7 * outputStride, as: UInt64.self)
    }
}
