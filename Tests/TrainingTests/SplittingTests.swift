import Tensors
import Testing
import Training

@Suite("Splitting")
struct SplittingTests {
    /// `count` examples whose single feature is the example's index, so a part shows which examples it holds.
    private func indexed(count: Int) -> ClassificationDataset {
        ClassificationDataset(
            name: "indexed", features: Matrix(rows: count, columns: 1) { i, _ in Float(i) },
            labels: (0..<count).map { $0 % 3 }, classCount: 3)
    }

    @Test("part sizes round the fractions, keep every requested part non-empty, and leave training the rest")
    func sizes() {
        let large = DataSplits<Int>.sizes(count: 1797, validFraction: 0.1, testFraction: 0.2)
        #expect((large.train, large.valid, large.test) == (1258, 180, 359))
        let small = DataSplits<Int>.sizes(count: 3, validFraction: 0.01, testFraction: 0.01)
        #expect((small.train, small.valid, small.test) == (1, 1, 1))
        let tiny = DataSplits<Int>.sizes(count: 2, validFraction: 0.1, testFraction: 0.1)
        #expect(tiny.train == 1 && tiny.valid + tiny.test == 1)
        let noTest = DataSplits<Int>.sizes(count: 10, validFraction: 0.2, testFraction: 0)
        #expect((noTest.train, noTest.valid, noTest.test) == (8, 2, 0))
    }

    @Test("the same seed gives the same split")
    func deterministic() {
        let data = indexed(count: 50)
        let a = data.split(validFraction: 0.2, testFraction: 0.1, seed: 42)
        let b = data.split(validFraction: 0.2, testFraction: 0.1, seed: 42)
        #expect(a.train == b.train && a.valid == b.valid && a.test == b.test)
    }

    @Test("parts are disjoint, cover every example once, and hold the examples their indices name")
    func disjointAndCovering() {
        let data = indexed(count: 50)
        let indices = ClassificationDataset.splitIndices(count: 50, validFraction: 0.2, testFraction: 0.1, seed: 9)
        #expect((indices.train.count, indices.valid.count, indices.test.count) == (35, 10, 5))
        #expect((indices.train + indices.valid + indices.test).sorted() == Array(0..<50))
        let parts = data.split(validFraction: 0.2, testFraction: 0.1, seed: 9)
        for (part, partIndices) in [
            (parts.train, indices.train), (parts.valid, indices.valid), (parts.test, indices.test),
        ] {
            #expect(part.features.scalars == partIndices.map(Float.init))
            #expect(part.labels == partIndices.map { $0 % 3 })
            #expect(part.classCount == 3 && part.name == "indexed")
        }
    }

    @Test("different seeds give different splits")
    func seedsDiffer() {
        let a = ClassificationDataset.splitIndices(count: 100, validFraction: 0.2, testFraction: 0.2, seed: 1)
        let b = ClassificationDataset.splitIndices(count: 100, validFraction: 0.2, testFraction: 0.2, seed: 2)
        #expect(a.valid != b.valid)
        #expect(a.test != b.test)
    }

    @Test("a text corpus splits into contiguous train, valid, test segments with the whole vocabulary")
    func textContiguous() {
        let corpus = TextCorpus(name: "text", tokens: (0..<100).map { $0 % 7 }, vocabulary: Array(97..<104))
        let parts = corpus.split(validFraction: 0.1, testFraction: 0.2)
        #expect(parts.train.tokens.count == 70 && parts.valid.tokens.count == 10 && parts.test.tokens.count == 20)
        #expect(parts.train.tokens == Array(corpus.tokens[0..<70]))
        #expect(parts.valid.tokens == Array(corpus.tokens[70..<80]))
        #expect(parts.test.tokens == Array(corpus.tokens[80..<100]))
        #expect([parts.train, parts.valid, parts.test].allSatisfy { $0.vocabulary == corpus.vocabulary })
    }
}
