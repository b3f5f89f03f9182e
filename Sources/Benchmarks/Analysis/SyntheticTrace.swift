import Foundation
import HDF5
import Recording
import Tensors

/// A synthetic trace shaped like a real sweep, written with the real `TraceWriter`: the input of
/// `normscope bench analyze`, which needs a trace of a given size without hours of training.
///
/// Concretely, for every run (by default `layernorm`, `layernorm-simple`, `detachnorm` and `adanorm`, seeds 0 and 1)
/// and every step it appends
///
/// ```
/// steps      one row                       loss, learning rate, gradient norm, seconds
/// grad       one row per layer (4 × 512)   the 28 statistics of TRACE_FORMAT.md, consistent with the preset:
///                                          recenter_ratio ≈ 1e-8 (≤ 1e-6) with μ kept, exactly 1 with μ detached;
///                                          rescale_ratio in (0.4, 1) with σ kept, exactly 1 with σ detached;
///                                          gain and bias statistics only for `layernorm` (NaN otherwise)
/// evals      every 25 steps and at the end  train/valid loss and accuracy, the gap growing over training
/// phi        every 10 steps, AdaNorm only   ⟨Φ⟩ = C within 1e-7·C, sd ≈ C·k, 7 quantiles, and a 40-bin histogram
///                                          over [0, 2C] whose row sums to R·H
/// ```
///
/// Values are full-precision doubles drawn from a seeded generator (deterministic: the same configuration writes
/// the same rows), so shuffle + deflate compresses them as it compresses recorded statistics, not as it would
/// compress constants. The last run diverges at its last step (NaN and inf statistics, a NaN evaluation), so readers
/// meet the non-finite values a real sweep can hold.
///
/// The writer flushes only when a run begins or ends. `normscope record` flushes every 200 steps, and each flush
/// rewrites every dataset's partial last chunk to new file space (crash safety never reuses freed space), so a
/// recorded file also holds dead copies of chunks; written this way, every byte of the file is live data.
public struct SyntheticTrace: Sendable, Equatable {
    /// One run: its preset (which decides the statistics' shape) and seed; its id is `<preset>-s<seed>`, as
    /// `normscope record` names runs.
    public struct Run: Sendable, Equatable {
        public var preset: String
        public var seed: Int

        /// - Parameters:
        ///   - preset: `layernorm`, `layernorm-simple`, `detachnorm`, `detach-mean`, `detach-std` or `adanorm`.
        ///   - seed: the run's seed.
        public init(preset: String, seed: Int) {
            precondition(Variant(preset: preset) != nil, "SyntheticTrace has no statistics for preset '\(preset)'")
            self.preset = preset
            self.seed = seed
        }

        /// The run's group name under `/runs`.
        public var id: String { "\(preset)-s\(seed)" }
    }

    /// What `write` produced.
    public struct Written: Sendable, Equatable {
        /// The trace's path.
        public var path: String
        /// The file's size in bytes.
        public var bytes: Int64
        /// Seconds from creating the writer to closing it.
        public var seconds: Double
        /// Steps written, over all runs.
        public var steps: Int
    }

    /// The runs, in the order they are written.
    public var runs: [Run]
    /// Steps per run (the diverging run stops one step short of completion at its last step).
    public var stepsPerRun: Int
    /// The normalization layers of every run, in model order.
    public var layerNames: [String]
    /// The feature width H of every layer.
    public var width: Int
    /// Rows R reduced per step (batch × positions).
    public var rowsPerStep: Int
    /// An evaluation every this many steps, and one at the last step.
    public var evaluationEvery: Int
    /// A Φ(y) record every this many steps, for AdaNorm's layers.
    public var phiEvery: Int
    /// Bins of the Φ histogram, over [0, 2C].
    public var phiBins: Int
    /// The run (an index into `runs`) whose last step diverges; nil for none.
    public var divergingRun: Int?
    /// The generator's seed; each run derives its own stream from it.
    public var seed: UInt64

    /// Four presets × two seeds.
    public static let defaultRuns = ["layernorm", "layernorm-simple", "detachnorm", "adanorm"].flatMap { preset in
        [0, 1].map { Run(preset: preset, seed: $0) }
    }

    /// AdaNorm's C and k, as the `adanorm` preset records them.
    static let adanormScale = 2.0
    static let adanormSlope = 0.1

    /// - Parameters:
    ///   - stepsPerRun: steps of every run, at least 1.
    ///   - runs: the runs, `defaultRuns` by default.
    ///   - layerNames: the norm layers, four by default (two transformer blocks).
    ///   - width: H, 512 by default.
    ///   - rowsPerStep: R, 256 by default.
    ///   - evaluationEvery: 25 by default.
    ///   - phiEvery: 10 by default.
    ///   - phiBins: 40 by default.
    ///   - lastRunDiverges: whether the last run diverges at its last step (true by default).
    ///   - seed: the generator's seed.
    public init(
        stepsPerRun: Int, runs: [Run] = SyntheticTrace.defaultRuns,
        layerNames: [String] = ["block1.attn_norm", "block1.ffn_norm", "block2.attn_norm", "block2.ffn_norm"],
        width: Int = 512, rowsPerStep: Int = 256, evaluationEvery: Int = 25, phiEvery: Int = 10, phiBins: Int = 40,
        lastRunDiverges: Bool = true, seed: UInt64 = 2019
    ) {
        precondition(stepsPerRun >= 1, "SyntheticTrace expects at least 1 step per run, got \(stepsPerRun)")
        precondition(!runs.isEmpty && !layerNames.isEmpty, "SyntheticTrace expects at least one run and one layer")
        precondition(width >= 2 && rowsPerStep >= 1, "SyntheticTrace expects width ≥ 2 and rowsPerStep ≥ 1")
        precondition(evaluationEvery >= 1 && phiEvery >= 1 && phiBins >= 2, "SyntheticTrace expects positive periods")
        self.runs = runs
        self.stepsPerRun = stepsPerRun
        self.layerNames = layerNames
        self.width = width
        self.rowsPerStep = rowsPerStep
        self.evaluationEvery = evaluationEvery
        self.phiEvery = phiEvery
        self.phiBins = phiBins
        divergingRun = lastRunDiverges ? runs.count - 1 : nil
        self.seed = seed
    }

    // MARK: - Sizing

    /// A configuration (the defaults, otherwise `template`'s) whose trace is at least `bytes` long.
    ///
    /// Compressed size is not known in advance, so this writes two short calibration traces into
    /// `scratchDirectory` (1024 and 3072 steps per run; a few percent of a 1 GB trace's work), fits
    /// `size = overhead + bytesPerStep · steps`, and asks for 2% more steps than the fit needs.
    public static func sized(
        atLeast bytes: Int64, scratchDirectory: String, template: SyntheticTrace = SyntheticTrace(stepsPerRun: 1)
    ) throws(TraceWriterError) -> SyntheticTrace {
        var probe = template
        let path = (scratchDirectory as NSString).appendingPathComponent(
            "normscope-calibration-\(ProcessInfo.processInfo.processIdentifier).h5")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var sizes: [(steps: Int, bytes: Int64)] = []
        for steps in [1024, 3072] {
            probe.stepsPerRun = steps
            sizes.append((steps, try probe.write(to: path, overwrite: true).bytes))
        }
        let perStep = Double(sizes[1].bytes - sizes[0].bytes) / Double(sizes[1].steps - sizes[0].steps)
        let overhead = Double(sizes[0].bytes) - perStep * Double(sizes[0].steps)
        var sized = template
        sized.stepsPerRun = max(1, Int(((Double(bytes) - overhead) / perStep * 1.02).rounded(.up)))
        return sized
    }

    // MARK: - Writing

    /// Writes the trace.
    ///
    /// - Parameters:
    ///   - path: where; its directory must exist.
    ///   - overwrite: replace an existing file.
    ///   - chunkWriting: who compresses the chunks (`bench write` times both).
    ///   - progress: called with the fraction of steps written, about a hundred times.
    /// - Throws: `TraceWriterError` when the file cannot be created or written.
    @discardableResult
    public func write(
        to path: String, overwrite: Bool = false, chunkWriting: TraceChunkWriting = .automatic,
        progress: (Double) -> Void = { _ in }
    ) throws(TraceWriterError) -> Written {
        let start = ContinuousClock.now
        let presets = runs.map { "\"\($0.preset)\"" }.joined(separator: ", ")
        let sweep = """
            {"generator": "normscope bench analyze", "presets": [\(presets)], "steps": \(stepsPerRun), "seed": \(seed)}
            """
        // Flush only at run boundaries (see the type's documentation): no dead chunk copies in the file.
        let writer = try TraceWriter(
            path: path, overwrite: overwrite, commandLine: "normscope bench analyze (synthetic trace)",
            sweepConfigurationJSON: sweep,
            rootAttributes: [
                "synthetic_generator": .string("normscope bench analyze"), "synthetic_seed": .int64(Int64(seed)),
                TraceFormat.Names.runCount: .int64(Int64(runs.count)),
            ],
            flushEvery: Int.max, flushInterval: .seconds(86_400), chunkWriting: chunkWriting)
        let total = runs.count * stepsPerRun
        let reportEvery = max(1, total / 100)
        var written = 0
        for (index, run) in runs.enumerated() {
            try writeRun(run, index: index, to: writer) {
                written += 1
                if written % reportEvery == 0 { progress(Double(written) / Double(total)) }
            }
        }
        try writer.close()
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return Written(path: path, bytes: size, seconds: (ContinuousClock.now - start).inSeconds, steps: total)
    }

    private func writeRun(
        _ run: Run, index: Int, to writer: TraceWriter, stepDone: () -> Void
    ) throws(TraceWriterError) {
        let variant = Variant(preset: run.preset)!
        let edges = variant.adaptive ? (0...phiBins).map { 2 * Self.adanormScale * Double($0) / Double(phiBins) } : nil
        let handle = try writer.beginRun(
            RunDescription(
                id: run.id, attributes: attributes(run, variant), configurationJSON: configurationJSON(run, variant),
                normLayers: layerNames.map { NormLayerDescription(name: $0, width: width, phiEdges: edges) }))
        var random = SeededRandom(seed: seed &+ 0x9E37_79B9 &* UInt64(index + 1))
        let diverges = divergingRun == index
        var norms = layerNames.map { _ in NormStepRow(step: 0) }
        for step in 0..<stepsPerRun {
            let progress = Double(step) / Double(max(1, stepsPerRun - 1))
            let diverged = diverges && step == stepsPerRun - 1
            for layer in norms.indices {
                norms[layer] =
                    diverged
                    ? Self.divergedRow(step: step, rows: rowsPerStep, width: width)
                    : gradientRow(step: step, layer: layer, progress: progress, variant: variant, random: &random)
            }
            var phi: [PhiRecord] = []
            if variant.adaptive, step % phiEvery == 0, let edges {
                phi = norms.indices.map { phiRecord(step: step, layer: $0, edges: edges, random: &random) }
            }
            let decay = 0.3 + 0.7 * exp(-3 * progress)
            let loss = diverged ? .nan : 2.2 * decay + 0.12 + 0.04 * random.symmetric()
            try writer.append(
                step: StepRow(
                    step: Int64(step), loss: loss, learningRate: 1e-3 * min(1, Double(step + 1) / 500),
                    gradientNorm: diverged ? .infinity : 1.5 * decay * (1 + 0.2 * random.symmetric()),
                    seconds: Double(step) * 0.012 + 0.001 * random.nextDouble()),
                norms: norms, phi: phi, to: handle)
            if (step + 1) % evaluationEvery == 0 || step == stepsPerRun - 1 {
                let train = diverged ? .nan : 2.0 * decay + 0.1 + 0.01 * random.symmetric()
                let valid = diverged ? .nan : train + 0.03 + 0.25 * progress + 0.02 * random.symmetric()
                try writer.append(
                    evaluation: EvaluationRow(
                        step: Int64(step), trainLoss: train, trainAccuracy: max(0, min(1, 1 - train / 3)),
                        validLoss: valid, validAccuracy: max(0, min(1, 1 - valid / 3))),
                    to: handle)
            }
            stepDone()
        }
        try writer.finishRun(
            handle, status: diverges ? .diverged : .completed, divergedAtStep: diverges ? Int64(stepsPerRun - 1) : nil,
            completedSteps: Int64(diverges ? stepsPerRun - 1 : stepsPerRun))
    }

    // MARK: - Rows

    /// One layer's statistics at one step, consistent with what the preset keeps and detaches (analysis/METHODS.md, "Theorem 1").
    private func gradientRow(
        step: Int, layer: Int, progress: Double, variant: Variant, random: inout SeededRandom
    ) -> NormStepRow {
        let n = Double(rowsPerStep * width)
        let depth = Double(layer)
        let decay = 0.3 + 0.7 * exp(-3 * progress)
        var row = NormStepRow(step: Int64(step))
        row.rows = Int64(rowsPerStep)
        row.width = Int64(width)
        // compute the upstream gradient g (γ ⊙ g or Φ ⊙ g already) and σ
        let sigma = (0.8 + 0.3 * depth) * (1 + 0.5 * (1 - decay)) * (1 + 0.03 * random.symmetric())
        row.upstreamNorm = 4 * decay / (1 + 0.2 * depth) * (1 + 0.15 * random.symmetric())
        row.upstreamRowMeanAbs = row.upstreamNorm / n.squareRoot() * 0.25 * (1 + 0.2 * random.symmetric())
        row.upstreamRowVariance = row.upstreamNorm * row.upstreamNorm / n * (0.93 + 0.05 * random.nextDouble())
        // direct part d = g/σ
        row.directNorm = row.upstreamNorm / sigma
        row.directRowMeanAbs = row.upstreamRowMeanAbs / sigma
        row.directRowVariance = row.upstreamRowVariance / (sigma * sigma)
        // re-centering part c: removes each row's mean of d (constant along the row, so rowvar(d + c) = rowvar(d))
        if variant.keepsMean {
            row.recenteringShare = 0.25 * (1 + 0.2 * random.symmetric())
            row.recenteringNorm = row.directNorm * row.recenteringShare
            row.recenteringRowMeanAbs = row.directRowMeanAbs * (1 + 1e-9 * random.symmetric())
            row.recenteringRowVariance = 1e-18 * random.nextDouble()
        } else {
            (row.recenteringShare, row.recenteringNorm, row.recenteringRowMeanAbs, row.recenteringRowVariance) =
                (0, 0, 0, 0)
        }
        row.directPlusRecenteringRowVariance = row.directRowVariance * (1 + 1e-12 * random.symmetric())
        // re-scaling part s: lowers the within-row variance while σ's derivative is kept
        let rescaleRatio: Double
        if variant.keepsSigma {
            row.rescalingShare = (0.35 + 0.25 * progress) * (1 + 0.2 * random.symmetric())
            row.rescalingNorm = row.directNorm * row.rescalingShare
            row.rescalingRowMeanAbs = row.directRowMeanAbs * 1e-9 * random.nextDouble()
            row.rescalingRowVariance = row.rescalingNorm * row.rescalingNorm / n * (0.9 + 0.1 * random.nextDouble())
            rescaleRatio = min(0.999, 0.55 + 0.35 * progress + 0.08 * random.symmetric())
        } else {
            (row.rescalingShare, row.rescalingNorm, row.rescalingRowMeanAbs, row.rescalingRowVariance) = (0, 0, 0, 0)
            rescaleRatio = 1
        }
        // total t = d + c + s
        row.recenterRatio = variant.keepsMean ? 3e-8 * (0.2 + random.nextDouble()) : 1
        row.rescaleRatio = rescaleRatio
        row.totalRowMeanAbs = row.recenterRatio * row.directRowMeanAbs
        row.totalRowVariance = rescaleRatio * row.directPlusRecenteringRowVariance
        row.totalNorm = (n * (row.totalRowVariance + row.totalRowMeanAbs * row.totalRowMeanAbs)).squareRoot()
        row.cosineTotalDirect = variant.keepsMean || variant.keepsSigma ? 0.6 + 0.3 * random.nextDouble() : 1
        // forward statistics
        row.meanMu = 0.05 * (1 + depth) * random.symmetric()
        row.meanSigma = sigma
        if variant.affine {
            row.gainNorm = Double(width).squareRoot() * (1 + 0.1 * progress) * (1 + 0.01 * random.symmetric())
            row.gainMean = 1 + 0.05 * progress * random.symmetric()
            row.gainGradientNorm = row.directNorm * 0.1 * (1 + 0.3 * random.symmetric())
            row.biasNorm = 0.2 * (progress + 0.01) * Double(width).squareRoot() * (1 + 0.1 * random.symmetric())
            row.biasGradientNorm = row.upstreamNorm * 0.05 * (1 + 0.3 * random.symmetric())
        }
        return row
    }

    /// The row of a step whose loss was not finite: NaN statistics, an infinite total norm.
    private static func divergedRow(step: Int, rows: Int, width: Int) -> NormStepRow {
        var row = NormStepRow(step: Int64(step))
        row.rows = Int64(rows)
        row.width = Int64(width)
        row.totalNorm = .infinity
        row.directNorm = .infinity
        return row
    }

    /// AdaNorm's Φ(y) = C(1 − k·y) at one step: y is close to standard normal, so Φ is close to N(C, (C·k)²).
    private func phiRecord(step: Int, layer: Int, edges: [Double], random: inout SeededRandom) -> PhiRecord {
        let (scale, slope) = (Self.adanormScale, Self.adanormSlope)
        let mean = scale * (1 + 1e-7 * random.symmetric())
        let sd = scale * slope * (1 + 0.02 * random.symmetric()) * (1 + 0.05 * Double(layer))
        let minimum = scale * (1 - slope * (4 + 0.8 * random.nextDouble()))
        let maximum = scale * (1 + slope * (4 + 0.8 * random.nextDouble()))
        let z = [-2.326_347_874, -1.644_853_627, -0.674_489_750, 0, 0.674_489_750, 1.644_853_627, 2.326_347_874]
        let quantiles = z.map { max(minimum, min(maximum, mean + sd * $0 * (1 + 0.01 * random.symmetric()))) }
        // histogram: expected counts under N(mean, sd²), with √count noise, summing to R·H
        let elements = rowsPerStep * width
        func cdf(_ x: Double) -> Double { 0.5 * erfc(-(x - mean) / (sd * 2.0.squareRoot())) }
        var counts: [Int64] = []
        counts.reserveCapacity(edges.count + 1)
        var below = 0.0
        for edge in edges + [.infinity] {
            let upTo = edge.isInfinite ? 1 : cdf(edge)
            let expected = (upTo - below) * Double(elements)
            below = upTo
            counts.append(Int64(max(0, (expected + expected.squareRoot() * random.symmetric()).rounded())))
        }
        let fullest = counts.indices.max { counts[$0] < counts[$1] }!
        counts[fullest] += Int64(elements) - counts.reduce(0, +)
        return PhiRecord(
            layerIndex: layer,
            row: PhiStepRow(
                step: Int64(step), mean: mean, standardDeviation: sd, minimum: minimum, maximum: maximum,
                fractionNonPositive: 0, quantiles: quantiles),
            counts: counts)
    }

    // MARK: - Run settings

    /// The run's attributes, named and typed as `normscope record` writes them (`TraceWriterSink.describe`).
    private func attributes(_ run: Run, _ variant: Variant) -> [String: AttributeValue] {
        var attributes: [String: AttributeValue] = [
            "preset": .string(run.preset), "seed": .int64(Int64(run.seed)), "steps": .int64(Int64(stepsPerRun)),
            "batch": .int64(Int64(rowsPerStep)), "lr": .double(1e-3), "eval_every": .int64(Int64(evaluationEvery)),
            "model": .string("synthetic"), "dataset": .string("synthetic"),
            "norm_normalizes": .bool(true), "norm_centering": .string("mean"),
            "norm_convention": .string(variant.affine ? "torch" : "paper"), "norm_epsilon": .double(1e-5),
            "norm_detach_mean": .bool(!variant.keepsMean), "norm_detach_std": .bool(!variant.keepsSigma),
            "norm_affine": .string(variant.affine ? "gain-and-bias" : "none"),
            "norm_adaptive": .string(variant.adaptive ? "adanorm" : "none"),
        ]
        if variant.adaptive {
            attributes["adanorm_scale"] = .double(Self.adanormScale)
            attributes["adanorm_k"] = .double(Self.adanormSlope)
            attributes["norm_adanorm_scale"] = .double(Self.adanormScale)
            attributes["norm_adanorm_k"] = .double(Self.adanormSlope)
        }
        return attributes
    }

    private func configurationJSON(_ run: Run, _ variant: Variant) -> String {
        """
        {"preset": "\(run.preset)", "seed": \(run.seed), "steps": \(stepsPerRun), "batch": \(rowsPerStep), \
        "hidden": \(width), "eval_every": \(evaluationEvery), "model": "synthetic"}
        """
    }
}

/// What a preset keeps and adds, which decides the shape of its statistics.
private struct Variant: Equatable {
    var keepsMean: Bool
    var keepsSigma: Bool
    var affine: Bool
    var adaptive: Bool

    init?(preset: String) {
        switch preset {
        case "layernorm": (keepsMean, keepsSigma, affine, adaptive) = (true, true, true, false)
        case "layernorm-simple": (keepsMean, keepsSigma, affine, adaptive) = (true, true, false, false)
        case "detachnorm": (keepsMean, keepsSigma, affine, adaptive) = (false, false, false, false)
        case "detach-mean": (keepsMean, keepsSigma, affine, adaptive) = (false, true, false, false)
        case "detach-std": (keepsMean, keepsSigma, affine, adaptive) = (true, false, false, false)
        case "adanorm": (keepsMean, keepsSigma, affine, adaptive) = (true, true, false, true)
        default: return nil
        }
    }
}

extension SeededRandom {
    /// Uniform in [−1, 1): the relative noise of the synthetic values.
    fileprivate mutating func symmetric() -> Double { uniform(in: -1..<1) }
}
