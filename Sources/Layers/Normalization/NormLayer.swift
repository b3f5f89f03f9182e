import Dispatch
import Tensors

/// A normalization layer — LayerNorm, LayerNorm-simple, DetachNorm, AdaNorm, RMSNorm, ScaleNorm, DyT or none — whose
/// backward pass reports its input gradient as three parts: direct, re-centering (through μ) and re-scaling
/// (through σ).
///
/// Concretely, per row x of H features (``NormConfiguration`` and the preset files have each variant's formulas):
///
/// ```
/// forward:   y = (x − μ)/D,   z = Φ(y) ⊙ y (AdaNorm) or y,   z ← tanh(α·z) (DyT),   h = γ ⊙ z + β (affine) or z
/// backward:  u = ∂ℓ/∂y = Φ'- and tanh'-weighted γ ⊙ g,
///            ∂ℓ/∂x = u/D − ⟨u⟩/D − κ·y·⟨u ⊙ y⟩/σ̃     (a detached statistic's part is exactly 0)
/// ```
///
/// ScaleNorm's γ is one scalar g (``Affine/scalarGain``); DyT has no statistic (y = x, D = 1) and a learned α.
/// Backward also adds ∂ℓ/∂γ = Σ_rows g ⊙ z (summed over features for a scalar g), ∂ℓ/∂β = Σ_rows g and DyT's ∂ℓ/∂α
/// into the parameters' gradients and, per
/// ``instrumentation``, leaves the step's statistics in ``lastGradientStatistics``, ``lastForwardStatistics`` and
/// ``lastAffineStatistics`` — reduced from per-row sums of the same sweeps, not by extra passes. Rows run in parallel
/// over the cores; output, gradient and per-row buffers are reused across steps as long as the caller does not keep
/// the previous step's matrices.
///
/// ### References
/// - Ba, Kiros, Hinton, "Layer Normalization", 2016, [arXiv 1607.06450](https://arxiv.org/abs/1607.06450).
/// - Xu et al., "Understanding and Improving Layer Normalization", NeurIPS 2019,
///   [arXiv 1911.07013](https://arxiv.org/abs/1911.07013).
public final class NormLayer<Scalar: MatrixScalar>: Layer {
    /// What backward needs from forward: the input and each row's μ, 1/D and κ/σ̃.
    public struct Saved: Sendable {
        /// The forward pass's input.
        public let input: Matrix<Scalar>
        let rowValues: [Double]
    }

    /// The variant.
    public let configuration: NormConfiguration
    /// The feature width H.
    public let width: Int
    /// γ, initialized to 1, when the configuration has one; 1 × 1 for a scalar gain (``Affine/scalarGain``).
    public let gain: Parameter<Scalar>?
    /// DyT's α (1 × 1), initialized to ``DynamicTanh/initialAlpha``, when the configuration squashes.
    public let alpha: Parameter<Scalar>?
    /// β, initialized to 0, when the configuration has one.
    public let bias: Parameter<Scalar>?
    /// What the layer measures; ``NormInstrumentation/statistics`` by default.
    public var instrumentation: NormInstrumentation
    /// The bins of Φ(y)'s histogram (adaptive variants).
    public var phiBins: PhiBins?
    /// How rows are spread over threads.
    public var parallel: RowParallel

    /// The last training forward pass's statistics, when ``instrumentation`` asks for them.
    public private(set) var lastForwardStatistics: NormForwardStatistics?
    /// The last backward pass's gradient statistics, when ``instrumentation`` asks for them.
    public private(set) var lastGradientStatistics: NormGradientStatistics?
    /// The last backward pass's gain/bias norms, when ``instrumentation`` asks for statistics.
    public private(set) var lastAffineStatistics: NormAffineStatistics?
    /// The last backward pass's parts, when ``NormInstrumentation/keepsParts`` is set.
    public private(set) var lastParts: NormGradientParts<Scalar>?

    private let plan: NormPlan
    private var outputBuffer = Matrix<Scalar>(rows: 0, columns: 0)
    private var gradInputBuffer = Matrix<Scalar>(rows: 0, columns: 0)
    private var rowValuesBuffer: [Double] = []
    private var rowSumsBuffer: [Double] = []
    /// Each row's |μ|/σ of a recorded forward pass, kept across steps.
    private var centeringBuffer: [Double] = []

    /// A normalization layer over `width` features.
    ///
    /// - Parameters:
    ///   - configuration: The variant, usually a preset's ``NormPreset/configuration``.
    ///   - width: H, the number of features per row (at least 2 for the unbiased `paper` convention).
    ///   - instrumentation: What to measure.
    ///   - parallel: How rows are spread over threads.
    public init(
        _ configuration: NormConfiguration,
        width: Int,
        instrumentation: NormInstrumentation = .statistics,
        parallel: RowParallel = .automatic
    ) {
        precondition(width > 0, "NormLayer expects a positive width, got \(width)")
        precondition(
            !(configuration.normalizes && configuration.centering == .mean && configuration.convention == .paper)
                || width >= 2,
            "NormLayer with the unbiased (paper) convention expects at least 2 features, got \(width)")
        self.configuration = configuration
        self.width = width
        self.instrumentation = instrumentation
        self.parallel = parallel
        plan = NormPlan(configuration, width: width)
        // A scalar gain starts where the output has unit RMS: √H after dividing by the row's length (ScaleNorm's
        // g = √d), 1 after dividing by its RMS.
        let scalarGain = plan.lengthSpread && plan.normalizes ? Double(width).squareRoot() : 1
        gain =
            !plan.hasGain
            ? nil
            : plan.scalarGain
                ? Parameter(name: "gain", value: Matrix(rows: 1, columns: 1, repeating: Scalar(scalarGain)))
                : Parameter(name: "gain", value: Matrix(rows: 1, columns: width, repeating: 1))
        bias = plan.hasBias ? Parameter(name: "bias", value: Matrix(rows: 1, columns: width, repeating: 0)) : nil
        alpha = configuration.dynamicTanh.map {
            Parameter(name: "alpha", value: Matrix(rows: 1, columns: 1, repeating: Scalar($0.initialAlpha)))
        }
        phiBins = configuration.adaptive.map(PhiBins.standard(for:))
    }

    /// A layer of a named preset.
    public convenience init(
        _ preset: NormPreset, width: Int, instrumentation: NormInstrumentation = .statistics,
        parallel: RowParallel = .automatic
    ) {
        self.init(preset.configuration, width: width, instrumentation: instrumentation, parallel: parallel)
    }

    /// α, γ then β, those that exist.
    public var parameters: [Parameter<Scalar>] { [alpha, gain, bias].compactMap { $0 } }

    /// γ as the kernels read it, one value per feature: a scalar gain broadcast to the row.
    private var rowGain: Matrix<Scalar>? {
        guard let gain, plan.scalarGain else { return gain?.value }
        return Matrix(rows: 1, columns: width, repeating: gain.value.scalars[0])
    }

    // MARK: - Forward

    /// Normalizes each row of `x`.
    ///
    /// - Parameters:
    ///   - x: R × H.
    ///   - mode: In `.training`, forward statistics are collected per ``instrumentation``.
    /// - Returns: The R × H output and what ``backward(_:saved:)`` needs.
    // The row kernels are specialized on their own; this keeps the per-call work around them (buffers, the affine
    // gradient sums over H, the statistics) out of unspecialized code when a model in another module calls it.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ x: Matrix<Scalar>, mode: ForwardMode) -> (output: Matrix<Scalar>, saved: Saved) {
        precondition(x.columns == width, "NormLayer expects rows of \(width) features, got \(x.rows) × \(x.columns)")
        let rows = x.rows
        // Take the buffers so that, if the caller released last step's output, they are uniquely referenced and
        // written in place.
        var output = outputBuffer
        outputBuffer = Matrix(rows: 0, columns: 0)
        output.resize(rows: rows, columns: width)
        var rowValues = rowValuesBuffer
        rowValuesBuffer = []
        if rowValues.count != rows * NormKernel.rowValueCount {
            rowValues = [Double](repeating: 0, count: rows * NormKernel.rowValueCount)
        }
        let collectsPhi =
            mode == .training && instrumentation.statistics && instrumentation.phiHistogram
            && plan.adaptive && phiBins != nil
        let plan = self.plan
        let tasks = parallel.taskCount(rows: rows, columns: width)
        let phiParts = TaskAccumulators<PhiAccumulator>(
            (0..<tasks).map { _ in
                collectsPhi ? PhiAccumulator(bins: phiBins!) : nil
            })
        let recordsStatistics = mode == .training && instrumentation.statistics
        if recordsStatistics && centeringBuffer.count != rows { centeringBuffer = [Double](repeating: 0, count: rows) }
        x.withUnsafeBufferPointer { xp in
            output.withUnsafeMutableBufferPointer { op in
                rowValues.withUnsafeMutableBufferPointer { rp in
                    centeringBuffer.withUnsafeMutableBufferPointer { cp in
                        withOptionalBuffer(rowGain) { gp in
                            withOptionalBuffer(bias?.value) { bp in
                                withOptionalBuffer(alpha?.value) { ap in
                                    let buffers = NormBuffers(
                                        input: xp.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                        output: op.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                        gain: gp, bias: bp, alpha: ap, rowValues: rp.baseAddress!,
                                        centering: recordsStatistics ? cp.baseAddress : nil)
                                    runTasks(tasks, rows: rows) { task, range in
                                        NormKernel.forward(plan, buffers, rows: range, phi: phiParts.items[task])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        if recordsStatistics {
            lastForwardStatistics = forwardStatistics(rowValues, rows: rows, phi: phiParts.items)
            lastForwardStatistics?.absMeanOverStd = centeringBuffer.withUnsafeBufferPointer {
                ForwardCentering.mean(UnsafeBufferPointer(rebasing: $0[0..<rows]))
            }
        }
        outputBuffer = output
        rowValuesBuffer = rowValues
        return (output, Saved(input: x, rowValues: rowValues))
    }

    // MARK: - Backward

    /// The gradient with respect to the input; adds the gain and bias gradients into their parameters and leaves the
    /// step's statistics (and parts, if kept) in the `last…` properties.
    ///
    /// - Parameters:
    ///   - gradOutput: ∂ℓ/∂h, R × H.
    ///   - saved: What the matching forward pass returned.
    /// - Returns: ∂ℓ/∂x = direct + re-centering + re-scaling.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ gradOutput: Matrix<Scalar>, saved: Saved) -> Matrix<Scalar> {
        let x = saved.input
        precondition(
            gradOutput.rows == x.rows && gradOutput.columns == width,
            "NormLayer backward expects a gradient of \(x.rows) × \(width), got \(gradOutput.rows) × \(gradOutput.columns)"
        )
        let rows = x.rows
        var gradInput = gradInputBuffer
        gradInputBuffer = Matrix(rows: 0, columns: 0)
        gradInput.resize(rows: rows, columns: width)
        var rowSums = rowSumsBuffer
        rowSumsBuffer = []
        if instrumentation.statistics && rowSums.count != rows * NormRowSums.count {
            rowSums = [Double](repeating: 0, count: rows * NormRowSums.count)
        }
        var parts = instrumentation.keepsParts ? NormGradientParts<Scalar>(rows: rows, columns: width) : nil
        let plan = self.plan
        let tasks = parallel.taskCount(rows: rows, columns: width)
        let affineParts = TaskAccumulators<AffineGradientAccumulator<Scalar>>(
            (0..<tasks).map { [width] _ in
                plan.hasGain || plan.dynamicTanh ? AffineGradientAccumulator(width: width) : nil
            })
        let rowValues = saved.rowValues
        let statistics = instrumentation.statistics
        x.withUnsafeBufferPointer { xp in
            gradOutput.withUnsafeBufferPointer { gp in
                gradInput.withUnsafeMutableBufferPointer { dxp in
                    rowValues.withUnsafeBufferPointer { rp in
                        rowSums.withUnsafeMutableBufferPointer { sp in
                            withParts(&parts) { partPointers in
                                withOptionalBuffer(rowGain) { gainp in
                                    withOptionalBuffer(alpha?.value) { ap in
                                        let buffers = NormBuffers(
                                            input: xp.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                            output: dxp.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!,
                                            // Backward only reads the row values; the pointer type is shared with
                                            // forward.
                                            gain: gainp, bias: nil, alpha: ap,
                                            rowValues: UnsafeMutablePointer(mutating: rp.baseAddress!),
                                            gradOutput: gp.baseAddress ?? UnsafePointer(bitPattern: 8)!,
                                            rowSums: statistics ? sp.baseAddress : nil, parts: partPointers)
                                        runTasks(tasks, rows: rows) { task, range in
                                            NormKernel.backward(
                                                plan, buffers, rows: range, affine: affineParts.items[task])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        accumulateAffineGradients(affineParts.items)
        if statistics {
            lastGradientStatistics = rowSums.withUnsafeBufferPointer {
                NormGradientStatistics(rowSums: $0, rows: rows, width: width)
            }
        }
        lastParts = parts
        gradInputBuffer = gradInput
        rowSumsBuffer = rowSums
        return gradInput
    }

    // MARK: - Helpers

    /// Calls `body` with the matrix's base address, or with `nil` when there is no matrix.
    private func withOptionalBuffer(_ matrix: Matrix<Scalar>?, _ body: (UnsafePointer<Scalar>?) -> Void) {
        guard let matrix else { return body(nil) }
        matrix.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Runs `body` for each task's slice of rows, in parallel when there is more than one task.
    private func runTasks(_ tasks: Int, rows: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
        if tasks <= 1 {
            if rows > 0 { body(0, 0..<rows) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: tasks) { task in
            body(task, RowParallel.range(ofTask: task, of: tasks, rows: rows))
        }
    }

    private func withParts(
        _ parts: inout NormGradientParts<Scalar>?,
        _ body: ((UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>)?) -> Void
    ) {
        guard var split = parts, split.direct.count > 0 else { return body(nil) }
        parts = nil  // so that `split` is the only reference and is written in place
        var (direct, recentering, rescaling) = (split.direct, split.recentering, split.rescaling)
        split = NormGradientParts(rows: 0, columns: 0)
        direct.withUnsafeMutableBufferPointer { d in
            recentering.withUnsafeMutableBufferPointer { c in
                rescaling.withUnsafeMutableBufferPointer { s in
                    body((d.baseAddress!, c.baseAddress!, s.baseAddress!))
                }
            }
        }
        split.direct = direct
        split.recentering = recentering
        split.rescaling = rescaling
        parts = split
    }

    /// Sums the tasks' column sums in task order and adds them into γ's and β's gradients.
    private func accumulateAffineGradients(_ tasks: [AffineGradientAccumulator<Scalar>?]) {
        if let alpha {
            alpha.gradient.scalars[0] += Scalar(tasks.reduce(0.0) { $0 + ($1?.alpha ?? 0) })
        }
        guard let gain else { return }
        var gainGradient = [Double](repeating: 0, count: width)
        var biasGradient = [Double](repeating: 0, count: width)
        for task in tasks.compactMap({ $0 }) {
            task.flush()
            for i in 0..<width {
                gainGradient[i] += task.gain[i]
                biasGradient[i] += task.bias[i]
            }
        }
        // The kernels saw a scalar gain broadcast to the row: its gradient is the sum of the per-feature ones.
        if plan.scalarGain { gainGradient = [gainGradient.reduce(0, +)] }
        for i in gainGradient.indices { gain.gradient.scalars[i] += Scalar(gainGradient[i]) }
        if let bias {
            for i in 0..<width { bias.gradient.scalars[i] += Scalar(biasGradient[i]) }
        }
        if instrumentation.statistics {
            func norm<C: Collection>(_ values: C) -> Double where C.Element: BinaryFloatingPoint {
                values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            }
            lastAffineStatistics = NormAffineStatistics(
                gainNorm: norm(gain.value.scalars),
                gainMean: gain.value.scalars.reduce(0.0) { $0 + Double($1) } / Double(gain.count),
                gainGradientNorm: norm(gainGradient),
                biasNorm: bias.map { norm($0.value.scalars) },
                biasGradientNorm: bias == nil ? nil : norm(biasGradient))
        }
    }

    private func forwardStatistics(_ rowValues: [Double], rows: Int, phi: [PhiAccumulator?]) -> NormForwardStatistics {
        var sumMu = 0.0
        var sumSigma = 0.0
        var sumPhi = 0.0
        var sumPhi2 = 0.0
        var saturated = 0.0
        // Φ = C(1 − k·y) is affine in y, so its moments follow from each row's Σy and Σy².
        let (c, k, h) = (plan.scale, plan.slope, Double(width))
        for row in 0..<rows {
            let base = row * NormKernel.rowValueCount
            sumMu += rowValues[base]
            sumSigma += rowValues[base + 1] > 0 ? 1 / rowValues[base + 1] : 0
            let (sumY, sumY2) = (rowValues[base + 3], rowValues[base + 4])
            sumPhi += c * (h - k * sumY)
            sumPhi2 += c * c * (h - 2 * k * sumY + k * k * sumY2)
            saturated += rowValues[base + 5]
        }
        let n = Double(max(rows, 1))
        var phiStatistics: PhiStatistics?
        if let merged = phi.first ?? nil, let bins = phiBins {
            for part in phi.dropFirst() { if let part { merged.merge(part) } }
            let totals = merged.totals
            let count = Double(rows * width)
            let mean = count > 0 ? sumPhi / count : .nan
            phiStatistics = PhiStatistics(
                bins: bins, counts: Array(totals.dropFirst().dropLast()), below: totals.first!, above: totals.last!,
                elementCount: Int64(rows * width), mean: mean,
                standardDeviation: max(0, sumPhi2 / count - mean * mean).squareRoot(),
                minimum: merged.minimum, maximum: merged.maximum,
                fractionNonPositive: count > 0 ? Double(merged.nonPositive) / count : 0)
        }
        let elements = Double(rows * width)
        return NormForwardStatistics(
            meanMu: sumMu / n, meanSigma: sumSigma / n, phi: phiStatistics,
            alpha: alpha.map { Double($0.value.scalars[0]) },
            saturatedShare: plan.dynamicTanh ? (elements > 0 ? saturated / elements : .nan) : nil)
    }
}

/// One accumulator per task of a row-parallel loop, shared with the tasks; each task touches only its own.
private struct TaskAccumulators<Item: AnyObject>: @unchecked Sendable {
    let items: [Item?]
    init(_ items: [Item?]) { self.items = items }
}
