/// Transposes a matrix of bytes: the work of HDF5's shuffle filter (elements × bytes into bytes × elements) and of
/// its inverse.
///
/// Byte by byte, every store of an unshuffle lands an element's width away from the one before, so a 1024-row
/// chunk of 248-byte rows passes over its output 248 times: that loop was a third of `analyze`'s time. Here the
/// matrix is cut into tiles of 8 rows, each read a row at a time and transposed in registers — 16 columns with
/// vector interleaves (`SIMD16`, which the compiler turns into SSE2's or NEON's), the edge's 8 with 64-bit words —
/// taken so that the output is written in order and the input rows are read a cache line at a time.
enum ByteTranspose {
    /// `output[c · rows + r] = input[r · columns + c]` for every r < rows, c < columns.
    static func transpose(
        _ input: UnsafeRawPointer, rows: Int, columns: Int, into output: UnsafeMutableRawPointer
    ) {
        let tiledRows = rows & ~7
        var column = 0
        while column + 16 <= columns {
            var row = 0
            while row < tiledRows {
                transposeWideTile(
                    input + row * columns + column, stride: columns, into: output + column * rows + row, stride: rows)
                row += 8
            }
            column += 16
        }
        while column + 8 <= columns {
            var row = 0
            while row < tiledRows {
                transposeTile(
                    input + row * columns + column, stride: columns, into: output + column * rows + row, stride: rows)
                row += 8
            }
            column += 8
        }
        let tiledColumns = column
        // The edges the tiles leave: the last rows % 8 rows and columns % 8 columns.
        for r in tiledRows..<rows {
            for c in 0..<columns { copyByte(input, r * columns + c, output, c * rows + r) }
        }
        for c in tiledColumns..<columns {
            for r in 0..<tiledRows { copyByte(input, r * columns + c, output, c * rows + r) }
        }
    }

    @inline(__always)
    private static func copyByte(
        _ input: UnsafeRawPointer, _ from: Int, _ output: UnsafeMutableRawPointer, _ to: Int
    ) {
        output.storeBytes(of: input.load(fromByteOffset: from, as: UInt8.self), toByteOffset: to, as: UInt8.self)
    }

    /// One tile of 8 rows × 16 columns: three rounds of interleaving (bytes of row pairs, then 2-byte pairs, then
    /// 4-byte pairs) leave each column's 8 bytes in one half of a vector.
    @inline(__always)
    private static func transposeWideTile(
        _ input: UnsafeRawPointer, stride inputStride: Int, into output: UnsafeMutableRawPointer,
        stride outputStride: Int
    ) {
        func row(_ k: Int) -> SIMD16<UInt8> {
            input.loadUnaligned(fromByteOffset: k * inputStride, as: SIMD16<UInt8>.self)
        }
        let (r0, r1, r2, r3, r4, r5, r6, r7) = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
        // Columns 0–7 and 8–15 of rows (0, 1), (2, 3), (4, 5), (6, 7), as 2-byte pairs.
        let (a0, a1) = (bytesLow(r0, r1), bytesHigh(r0, r1))
        let (a2, a3) = (bytesLow(r2, r3), bytesHigh(r2, r3))
        let (a4, a5) = (bytesLow(r4, r5), bytesHigh(r4, r5))
        let (a6, a7) = (bytesLow(r6, r7), bytesHigh(r6, r7))
        // Columns 0–3, 4–7, 8–11, 12–15 of rows 0–3 and of rows 4–7, as 4-byte groups.
        let (b0, b1, b2, b3) = (pairsLow(a0, a2), pairsHigh(a0, a2), pairsLow(a1, a3), pairsHigh(a1, a3))
        let (b4, b5, b6, b7) = (pairsLow(a4, a6), pairsHigh(a4, a6), pairsLow(a5, a7), pairsHigh(a5, a7))
        // Two columns of all 8 rows per vector, each stored as its column's 8 bytes.
        @inline(__always) func store(_ words: SIMD2<UInt64>, columns pair: Int) {
            output.storeBytes(of: words[0], toByteOffset: 2 * pair * outputStride, as: UInt64.self)
            output.storeBytes(of: words[1], toByteOffset: (2 * pair + 1) * outputStride, as: UInt64.self)
        }
        store(quadsLow(b0, b4), columns: 0)
        store(quadsHigh(b0, b4), columns: 1)
        store(quadsLow(b1, b5), columns: 2)
        store(quadsHigh(b1, b5), columns: 3)
        store(quadsLow(b2, b6), columns: 4)
        store(quadsHigh(b2, b6), columns: 5)
        store(quadsLow(b3, b7), columns: 6)
        store(quadsHigh(b3, b7), columns: 7)
    }

    @inline(__always)
    private static func bytesLow(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    @inline(__always)
    private static func bytesHigh(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD16<UInt8> {
        SIMD16(
            a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
    }

    @inline(__always)
    private static func pairsLow(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD8<UInt16> {
        let (a, b) = (unsafeBitCast(a, to: SIMD8<UInt16>.self), unsafeBitCast(b, to: SIMD8<UInt16>.self))
        return SIMD8(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
    }

    @inline(__always)
    private static func pairsHigh(_ a: SIMD16<UInt8>, _ b: SIMD16<UInt8>) -> SIMD8<UInt16> {
        let (a, b) = (unsafeBitCast(a, to: SIMD8<UInt16>.self), unsafeBitCast(b, to: SIMD8<UInt16>.self))
        return SIMD8(a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    @inline(__always)
    private static func quadsLow(_ a: SIMD8<UInt16>, _ b: SIMD8<UInt16>) -> SIMD2<UInt64> {
        let (a, b) = (unsafeBitCast(a, to: SIMD4<UInt32>.self), unsafeBitCast(b, to: SIMD4<UInt32>.self))
        return unsafeBitCast(SIMD4(a[0], b[0], a[1], b[1]), to: SIMD2<UInt64>.self)
    }

    @inline(__always)
    private static func quadsHigh(_ a: SIMD8<UInt16>, _ b: SIMD8<UInt16>) -> SIMD2<UInt64> {
        let (a, b) = (unsafeBitCast(a, to: SIMD4<UInt32>.self), unsafeBitCast(b, to: SIMD4<UInt32>.self))
        return unsafeBitCast(SIMD4(a[2], b[2], a[3], b[3]), to: SIMD2<UInt64>.self)
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
