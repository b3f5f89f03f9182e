import Foundation
import Layers
import Recording
import Tensors
import Training

/// The training step with full recording against the same step with recording off, measured in the same run, on
/// the MLP the project compares with PyTorch: 4 hidden layers of 512 with LayerNorm, input 512, batch 256, Adam.
///
/// "Full recording" is what `normscope record` does per step: every NormLayer reduces its gradient parts to
/// statistics, the probes turn them into rows, and the rows go through the trace writer's queue into an HDF5 file
/// (written and flushed on the writer thread). "Off" is the bare step: instrumentation off, nothing written.
public struct TrainingBenchmark: Sendable {
    /// One measured variant.
    public struct Entry: Sendable, Codable {
        public var variant: String
        public var medianMilliseconds: Double
        public var bestMilliseconds: Double
    }

    public var steps: Int
    public var width: Int
    public var depth: Int
    public var batch: Int

    public init(steps: Int = 200, width: Int = 512, depth: Int = 4, batch: Int = 256) {
        self.steps = steps
        self.width = width
        self.depth = depth
        self.batch = batch
    }

    /// Runs both variants, their steps interleaved, and returns (off, recording).
    public func run(scratchDirectory: String) throws -> [Entry] {
        let configuration = MLPConfiguration(
            inputWidth: width, hiddenWidths: Array(repeating: width, count: depth), classCount: 10)
        let plain = MLP<Float>(configuration: configuration, norm: .layerNorm(), instrumentation: .off, seed: 1)
        let recorded = MLP<Float>(
            configuration: configuration, norm: .layerNorm(), instrumentation: .statistics, seed: 1)
        var random = SeededRandom(seed: 7)
        let x = Matrix<Float>(rows: batch, columns: width) { _, _ in Float(random.normal()) }
        let y = (0..<batch).map { _ in random.index(below: 10) }
        let loss = SoftmaxCrossEntropy<Float>()
        let path = (scratchDirectory as NSString).appendingPathComponent("bench-train-\(getpid()).h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try TraceWriter(
            path: path, overwrite: true, commandLine: "normscope bench train", sweepConfigurationJSON: "{}",
            flushEvery: 100)
        let layers = recorded.normLayers
        let handle = try writer.beginRun(
            RunDescription(
                id: "bench", normLayers: layers.map { NormLayerDescription(name: $0.name, width: $0.layer.width) }))
        let optimizers = (Adam<Float>(), Adam<Float>())
        func step(_ model: MLP<Float>, _ optimizer: Adam<Float>, record: Int?) throws {
            let result = loss(model.forward(.features(x), mode: .training), targets: y)
            model.backward(result.gradLogits)
            let parameters = model.namedParameters.map(\.parameter)
            let norm = GradientClipping.clipByGlobalNorm(parameters, maximumNorm: .infinity)
            optimizer.step(parameters, learningRate: 1e-4)
            if let record {
                let rows = NormProbe.rows(step: record, layers: layers.map(\.layer))
                try writer.append(
                    step: StepRow(
                        step: Int64(record), loss: result.loss, learningRate: 1e-4, gradientNorm: norm, seconds: 0),
                    norms: rows, to: handle)
            }
        }
        var times: ([Double], [Double]) = ([], [])
        let clock = ContinuousClock()
        // A writer error must not vanish into a timing: keep the first and rethrow it after the loop.
        var failure: (any Error)?
        for index in 0..<(steps + 10) where failure == nil {
            let a = clock.measure {
                do { try step(plain, optimizers.0, record: nil) } catch { failure = error }
            }
            let b = clock.measure {
                do { try step(recorded, optimizers.1, record: index) } catch { failure = error }
            }
            // The first ten steps warm the buffers and the writer up.
            if index >= 10 {
                times.0.append(a.inSeconds * 1000)
                times.1.append(b.inSeconds * 1000)
            }
        }
        if let failure { throw failure }
        try writer.finishRun(handle, status: .completed, completedSteps: Int64(steps + 10))
        try writer.close()
        func entry(_ name: String, _ values: [Double]) -> Entry {
            let sorted = values.sorted()
            return Entry(variant: name, medianMilliseconds: sorted[sorted.count / 2], bestMilliseconds: sorted[0])
        }
        return [entry("recording off", times.0), entry("full recording (statistics + trace writer)", times.1)]
    }
}
