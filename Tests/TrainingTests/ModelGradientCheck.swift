import Layers
import Tensors
import Training

// The whole-model gradient check: a model's hand-written backward against central differences of its mean softmax
// cross-entropy loss, on a seeded sample of each parameter's coordinates so that the check stays fast.

/// The mean softmax cross-entropy of the evaluation-mode logits: the function the finite differences probe.
func meanLoss<M: Model>(_ model: M, _ input: ModelInput<Double>, _ targets: [Int]) -> Double where M.Scalar == Double {
    SoftmaxCrossEntropy<Double>().evaluate(model.forward(input, mode: .evaluation), targets: targets).loss
}

/// `‖a − b‖∞ / max(‖b‖∞, floor)`: the largest difference relative to the largest reference magnitude.
///
/// Per-coordinate relative errors blow up where the true gradient is near zero, so the scale is the whole sample's.
/// The floor covers gradients that are zero in exact arithmetic (attention's key bias, which the softmax cancels):
/// there both sides are rounding noise, so their difference is measured against the floor instead.
func gradientError(_ a: [Double], _ reference: [Double], floor: Double = 1e-3) -> Double {
    precondition(a.count == reference.count, "gradientError expects equal counts, got \(a.count), \(reference.count)")
    let scale = reference.reduce(0) { max($0, abs($1)) }
    let difference = zip(a, reference).reduce(0) { max($0, abs($1.0 - $1.1)) }
    return difference / max(scale, floor)
}

/// The central difference `(f(v + h) − f(v − h)) / 2h` in one coordinate, with `h` relative to the coordinate.
///
/// - Parameters:
///   - f: The loss, read after `set` has written the perturbed value.
///   - value: The coordinate's current value.
///   - set: Writes a value into the coordinate.
func centralDifference(_ f: () -> Double, at value: Double, set: (Double) -> Void, step: Double = 1e-5) -> Double {
    let h = step * max(1, abs(value))
    set(value + h)
    let plus = f()
    set(value - h)
    let minus = f()
    set(value)
    return (plus - minus) / ((value + h) - (value - h))
}

/// Up to `count` distinct indices below `total`, reproducibly; all of them when there are at most `count`.
func sampledIndices(_ total: Int, count: Int, random: inout SeededRandom) -> [Int] {
    total <= count ? Array(0..<total) : Array(random.permutation(count: total).prefix(count)).sorted()
}

/// The error of each parameter's (and, when `backwardToInput` returns one, the input's) analytic gradient against
/// central differences, on up to `samples` coordinates of each.
///
/// The analytic side is one training forward pass, ``SoftmaxCrossEntropy`` and the model's backward from zeroed
/// gradients. The numeric side perturbs one coordinate at a time and re-evaluates the loss:
///
/// - without `replica`, by an evaluation pass of `model`, which equals a training pass when dropout is 0;
/// - with `replica`, by the first training pass of a new model with `model`'s current parameter values. A replica
///   built from the same seed as a still-unused `model` draws the same dropout masks, so the difference quotient
///   differentiates the very function the backward pass differentiated, masks included.
///
/// - Parameters:
///   - model: A Double model; with dropout, one that has not run a training pass yet.
///   - input: The minibatch.
///   - targets: One class per row of logits.
///   - samples: The number of coordinates checked per parameter.
///   - replica: Builds a model equal to `model` before its first training pass; needed when dropout is not 0.
///   - backwardToInput: Runs the model's backward and returns the input gradient, if the input has one.
/// - Returns: `(name, error)` per parameter in ``Model/namedParameters`` order, then `("input", error)`.
func modelGradientErrors<M: Model>(
    _ model: M,
    input: ModelInput<Double>,
    targets: [Int],
    samples: Int = 20,
    replica: (() -> M)? = nil,
    backwardToInput: (M, Matrix<Double>) -> Matrix<Double>?
) -> [(name: String, error: Double)] where M.Scalar == Double {
    let named = model.namedParameters
    for (_, parameter) in named { parameter.zeroGradient() }
    let logits = model.forward(input, mode: .training)
    let gradInput = backwardToInput(model, SoftmaxCrossEntropy<Double>().evaluate(logits, targets: targets).gradLogits)

    func loss(_ input: ModelInput<Double>) -> Double {
        guard let replica else { return meanLoss(model, input, targets) }
        let copy = replica()
        for (source, target) in zip(named, copy.namedParameters) { target.parameter.value = source.parameter.value }
        return SoftmaxCrossEntropy<Double>().evaluate(copy.forward(input, mode: .training), targets: targets).loss
    }

    var random = SeededRandom(seed: 2024)
    var errors: [(name: String, error: Double)] = []
    for (name, parameter) in named {
        let indices = sampledIndices(parameter.count, count: samples, random: &random)
        let numeric = indices.map { i in
            centralDifference(
                { loss(input) }, at: parameter.value.scalars[i], set: { parameter.value.scalars[i] = $0 })
        }
        errors.append((name, gradientError(indices.map { parameter.gradient.scalars[$0] }, numeric)))
    }
    if let gradInput, case .features(let x) = input {
        var point = x
        let indices = sampledIndices(x.count, count: samples, random: &random)
        let numeric = indices.map { i in
            centralDifference({ loss(.features(point)) }, at: x.scalars[i], set: { point.scalars[i] = $0 })
        }
        errors.append(("input", gradientError(indices.map { gradInput.scalars[$0] }, numeric)))
    }
    return errors
}

/// Every parameter's value, in order, for comparing two models.
func parameterValues<M: Model>(_ model: M) -> [Matrix<M.Scalar>] {
    model.namedParameters.map(\.parameter.value)
}
