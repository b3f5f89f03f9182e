import Tensors
import Testing
import Training

@Suite("MinibatchSampler")
struct MinibatchSamplerTests {
    /// The batches of `epochs` whole epochs.
    private func batches(count: Int, seed: UInt64, batchSize: Int, epochs: Int) -> [[Int]] {
        var sampler = MinibatchSampler(count: count, seed: seed)
        return (0..<(epochs * sampler.batchesPerEpoch(batchSize: batchSize))).map { _ in
            sampler.next(batchSize: batchSize)
        }
    }

    @Test("the same seed gives the same batches, epoch after epoch; another seed does not")
    func deterministic() {
        let a = batches(count: 25, seed: 3, batchSize: 4, epochs: 3)
        #expect(a == batches(count: 25, seed: 3, batchSize: 4, epochs: 3))
        #expect(a != batches(count: 25, seed: 4, batchSize: 4, epochs: 3))
    }

    @Test("every index appears exactly once per epoch, the last batch holds the remainder, epochs are reshuffled")
    func epochCoverage() {
        var sampler = MinibatchSampler(count: 10, seed: 11)
        #expect(sampler.batchesPerEpoch(batchSize: 3) == 4)
        var epochs: [[Int]] = []
        for epoch in 0..<3 {
            #expect(sampler.completedEpochs == epoch)
            let sizes = (0..<4).map { _ in sampler.next(batchSize: 3) }
            #expect(sizes.map(\.count) == [3, 3, 3, 1])
            let order = sizes.flatMap { $0 }
            #expect(order.sorted() == Array(0..<10))
            epochs.append(order)
        }
        #expect(sampler.completedEpochs == 3 && sampler.positionInEpoch == 0)
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])
    }

    @Test("one batch larger than the dataset is the whole epoch")
    func oversizedBatch() {
        var sampler = MinibatchSampler(count: 5, seed: 1)
        #expect(sampler.next(batchSize: 100).sorted() == Array(0..<5))
        #expect(sampler.completedEpochs == 1)
    }
}

@Suite("Dataset rows")
struct DatasetRowsTests {
    @Test("rows gathers the features and labels of the given examples, in order and with repeats")
    func rows() {
        let dataset = ClassificationDataset(
            name: "toy", features: Matrix([[0, 1], [10, 11], [20, 21]]), labels: [2, 0, 1], classCount: 3)
        let (features, labels) = dataset.rows([2, 0, 2])
        #expect(features == Matrix([[20, 21], [0, 1], [20, 21]]))
        #expect(labels == [1, 2, 1])
        #expect(dataset.rows([]).features.rows == 0 && dataset.rows([]).features.columns == 2)
    }
}
