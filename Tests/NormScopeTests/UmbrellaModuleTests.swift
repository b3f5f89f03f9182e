import NormScope
import Testing

// This file imports NormScope alone: that it compiles is the check that the umbrella re-exports every library
// module. ConsumerPackageTests checks the product from outside the package, as a dependency.

@Suite("import NormScope")
struct UmbrellaModuleTests {
    @Test("one import names a type of every library module")
    func everyModuleIsReExported() {
        let types: [Any.Type] = [
            File.self,  // HDF5
            Matrix<Float>.self,  // Tensors
            NormLayer<Float>.self,  // Layers
            TraceWriter.self,  // Recording
            RunConfiguration.self,  // Training
            TraceSummary.self,  // Analysis
        ]
        let modules = types.map { String(reflecting: $0).prefix { $0 != "." } }
        #expect(modules == ["HDF5", "Tensors", "Layers", "Recording", "Training", "Analysis"])
    }

    @Test("the umbrella's NormLayer runs: a LayerNorm output row has mean 0")
    func normLayerThroughTheUmbrella() {
        let x = Matrix<Float>([[1, 2, 3, 4], [2, 4, 6, 8]])
        let (y, _) = NormLayer<Float>(.layerNorm, width: 4).forward(x, mode: .evaluation)
        for row in 0..<y.rows { #expect(abs(y.row(row).reduce(0, +)) < 1e-6) }
    }
}
