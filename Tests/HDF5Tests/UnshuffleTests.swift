import HDF5
import Testing

@Suite("ChunkCodec.unshuffle: the tiled transpose against the byte loop of shuffle")
struct UnshuffleTests {
    /// Element sizes and counts on both sides of the 8-row and 16-column tiles, with a partial element at the end.
    @Test(
        "unshuffle undoes shuffle for every element size 1…41 and counts around the tile widths",
        arguments: [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1024])
    func undoesShuffle(count: Int) {
        for elementSize in 1...41 {
            let size = count * elementSize + elementSize / 2
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 8 &+ elementSize) }
            var shuffled = [UInt8](repeating: 0, count: size)
            var back = [UInt8](repeating: 0xEE, count: size)
            data.withUnsafeBytes { source in
                shuffled.withUnsafeMutableBytes { ChunkCodec.shuffle(source, elementSize: elementSize, into: $0) }
            }
            shuffled.withUnsafeBytes { source in
                back.withUnsafeMutableBytes { ChunkCodec.unshuffle(source, elementSize: elementSize, into: $0) }
            }
            #expect(back == data, "element size \(elementSize), \(count) elements")
        }
    }
}
