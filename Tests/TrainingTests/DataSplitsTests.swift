import Tensors
import Testing
import Training

@Suite("Dataset types")
struct DatasetTypesTests {
    @Test("a classification dataset reports its sizes")
    func sizes() {
        let d = ClassificationDataset(
            name: "toy", features: Matrix(rows: 3, columns: 2, repeating: 1), labels: [0, 1, 1], classCount: 2)
        #expect(d.count == 3 && d.featureCount == 2)
    }
}
