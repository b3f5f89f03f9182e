import Layers

/// One identity of Theorem 1 (or AdaNorm's ⟨Φ⟩ = C) checked on a preset's recorded gradients: at how many of the
/// recorded steps, over all its runs and layers, it holds.
///
/// Which identities apply follows from what the run detaches (analysis/METHODS.md, "Theorem 1"): keeping the mean's derivative makes
/// every row of t sum to 0; detaching it leaves t̄ = ḡ/σ; detaching σ leaves the variance at D_g/σ²; keeping σ's
/// derivative can only lower it. The parts act on the gradient reaching the normalized value (γ ⊙ g with a gain,
/// Φ ⊙ g for AdaNorm), which is the theorem's g.
///
/// Without centering (RMSNorm, ScaleNorm) there is no mean and no re-centering part, and the row mean of t is neither
/// 0 nor ḡ/σ (y itself has a non-zero mean); the σ-derivative projects the gradient orthogonally to y instead, which
/// can only shorten it: ‖t‖ ≤ ‖d‖ at every step (t = d with σ detached). DyT has no statistic at all — its Jacobian
/// is diagonal — so none of these identities applies to it, nor to `none`.
public struct TheoremCheck: Sendable, Codable, Equatable {
    /// The group of runs checked (a preset at one setting of the grouping keys).
    public var group: String
    /// The case of the theorem, e.g. "(1) LayerNorm-simple: μ and σ kept".
    public var theoremCase: String
    /// The identity, in the paper's terms.
    public var identity: String
    /// The same identity on the recorded statistics, e.g. "recenter_ratio = 0".
    public var measure: String
    /// Steps (summed over runs and layers) where it holds within tolerance, and steps with a finite value.
    public var stepsHolding: Int
    public var steps: Int
    /// Runs and layer-runs the steps come from: never a verdict without its n.
    public var runs: Int
    public var layerRuns: Int
    /// Steps left out because their rows failed the value checks (listed under `damaged`).
    public var excludedSteps: Int
    /// The range of the measured quantity over those steps, failing steps included.
    public var observedMin: Double
    public var observedMax: Double
    /// The tolerance used.
    public var tolerance: Double

    /// Holds at every recorded step (and there was at least one).
    public var holds: Bool { steps > 0 && stepsHolding == steps }

    /// The checks that apply to a group, from its runs' normalization settings (runs without settings, or whose
    /// settings differ from the group's first run, are left out) and the layers' evidence.
    static func checks(
        group: String, runs: [RunSummary], layers: [String: [LayerGradientSummary]]
    ) -> [TheoremCheck] {
        guard let settings = runs.first?.normalization else { return [] }
        let matching = runs.filter { $0.normalization == settings }
        let evidence = matching.flatMap { layers[$0.name] ?? [] }
        var checks: [TheoremCheck] = []
        func add(
            _ identity: String, _ measure: String, tolerance: Double,
            _ holding: (TheoremEvidence) -> Int, _ total: (TheoremEvidence) -> Int,
            _ range: (TheoremEvidence) -> (Double, Double), theoremCase: String
        ) {
            let used = evidence.filter { total($0.theorem) > 0 }
            let lows = used.map { range($0.theorem).0 }
            let highs = used.map { range($0.theorem).1 }
            checks.append(
                TheoremCheck(
                    group: group, theoremCase: theoremCase, identity: identity, measure: measure,
                    stepsHolding: evidence.map { holding($0.theorem) }.reduce(0, +),
                    steps: evidence.map { total($0.theorem) }.reduce(0, +), runs: matching.count,
                    layerRuns: used.count, excludedSteps: evidence.map(\.theorem.excludedSteps).reduce(0, +),
                    observedMin: lows.min() ?? .nan, observedMax: highs.max() ?? .nan,
                    tolerance: tolerance))
        }
        if settings.normalizes, settings.centering == .mean {
            let theoremCase =
                switch (settings.detachMean, settings.detachStandardDeviation) {
                case (true, true): "DetachNorm: μ and σ detached"
                case (false, false): "(1) μ and σ kept, as LayerNorm-simple"
                case (true, false): "(2) μ detached"
                case (false, true): "(3) σ detached"
                }
            let tolerance = TheoremEvidence.tolerance
            let recenterRange = { (e: TheoremEvidence) in (e.recenterRatioMin, e.recenterRatioMax) }
            let rescaleRange = { (e: TheoremEvidence) in (e.rescaleRatioMin, e.rescaleRatioMax) }
            if settings.detachMean {
                add(
                    "t̄ = ḡ/σ in every row", "recenter_ratio = 1", tolerance: tolerance, \.recenterOneSteps,
                    \.recenterSteps, recenterRange, theoremCase: theoremCase)
            } else {
                add(
                    "t̄ = 0 in every row", "recenter_ratio = 0", tolerance: tolerance, \.recenterZeroSteps,
                    \.recenterSteps, recenterRange, theoremCase: theoremCase)
            }
            if settings.detachStandardDeviation {
                add(
                    "D_t = D_g/σ²", "rescale_ratio = 1", tolerance: tolerance, \.rescaleOneSteps, \.rescaleSteps,
                    rescaleRange, theoremCase: theoremCase)
            } else {
                add(
                    "D_t ≤ D_g/σ²", "rescale_ratio ≤ 1", tolerance: tolerance, \.rescaleAtMostOneSteps,
                    \.rescaleSteps, rescaleRange, theoremCase: theoremCase)
            }
        }
        if settings.normalizes, settings.centering == .none {
            let normRange = { (e: TheoremEvidence) in (e.normRatioMin, e.normRatioMax) }
            if settings.detachStandardDeviation {
                add(
                    "t = d", "total_norm / direct_norm = 1", tolerance: TheoremEvidence.tolerance, \.normOneSteps,
                    \.normSteps, normRange, theoremCase: "no centering, σ detached")
            } else {
                add(
                    "‖t‖ ≤ ‖d‖: the σ-derivative removes the component along y", "total_norm / direct_norm ≤ 1",
                    tolerance: TheoremEvidence.tolerance, \.normAtMostOneSteps, \.normSteps, normRange,
                    theoremCase: "no centering (RMSNorm, ScaleNorm): σ kept")
            }
        }
        let phi = evidence.compactMap(\.phi).filter { $0.scale != nil && $0.recordedSteps > 0 }
        // ⟨Φ⟩ = C holds for rows centred by the forward pass whether or not Φ is detached in backward.
        if settings.adaptive != .none, !phi.isEmpty {
            checks.append(
                TheoremCheck(
                    group: group, theoremCase: "AdaNorm, Φ(y) = C(1 − k·y)", identity: "⟨Φ⟩ = C",
                    measure: "|mean(Φ) − C|", stepsHolding: phi.map(\.stepsMeanAtScale).reduce(0, +),
                    steps: phi.map(\.recordedSteps).reduce(0, +), runs: matching.count, layerRuns: phi.count,
                    excludedSteps: phi.map(\.excludedSteps).reduce(0, +),
                    observedMin: phi.map(\.minMeanDeviation).filter(\.isFinite).min() ?? .nan,
                    observedMax: phi.map(\.maxMeanDeviation).filter(\.isFinite).max() ?? .nan,
                    tolerance: PhiSummary.relativeTolerance))
        }
        return checks
    }
}
