"""normscope.torch against the golden values the Swift layers are tested with (Tests/LayersTests/Fixtures,
norm_fixtures.json, written by make_norm_fixtures.py from NumPy re-implementations of each preset's reference code,
gradients by finite differences): the same input, parameters and upstream gradient through an instrumented layer
give the same output and gradients as NormFixtureTests.swift requires of NormLayer, to the same tolerances. For
ScaleNorm and DyT the recorded statistics are checked too, against NumPy on the fixture's own gradient: the two
engines then agree on what a trace of either holds."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: more threads only contend for this machine's cores

from normscope import _schema  # noqa: E402
from normscope.torch import InstrumentedNorm, preset_plan  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "Tests" / "LayersTests" / "Fixtures" / "norm_fixtures.json"
ENTRIES = json.loads(FIXTURES.read_text(encoding="utf-8"))["fixtures"]
# NormFixtureTests.swift's bounds on ‖a − b‖∞ / max(‖b‖∞, 1): the fixtures' gradients are finite differences,
# accurate to about 1e-9; in float32 both engines round at each element.
TOLERANCE = {torch.float64: {"output": 1e-12, "gradient": 1e-8}, torch.float32: {"output": 1e-5, "gradient": 1e-5}}


def _error(actual: torch.Tensor, expected) -> float:
    expected = np.asarray(expected, dtype=np.float64).ravel()
    difference = np.abs(actual.detach().to(torch.float64).numpy().ravel() - expected).max()
    return float(difference / max(1.0, np.abs(expected).max()))


def _run(entry, dtype):
    """The fixture through an instrumented layer of its preset, recording its statistics: (layer, output, x, the
    probe's grad row)."""
    plan = preset_plan(entry["preset"], epsilon=entry["epsilon"])
    layer = InstrumentedNorm(plan, (entry["width"],), dtype=dtype)
    with torch.no_grad():
        for name in ("gain", "bias", "alpha"):
            parameter = getattr(layer, "weight" if name == "gain" else name)
            assert (parameter is None) == (entry.get(name) is None), (entry["preset"], name)
            if parameter is not None:
                parameter.copy_(torch.tensor(entry[name], dtype=dtype).reshape(parameter.shape))
    shape = (entry["rows"], entry["width"])
    x = torch.tensor(entry["x"], dtype=dtype).reshape(shape).requires_grad_(True)
    layer.probe.recording = True
    output = layer(x)
    output.backward(torch.tensor(entry["grad_output"], dtype=dtype).reshape(shape))
    vector, pieces = layer.probe.pending()
    return layer, output, x, layer.probe.record(0, vector.numpy(), pieces).grad


def test_the_fixtures_cover_every_declared_preset():
    assert {entry["preset"] for entry in ENTRIES} == set(_schema.PRESETS)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["preset"] for entry in ENTRIES])
def test_outputs_and_gradients_equal_the_swift_fixtures(entry, dtype):
    layer, output, x, _ = _run(entry, dtype)
    bounds = TOLERANCE[dtype]
    assert _error(output, entry["output"]) <= bounds["output"]
    assert _error(x.grad, entry["grad_input"]) <= bounds["gradient"]
    for name, parameter in (("grad_gain", layer.weight), ("grad_bias", layer.bias), ("grad_alpha", layer.alpha)):
        if name in entry:
            assert _error(parameter.grad, entry[name]) <= bounds["gradient"], name


def _reductions(values: np.ndarray, name: str) -> dict:
    """TRACE_FORMAT.md's three reductions of one part (rows × H)."""
    return {f"{name}_norm": math.sqrt((values ** 2).sum()), f"{name}_rowmean_abs": np.abs(values.mean(1)).mean(),
            f"{name}_rowvar": values.var(1).mean()}


@pytest.mark.parametrize("preset", ["scalenorm", "dyt"])
def test_recorded_statistics_equal_numpy_on_the_fixtures(preset):
    """The grad row of the fixture's step, in float64, against NumPy from the fixture's gradient t: DyT's is all
    direct part (d = t = u, c = s = 0), α is the fixture's, the saturated share that of |α·x| > 2; ScaleNorm's
    direct part is g·gₒ/(‖x‖ + ε), c = 0 and s = t − d, D = ‖x‖ + ε, and g is |g| and g."""
    entry = next(entry for entry in ENTRIES if entry["preset"] == preset)
    _, _, _, grad = _run(entry, torch.float64)
    shape = (entry["rows"], entry["width"])
    x = np.asarray(entry["x"]).reshape(shape)
    g = np.asarray(entry["grad_output"]).reshape(shape)
    t = np.asarray(entry["grad_input"]).reshape(shape)
    gain = np.asarray(entry["gain"])
    if preset == "dyt":
        alpha = entry["alpha"][0]
        upstream, direct, rescale, denominator = t, t, np.zeros(shape), np.ones(shape[0])
        share = float((np.abs(alpha * x) > 2).mean())
        assert 0 < share < 1  # the fixture's big row reaches tanh's saturated region
        assert grad["alpha"] == alpha and grad["saturated_share"] == share
    else:
        denominator = np.linalg.norm(x, axis=1) + entry["epsilon"]
        upstream = gain[0] * g
        direct = upstream / denominator[:, None]
        rescale = t - direct
        assert math.isnan(grad["alpha"]) and math.isnan(grad["saturated_share"])
    expected = {**_reductions(t, "total"), **_reductions(direct, "direct"),
                **_reductions(np.zeros(shape), "recenter"), **_reductions(rescale, "rescale"),
                **_reductions(upstream, "upstream"), "direct_plus_recenter_rowvar": direct.var(1).mean(),
                "cos_total_direct": float((t * direct).sum() / (np.linalg.norm(t) * np.linalg.norm(direct))),
                "mean_mu": 0.0, "mean_sigma": denominator.mean(), "gain_norm": np.linalg.norm(gain),
                "gain_mean": gain.mean(), "gain_grad_norm": np.linalg.norm(entry["grad_gain"])}
    for name, value in expected.items():
        assert grad[name] == pytest.approx(value, rel=1e-7, abs=1e-12), name
    assert grad["recenter_norm"] == 0 and (grad["rescale_norm"] == 0) == (preset == "dyt")


def _abs_mean_over_std(rows: np.ndarray) -> float:
    """METHODS.md, "How much the forward pass re-centres", in NumPy: |μ|/σ per row (population σ, no ε), constant
    rows left out, NaN when none is left."""
    mu, sigma = rows.mean(axis=1), rows.std(axis=1)
    kept = sigma > 0
    return float(np.mean(np.abs(mu[kept]) / sigma[kept])) if kept.any() else math.nan


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: f"{entry['preset']}-H{entry['width']}")
def test_abs_mean_over_std_on_the_fixtures(entry, dtype):
    """The recorded abs_mean_over_std is NumPy's on the fixture's input as the layer saw it (rounded to ``dtype``),
    for every preset: ForwardCenteringTests.swift holds NormLayer to the same definition on inputs of its own, and
    NormFixtureTests.swift on these same fixtures, so a trace of either engine holds the same value."""
    _, _, x, grad = _run(entry, dtype)
    expected = _abs_mean_over_std(x.detach().to(torch.float64).numpy())
    assert grad["abs_mean_over_std"] == pytest.approx(expected, rel=1e-12)


def test_abs_mean_over_std_leaves_out_constant_rows():
    """A constant row (σ = 0) is left out of the mean, NaN-free; a step of constant rows only records NaN."""
    plan = preset_plan("layernorm-simple")
    for rows, expected in (([[0.3] * 9, [0.3] * 8 + [1.2]], 0.4 / math.sqrt(0.08)), ([[0.3] * 9] * 3, math.nan)):
        layer = InstrumentedNorm(plan, (9,), dtype=torch.float64)
        layer.probe.recording = True
        x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
        layer(x).sum().backward()
        vector, pieces = layer.probe.pending()
        recorded = layer.probe.record(0, vector.numpy(), pieces).grad["abs_mean_over_std"]
        assert (math.isnan(recorded) and math.isnan(expected)) or recorded == pytest.approx(expected, rel=1e-12)


def test_abs_mean_over_std_is_nan_when_a_row_is_not_finite():
    """A step with a row that holds NaN or ±inf records NaN, as ForwardCentering.swift does, not the mean of the
    rows that happen to be left: that would read as a measurement of a step that blew up."""
    from normscope.torch._functions import forward_centering
    for bad in (math.nan, math.inf):
        rows = torch.tensor([[0.3] * 8 + [1.2], [1.0, 2.0, 3.0] * 3, [bad] + [0.5] * 8], dtype=torch.float64)
        total, kept = forward_centering(rows).tolist()
        assert math.isnan(total), (bad, total, kept)
