import Testing

@testable import Tensors

/// Golden values from the reference implementation (Vigna's splitmix64.c: seed 1234567 and the widely published
/// first output from state 0) and, for indices, from a Python script of plain integers masked to 64 bits — the
/// stream the bootstrap of `normscope analyze` and of the Python package draw from.
@Suite("SplitMix64")
struct SplitMix64Tests {
    @Test("raw outputs match the reference implementation")
    func goldenOutputs() {
        var generator = SplitMix64(seed: 1_234_567)
        #expect(
            (0..<5).map { _ in generator.next() } == [
                6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
                4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
            ])
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test("output k is the mix of seed + (k + 1)·γ: the closed form another language computes at once")
    func closedForm() {
        var stream = SplitMix64(seed: 20_191_107)
        for k: UInt64 in 0..<50 {
            var fresh = SplitMix64(seed: 20_191_107 &+ k &* 0x9E37_79B9_7F4A_7C15)
            #expect(stream.next() == fresh.next(), "output \(k)")
        }
    }

    @Test("indices are the high word of output × n, one output each")
    func indices() {
        var generator = SplitMix64(seed: 20_191_107)
        #expect((0..<10).map { _ in generator.index(below: 3) } == [0, 0, 1, 2, 2, 1, 2, 0, 1, 1])
        generator = SplitMix64(seed: 20_191_107)
        #expect((0..<5).map { _ in generator.index(below: 1000) } == [303, 259, 424, 821, 746])
    }
}
