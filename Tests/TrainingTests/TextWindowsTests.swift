import Tensors
import Testing
import Training

@Suite("Text windows")
struct TextWindowsTests {
    /// A corpus whose token at position p is p, so a window shows where it starts.
    private func positions(_ count: Int) -> TextCorpus {
        TextCorpus(name: "positions", tokens: Array(0..<count), vocabulary: (0..<count).map { UInt8($0) })
    }

    @Test("sampled windows are contiguous runs, and targets are the inputs shifted by one token")
    func sampledShift() {
        let corpus = positions(50)
        var random = SeededRandom(seed: 5)
        let length = 6
        let (inputs, targets) = corpus.sampleWindows(count: 2000, length: length, using: &random)
        #expect(inputs.count == 2000 * length && targets.count == inputs.count)
        var starts = Set<Int>()
        for w in 0..<2000 {
            let start = inputs[w * length]
            starts.insert(start)
            #expect(Array(inputs[(w * length)..<((w + 1) * length)]) == Array(start..<(start + length)))
            #expect(Array(targets[(w * length)..<((w + 1) * length)]) == Array((start + 1)...(start + length)))
        }
        // Every start with a full window and its next token (0...43) is drawn, and none beyond.
        #expect(starts == Set(0...(50 - length - 1)))
    }

    @Test("the same generator state gives the same windows")
    func sampledDeterministic() {
        let corpus = positions(40)
        var a = SeededRandom(seed: 8)
        var b = SeededRandom(seed: 8)
        let first = corpus.sampleWindows(count: 10, length: 4, using: &a)
        let second = corpus.sampleWindows(count: 10, length: 4, using: &b)
        #expect(first.inputs == second.inputs && first.targets == second.targets)
    }

    @Test("evaluation windows tile the corpus from the start without overlap, leaving out a short tail")
    func evaluationTiling() {
        let corpus = positions(23)
        let all = corpus.evaluationWindows(length: 5)
        #expect(all.inputs == Array(0..<20))
        #expect(all.targets == Array(1..<21))
        let capped = corpus.evaluationWindows(length: 5, maxWindows: 2)
        #expect(capped.inputs == Array(0..<10) && capped.targets == Array(1..<11))
        // 21 tokens fit exactly four windows of 5 (the last target is token 20); 5 tokens fit none.
        #expect(positions(21).evaluationWindows(length: 5).inputs.count == 20)
        #expect(positions(5).evaluationWindows(length: 5).inputs.isEmpty)
        #expect(TextCorpus(name: "empty", tokens: [], vocabulary: []).evaluationWindows(length: 3).targets.isEmpty)
    }
}
