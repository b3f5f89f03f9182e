import HDF5
import TestSupport
import Testing

@Suite("Dimension scales")
struct DimensionScaleTests {
    @Test("a step dataset becomes a scale attached to axis 0 of the per-step datasets")
    func attachStepScale() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("scales.h5")
        do {
            let file = try File.create(path)
            let run = try file.createGroup("runs/r0")
            let step = try run.createDataset("step", of: Int64.self, shape: [0], layout: .appendable(chunkRows: 64))
            let loss = try run.createDataset("loss", of: Float.self, shape: [0], layout: .appendable(chunkRows: 64))
            let grads = try run.createDataset(
                "grad_norm", of: Float.self, shape: [0, 3], layout: .appendable(chunkRows: 64))
            try step.makeDimensionScale(name: "step")
            try loss.attachDimensionScale(step, axis: 0)
            try grads.attachDimensionScale(step, axis: 0)
            try grads.setDimensionLabel("step", axis: 0)
            try step.append((0..<10).map { Int64($0 * 10) })
            try loss.append((0..<10).map { Float($0) })
            try file.close()
        }
        let run = try File.open(path).openGroup("runs/r0")
        let step = try run.openDataset("step")
        let loss = try run.openDataset("loss")
        let grads = try run.openDataset("grad_norm")
        #expect(try step.isDimensionScale())
        #expect(try loss.isDimensionScale() == false)
        #expect(try loss.isDimensionScale(step, attachedTo: 0))
        #expect(try grads.isDimensionScale(step, attachedTo: 0))
        #expect(try grads.isDimensionScale(step, attachedTo: 1) == false)
        #expect(try step.read(as: Int64.self) == [0, 10, 20, 30, 40, 50, 60, 70, 80, 90])
    }
}
