import Tensors

// The row kernels of NormLayer: the forward pass and, beside it, the backward pass that yields the gradient's three
// parts and their per-row sums in the same two sweeps over a row. Rows are processed eight features at a time in
// SIMD lanes; sums over a row are kept in the element type for at most `flushInterval` chunks (32 × 8 = 256
// features) and then added into Double, so a Float32 reduction is never longer than 32 terms per lane.

/// Raw pointers for one kernel call, shared read-only or row-disjointly by the tasks of a row-parallel loop.
struct NormBuffers<Scalar: MatrixScalar>: @unchecked Sendable {
    var input: UnsafePointer<Scalar>
    var output: UnsafeMutablePointer<Scalar>
    var gain: UnsafePointer<Scalar>?
    var bias: UnsafePointer<Scalar>?
    /// DyT's α (one value), when the plan squashes.
    var alpha: UnsafePointer<Scalar>? = nil
    /// Per row: μ, 1/D, κ/σ̃, Σy, Σy², and the elements with |α·y| > 2 under DyT (``NormKernel/rowValueCount``
    /// values).
    var rowValues: UnsafeMutablePointer<Double>
    /// Forward only, when statistics are on: each row's |μ|/σ (``ForwardCentering``).
    var centering: UnsafeMutablePointer<Double>? = nil
    /// Backward only: the upstream gradient.
    var gradOutput: UnsafePointer<Scalar>?
    /// Backward only, when statistics are on: ``NormRowSums`` per row.
    var rowSums: UnsafeMutablePointer<Double>?
    /// Backward only, when parts are kept: direct, re-centering, re-scaling.
    var parts: (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>)?
}

/// What one task of a forward pass collects about Φ(y): exact extremes and counts, and the histogram.
///
/// A class over raw storage so the kernel's per-element updates are plain memory increments; `@unchecked Sendable`
/// because each task of a row-parallel loop owns its own accumulator.
final class PhiAccumulator: @unchecked Sendable {
    /// Separate histograms per SIMD lane, so that consecutive increments of a popular bin do not wait on each
    /// other; each has `binCount + 2` slots: below, the bins, at or above the upper edge.
    static let copies = 8
    let slots: UnsafeMutablePointer<Int64>
    let binCount: Int
    var nonPositive: Int64 = 0
    var minimum = Double.infinity
    var maximum = -Double.infinity
    let lower: Double
    let binsPerUnit: Double

    init(bins: PhiBins) {
        binCount = bins.count
        slots = .allocate(capacity: Self.copies * (bins.count + 2))
        slots.initialize(repeating: 0, count: Self.copies * (bins.count + 2))
        lower = bins.lower
        binsPerUnit = Double(bins.count) / (bins.upper - bins.lower)
    }

    deinit { slots.deallocate() }

    func merge(_ other: PhiAccumulator) {
        for i in 0..<(Self.copies * (binCount + 2)) { slots[i] += other.slots[i] }
        nonPositive += other.nonPositive
        minimum = min(minimum, other.minimum)
        maximum = max(maximum, other.maximum)
    }

    /// The slot totals over the lane copies: [below, bin 0, …, bin n − 1, above].
    var totals: [Int64] {
        (0..<(binCount + 2)).map { slot in (0..<Self.copies).reduce(0) { $0 + slots[$1 * (binCount + 2) + slot] } }
    }
}

/// Column sums of the gain and bias gradients for one task's rows: the element type for up to `rowBlock` rows,
/// then Double; and DyT's ∂ℓ/∂α, summed per row in Double. Raw storage, one accumulator per task, as for
/// ``PhiAccumulator``.
final class AffineGradientAccumulator<S: MatrixScalar>: @unchecked Sendable {
    static var rowBlock: Int { 16 }
    let width: Int
    let gainBlock: UnsafeMutablePointer<S>
    let biasBlock: UnsafeMutablePointer<S>
    let gain: UnsafeMutablePointer<Double>
    let bias: UnsafeMutablePointer<Double>
    var rowsInBlock = 0
    /// ∂ℓ/∂α over the task's rows.
    var alpha = 0.0

    init(width: Int) {
        self.width = width
        gainBlock = .allocate(capacity: width)
        biasBlock = .allocate(capacity: width)
        gain = .allocate(capacity: width)
        bias = .allocate(capacity: width)
        gainBlock.initialize(repeating: 0, count: width)
        biasBlock.initialize(repeating: 0, count: width)
        gain.initialize(repeating: 0, count: width)
        bias.initialize(repeating: 0, count: width)
    }

    deinit {
        gainBlock.deallocate()
        biasBlock.deallocate()
        gain.deallocate()
        bias.deallocate()
    }

    func flush() {
        for i in 0..<width {
            gain[i] += Double(gainBlock[i])
            bias[i] += Double(biasBlock[i])
            gainBlock[i] = 0
            biasBlock[i] = 0
        }
        rowsInBlock = 0
    }
}

enum NormKernel {
    static let rowValueCount = 6
    static let flushInterval = 32

    @inline(__always)
    static func load<S: MatrixScalar>(_ p: UnsafePointer<S>) -> SIMD8<S> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
    }

    @inline(__always)
    static func store<S: MatrixScalar>(_ v: SIMD8<S>, _ p: UnsafeMutablePointer<S>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<S>.self)
    }

    /// tanh lane by lane: there is no vector tanh to call, and DyT needs it exact (its gradients are checked
    /// against finite differences to 1e-6).
    @inline(__always)
    static func tanh<S: MatrixScalar>(_ v: SIMD8<S>) -> SIMD8<S> {
        var out = SIMD8<S>()
        for lane in 0..<8 { out[lane] = S.tanh(v[lane]) }
        return out
    }

    /// `Σ p[i]` and `Σ (p[i] − center)²` over one row, the second only when `squares` is set; in Double across
    /// blocks.
    @inline(__always)
    static func rowSum<S: MatrixScalar>(_ p: UnsafePointer<S>, count: Int, minus center: S, squared: Bool) -> Double {
        var total = 0.0
        var lanes = SIMD8<S>()
        var chunks = 0
        var i = 0
        let c = SIMD8<S>(repeating: center)
        while i + 8 <= count {
            let v = load(p + i) - c
            lanes += squared ? v * v : v
            i += 8
            chunks += 1
            if chunks == flushInterval {
                total += Double(lanes.sum())
                lanes = SIMD8<S>()
                chunks = 0
            }
        }
        total += Double(lanes.sum())
        while i < count {
            let v = Double(p[i] - center)
            total += squared ? v * v : v
            i += 1
        }
        return total
    }

    // MARK: - Forward

    /// Normalizes `rows`, writing the output and each row's constants (μ, 1/D, κ/σ̃, Σy, Σy²); collects Φ(y)
    /// when `phi` is given.
    ///
    /// Σy and Σy² come from the statistics' sums rather than from the rounded y (Σy = (Σx − Hμ)/D, Σy² = q/D²), so
    /// neither pass pays for them.
    // NormLayer is generic, and generic code called from another module runs unspecialized (every SIMD operation
    // through witness tables, ~50× slower): @_specialize makes the generic entry test the element type once per
    // call and continue in the Float or Double instantiation.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func forward<S: MatrixScalar>(
        _ plan: NormPlan, _ buffers: NormBuffers<S>, rows: Range<Int>, phi: PhiAccumulator?
    ) {
        let h = plan.width
        let hD = Double(h)
        let cS = S(plan.scale)
        let ckS = S(plan.scale * plan.slope)
        var phiMinimum = SIMD8<S>(repeating: .greatestFiniteMagnitude)
        var phiMaximum = SIMD8<S>(repeating: -.greatestFiniteMagnitude)
        // The histogram in locals and a raw pointer: class properties would pay an exclusivity check per element.
        let counts = phi?.slots
        let stride = (phi?.binCount ?? 0) + 2
        // Slot = clamp((Φ − lower)·binsPerUnit + 1, 0, binCount + 1), truncated: 0 is below, binCount + 1 above.
        let top = S((phi?.binCount ?? 0) + 1)
        let lower = SIMD8<S>(repeating: S(phi?.lower ?? 0))
        let binsPerUnit = SIMD8<S>(repeating: S(phi?.binsPerUnit ?? 0))
        var nonPositive: Int64 = 0
        // DyT: α, and the bound of tanh's saturated region.
        let alpha = plan.dynamicTanh ? buffers.alpha.unsafelyUnwrapped[0] : nil
        let limit = S(DynamicTanh.saturationLimit)
        for row in rows {
            let x = buffers.input + row * h
            let out = buffers.output + row * h
            if let centering = buffers.centering { centering[row] = ForwardCentering.ratio(x, width: h) }
            let sum = plan.normalizes ? rowSum(x, count: h, minus: 0, squared: false) : 0
            let mu = plan.centered ? sum / hD : 0
            let q = plan.normalizes ? rowSum(x, count: h, minus: S(mu), squared: true) : 0
            let (inverse, rescale) = plan.rowConstants(sumOfSquares: q)
            let values = buffers.rowValues + row * rowValueCount
            values[0] = mu
            values[1] = inverse
            values[2] = rescale
            values[3] = (sum - hD * mu) * inverse
            values[4] = q * inverse * inverse
            let muS = S(mu)
            let invS = S(inverse)
            var saturatedLanes = SIMD8<S>()
            var saturated = 0.0
            var i = 0
            while i + 8 <= h {
                let y = (load(x + i) - SIMD8(repeating: muS)) * SIMD8(repeating: invS)
                var z = y
                if plan.adaptive {
                    let factor = SIMD8(repeating: cS) - SIMD8(repeating: ckS) * y
                    z = factor * y
                    if counts != nil {
                        phiMinimum = pointwiseMin(phiMinimum, factor)
                        phiMaximum = pointwiseMax(phiMaximum, factor)
                        let position = pointwiseMin(
                            pointwiseMax((factor - lower) * binsPerUnit + 1, SIMD8(repeating: 0)),
                            SIMD8(repeating: top))
                        let histogram = counts.unsafelyUnwrapped
                        for lane in 0..<8 {
                            if factor[lane] <= 0 { nonPositive += 1 }
                            histogram[lane * stride + S.truncatedInteger(position[lane])] += 1
                        }
                    }
                }
                if let alpha {
                    let scaled = SIMD8(repeating: alpha) * z
                    z = tanh(scaled)
                    let outside = (scaled .> SIMD8(repeating: limit)) .| (scaled .< SIMD8(repeating: -limit))
                    saturatedLanes += SIMD8<S>().replacing(with: 1, where: outside)
                }
                if let gain = buffers.gain { z *= load(gain + i) }
                if let bias = buffers.bias { z += load(bias + i) }
                store(z, out + i)
                i += 8
            }
            while i < h {
                let y = (x[i] - muS) * invS
                var z = y
                if plan.adaptive {
                    let factor = cS - ckS * y
                    z = factor * y
                    if counts != nil {
                        phiMinimum[0] = min(phiMinimum[0], factor)
                        phiMaximum[0] = max(phiMaximum[0], factor)
                        let p = min(max((factor - lower[0]) * binsPerUnit[0] + 1, 0), top)
                        if factor <= 0 { nonPositive += 1 }
                        counts.unsafelyUnwrapped[S.truncatedInteger(p)] += 1
                    }
                }
                if let alpha {
                    let scaled = alpha * z
                    z = S.tanh(scaled)
                    if abs(scaled) > limit { saturated += 1 }
                }
                if let gain = buffers.gain { z *= gain[i] }
                if let bias = buffers.bias { z += bias[i] }
                out[i] = z
                i += 1
            }
            // At most H/8 per lane: exact in Float up to rows of 2²⁷ features.
            values[5] = saturated + Double(saturatedLanes.sum())
        }
        if let phi, !rows.isEmpty {
            phi.nonPositive += nonPositive
            phi.minimum = min(phi.minimum, Double(phiMinimum.min()))
            phi.maximum = max(phi.maximum, Double(phiMaximum.max()))
        }
    }

    // MARK: - Backward

    /// The input gradient of `rows` as direct + re-centering + re-scaling, with the per-row sums of the parts when
    /// `buffers.rowSums` is set and the gain/bias column sums when `affine` is given.
    ///
    /// Two sweeps per row: the first forms u (the gradient reaching y) and its sums ⟨u⟩, ⟨u ⊙ y⟩; the second writes
    /// `u/D + b + β·y` with `b = −⟨u⟩/D` and `β = −κ⟨u ⊙ y⟩/σ̃`. y is recomputed from x, μ and 1/D rather than stored.
    /// Under DyT u carries tanh's derivative, and the first sweep leaves it in the output for the second rather
    /// than have it take a tanh again; it also sums ∂ℓ/∂α into `affine`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func backward<S: MatrixScalar>(
        _ plan: NormPlan, _ buffers: NormBuffers<S>, rows: Range<Int>, affine: AffineGradientAccumulator<S>?
    ) {
        let h = plan.width
        let hD = Double(h)
        let cS = S(plan.scale)
        let ckS = S(plan.scale * plan.slope)
        let ckbS = S(plan.scale * plan.backwardSlope)
        let statistics = buffers.rowSums != nil
        let gradOutput = buffers.gradOutput!
        // The accumulator's blocks taken out once: reached through the class inside the loops, each use retained
        // and released it (6% of a char-LM step in swift_retain/release).
        let blocks = plan.hasGain ? affine.map { (gain: $0.gainBlock, bias: $0.biasBlock) } : nil
        let alpha = plan.dynamicTanh ? buffers.alpha.unsafelyUnwrapped[0] : nil
        for row in rows {
            let x = buffers.input + row * h
            let g = gradOutput + row * h
            let dx = buffers.output + row * h
            let values = buffers.rowValues + row * rowValueCount
            let muS = S(values[0])
            let invS = S(values[1])
            let mu8 = SIMD8(repeating: muS)
            let inv8 = SIMD8(repeating: invS)

            // γ ⊙ g.
            @inline(__always) func gainWeighted(_ i: Int) -> SIMD8<S> {
                var u = load(g + i)
                if let gain = buffers.gain { u *= load(gain + i) }
                return u
            }
            @inline(__always) func gainWeighted(_ i: Int) -> S {
                var u = g[i]
                if let gain = buffers.gain { u *= gain[i] }
                return u
            }
            // The gradient reaching y: γ ⊙ g, times C(1 − k'·y) for AdaNorm (and tanh's derivative under DyT, which
            // sweep 1 applies).
            @inline(__always) func upstream(_ i: Int, _ y: SIMD8<S>) -> SIMD8<S> {
                var u: SIMD8<S> = gainWeighted(i)
                if plan.adaptive { u *= SIMD8(repeating: cS) - SIMD8(repeating: ckbS) * y }
                return u
            }
            @inline(__always) func upstream(_ i: Int, _ y: S) -> S {
                var u: S = gainWeighted(i)
                if plan.adaptive { u *= cS - ckbS * y }
                return u
            }

            // Sweep 1: sums of u, u·y (and u² for statistics); gain/bias gradients (and α's under DyT).
            let needsZ = alpha != nil || blocks != nil
            var sums = (u: 0.0, uy: 0.0, u2: 0.0, alpha: 0.0)
            var lanes = (u: SIMD8<S>(), uy: SIMD8<S>(), u2: SIMD8<S>(), alpha: SIMD8<S>())
            var chunks = 0
            var i = 0
            while i + 8 <= h {
                let y = (load(x + i) - mu8) * inv8
                var u = upstream(i, y)
                // The value before the gain: Φ(y) ⊙ y or y, then tanh(α·that) under DyT; only α's and the gain's
                // gradients read it, so AdaNorm without either does not compute Φ(y) ⊙ y here.
                var z = plan.adaptive && needsZ ? (SIMD8(repeating: cS) - SIMD8(repeating: ckS) * y) * y : y
                if let alpha {
                    let t = tanh(SIMD8(repeating: alpha) * z)
                    let slope = 1 - t * t
                    // ∂ℓ/∂α = Σ γ ⊙ g ⊙ tanh′ ⊙ z: u without Φ's derivative, which is not on α's path.
                    lanes.alpha += (plan.adaptive ? gainWeighted(i) : u) * slope * z
                    u *= slope * SIMD8(repeating: alpha)
                    z = t
                    store(u, dx + i)
                }
                lanes.u += u
                lanes.uy += u * y
                if statistics { lanes.u2 += u * u }
                if let blocks {
                    let gv = load(g + i)
                    store(load(blocks.gain + i) + gv * z, blocks.gain + i)
                    store(load(blocks.bias + i) + gv, blocks.bias + i)
                }
                i += 8
                chunks += 1
                if chunks == flushInterval {
                    sums.u += Double(lanes.u.sum())
                    sums.uy += Double(lanes.uy.sum())
                    sums.u2 += Double(lanes.u2.sum())
                    sums.alpha += Double(lanes.alpha.sum())
                    lanes = (SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>())
                    chunks = 0
                }
            }
            sums.u += Double(lanes.u.sum())
            sums.uy += Double(lanes.uy.sum())
            sums.u2 += Double(lanes.u2.sum())
            sums.alpha += Double(lanes.alpha.sum())
            while i < h {
                let y = (x[i] - muS) * invS
                var u = upstream(i, y)
                var z = plan.adaptive && needsZ ? (cS - ckS * y) * y : y
                if let alpha {
                    let t = S.tanh(alpha * z)
                    let slope = 1 - t * t
                    sums.alpha += Double((plan.adaptive ? gainWeighted(i) : u) * slope * z)
                    u *= slope * alpha
                    z = t
                    dx[i] = u
                }
                let (uD, yD) = (Double(u), Double(y))
                sums.u += uD
                sums.uy += uD * yD
                if statistics { sums.u2 += uD * uD }
                if let blocks {
                    blocks.gain[i] += g[i] * z
                    blocks.bias[i] += g[i]
                }
                i += 1
            }
            if let affine {
                affine.alpha += sums.alpha
                affine.rowsInBlock += 1
                if affine.rowsInBlock == AffineGradientAccumulator<S>.rowBlock { affine.flush() }
            }

            // The three coefficients: direct = a·u, re-centering = b, re-scaling = β·y.
            let a = values[1]
            let b = plan.hasRecentering ? -(sums.u / hD) * a : 0
            let beta = plan.hasRescaling ? -values[2] * (sums.uy / hD) : 0
            let aS = S(a)
            let bS = S(b)
            let betaS = S(beta)

            // Sweep 2: the gradient, and the parts when asked.
            i = 0
            while i + 8 <= h {
                let y = (load(x + i) - mu8) * inv8
                let d = (alpha == nil ? upstream(i, y) : load(dx + i)) * SIMD8(repeating: aS)
                let s = SIMD8(repeating: betaS) * y
                store(d + SIMD8(repeating: bS) + s, dx + i)
                if let (direct, recentering, rescaling) = buffers.parts {
                    let offset = row * h + i
                    store(d, direct + offset)
                    store(SIMD8(repeating: bS), recentering + offset)
                    store(s, rescaling + offset)
                }
                i += 8
            }
            while i < h {
                let y = (x[i] - muS) * invS
                let d = (alpha == nil ? upstream(i, y) : dx[i]) * aS
                let s = betaS * y
                dx[i] = d + bS + s
                if let (direct, recentering, rescaling) = buffers.parts {
                    direct[row * h + i] = d
                    recentering[row * h + i] = bS
                    rescaling[row * h + i] = s
                }
                i += 1
            }
            if let rowSums = buffers.rowSums {
                NormRowSums(
                    sumU: sums.u, sumU2: sums.u2, sumUY: sums.uy, sumY: values[3], sumY2: values[4], a: a, b: b,
                    beta: beta
                ).store(rowSums + row * NormRowSums.count)
            }
        }
    }
}
