"""normscope.torch's autograd Functions and instrument(): every variant's backward against finite differences of
its forward (with what it detaches held constant), the parts adding up to the whole, the statistics against a
direct NumPy computation from the materialized parts, and preset=None layers against the modules they replace."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: more threads only contend for this machine's cores

from normscope import _schema  # noqa: E402
from normscope.torch import (InstrumentedNorm, NormClass, NormFunction, VariantError, instrument,  # noqa: E402
                             preset_plan, split)
from normscope.torch._variants import NormPlan  # noqa: E402

# Every declared preset this module implements, in both σ conventions where the preset normalizes, and AdaNorm with
# its factor kept in backward: the variants a trace can record.
VARIANTS = []
for _name in _schema.PRESETS:
    try:
        _plan = preset_plan(_name)
    except VariantError:
        continue
    for _convention in ("torch", "paper") if _plan.normalizes else (_plan.convention,):
        VARIANTS.append(pytest.param(_name, {"convention": _convention}, id=f"{_name}-{_convention}"))
VARIANTS.append(pytest.param("adanorm", {"adanorm_detached": False}, id="adanorm-undetached"))
VARIANTS.append(pytest.param("layernorm", {"epsilon": 0.0}, id="layernorm-eps0"))


def test_every_declared_preset_is_implemented():
    """The variants above skip what this module refuses: that must be nothing (a schema key it did not know once
    refused every preset, and the checks above then checked nothing); a choice it does not know is still refused
    by name."""
    implemented = {param.values[0] for param in VARIANTS}
    assert implemented == set(_schema.PRESETS)
    with pytest.raises(VariantError, match="transform .sigmoid. is not one normscope.torch implements"):
        NormPlan(transform="sigmoid")


def _reference(plan: NormPlan, x, weight, bias, frozen=None, alpha=None):
    """The variant's forward written out in plain torch (METHODS.md), with the statistics its backward detaches
    taken from ``frozen`` (their values at another input) so that its Jacobian is the detached backward's."""
    h = x.shape[-1]
    if not plan.normalizes:
        if not plan.squashes:
            return x, {}
        # DyT, as the official DynamicTanh: tanh(α·x) ⊙ γ + β; no statistic (μ = 0, D = 1 as recorded).
        z = torch.tanh(alpha * x)
        z = z if weight is None else z * weight
        return (z if bias is None else z + bias), {"mu": torch.zeros_like(x[..., :1]),
                                                   "denominator": torch.ones_like(x[..., :1])}
    mu = x.mean(-1, keepdim=True) if plan.centered else torch.zeros_like(x[..., :1])
    if frozen is not None and plan.detach_mean and plan.centered:
        mu = frozen["mu"]
    centred = x - mu
    eps = plan.epsilon
    if plan.length_spread:  # ScaleNorm: the row's length, ε added to it (paper) or under the root (torch)
        length = centred.square().sum(-1, keepdim=True)
        denominator = (length + eps).sqrt() if plan.convention == "torch" else length.sqrt() + eps
    elif plan.convention == "torch":
        denominator = (centred.square().mean(-1, keepdim=True) + eps).sqrt()
    elif plan.centered:
        denominator = centred.square().sum(-1, keepdim=True).div(h - 1).sqrt() + eps
    else:
        denominator = centred.square().mean(-1, keepdim=True).sqrt() + eps
    if frozen is not None and plan.detach_std:
        denominator = frozen["denominator"]
    y = centred / denominator
    z = y
    phi = None
    if plan.is_adaptive:
        phi = plan.adanorm_scale * (1 - plan.adanorm_k * y)
        if frozen is not None and plan.adaptive == "adanorm":
            phi = frozen["phi"]
        z = phi * y
    if weight is not None:
        z = z * weight
    if bias is not None:
        z = z + bias
    return z, {"mu": mu.detach(), "denominator": denominator.detach(),
               "phi": None if phi is None else phi.detach()}


def _inputs(plan: NormPlan, rows=3, width=5, dtype=torch.float64, seed=0):
    """x, γ (one value for a scalar gain), β and DyT's α (large enough that some |α·x| > 2)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, width, dtype=dtype, generator=generator) * 2 + 0.5
    weight = (torch.rand(1 if plan.scalar_gain else width, dtype=dtype, generator=generator) + 0.5) \
        if plan.has_gain else None
    bias = torch.randn(width, dtype=dtype, generator=generator) if plan.has_bias else None
    alpha = torch.rand(1, dtype=dtype, generator=generator) + 0.5 if plan.squashes else None
    return x, weight, bias, alpha


def _apply(plan, probe=None, record_forward=False):
    def call(x, w, b, alpha=None):
        extra = (alpha,) if alpha is not None else ()
        return NormFunction.apply(x, w, b, plan, probe, record_forward, *extra)
    return call


@pytest.mark.parametrize("preset,overrides", VARIANTS)
def test_backward_matches_finite_differences(preset, overrides):
    """The Function's Jacobian (from its backward) equals central differences of the forward with the detached
    statistics held at their values: gradcheck itself where nothing is detached."""
    plan = preset_plan(preset, **overrides)
    x, weight, bias, alpha = _inputs(plan)
    forward = _apply(plan)
    reference, frozen = _reference(plan, x, weight, bias, alpha=alpha)
    assert torch.allclose(forward(x, weight, bias, alpha), reference, atol=1e-12, rtol=1e-12)
    detaches = plan.detach_mean or plan.detach_std or plan.adaptive == "adanorm"
    if not detaches:
        inputs = tuple(t.clone().requires_grad_(True) for t in (x, weight, bias, alpha) if t is not None)

        def call(*args):
            it = iter(args)
            return forward(next(it), next(it) if weight is not None else None, next(it) if bias is not None else None,
                           next(it) if alpha is not None else None)
        assert torch.autograd.gradcheck(call, inputs, eps=1e-6, atol=1e-6)
    if plan.squashes:  # some elements in tanh's saturated region, some not
        assert 0 < int(((alpha * x).abs() > 2).sum()) < x.numel()
    # The Jacobian with respect to x, row by row of the output, from the backward pass.
    xr = x.clone().requires_grad_(True)
    out = forward(xr, weight, bias, alpha)
    analytic = torch.stack([torch.autograd.grad(out.reshape(-1)[i], xr, retain_graph=True)[0].reshape(-1)
                            for i in range(out.numel())])
    numeric = torch.zeros_like(analytic)
    step = 1e-6
    for j in range(x.numel()):
        shift = torch.zeros(x.numel(), dtype=x.dtype)
        shift[j] = step
        shift = shift.reshape(x.shape)
        plus, _ = _reference(plan, x + shift, weight, bias, frozen, alpha)
        minus, _ = _reference(plan, x - shift, weight, bias, frozen, alpha)
        numeric[:, j] = ((plus - minus) / (2 * step)).reshape(-1)
    assert torch.allclose(analytic, numeric, atol=1e-6, rtol=1e-6), (analytic - numeric).abs().max()


@pytest.mark.parametrize("preset,overrides", VARIANTS)
def test_parts_add_up_to_the_gradient(preset, overrides):
    """t = d + c + s is the backward's gradient; a detached statistic's part is exactly 0; RMS and ScaleNorm have no
    c; DyT's whole gradient is d."""
    plan = preset_plan(preset, **overrides)
    x, weight, bias, alpha = _inputs(plan, rows=4, width=6)
    g = torch.randn_like(x)
    xr = x.clone().requires_grad_(True)
    _apply(plan)(xr, weight, bias, alpha).backward(g)
    parts = split(plan, x, g, weight, alpha)
    assert torch.allclose(parts.total, xr.grad, atol=1e-13, rtol=0)
    if not plan.has_recentering:
        assert torch.count_nonzero(parts.recenter) == 0
    if not plan.has_rescaling:
        assert torch.count_nonzero(parts.rescale) == 0
    if plan.has_recentering:  # Theorem 1: keeping the mean's derivative makes every row of t sum to 0
        assert parts.total.sum(-1).abs().max() < 1e-12


def _numpy_statistics(parts, rows_width):
    """TRACE_FORMAT.md's reductions of t, d, c, s, u computed directly from the materialized parts."""
    arrays = {"total": parts.total, "direct": parts.direct, "recenter": parts.recenter, "rescale": parts.rescale,
              "upstream": parts.upstream}
    out = {}
    for name, tensor in arrays.items():
        v = tensor.detach().to(torch.float64).numpy().reshape(-1, rows_width)
        out[f"{name}_norm"] = math.sqrt((v ** 2).sum())
        out[f"{name}_rowmean_abs"] = np.abs(v.mean(axis=1)).mean()
        out[f"{name}_rowvar"] = v.var(axis=1).mean()
    dc = (parts.direct + parts.recenter).to(torch.float64).numpy().reshape(-1, rows_width)
    out["direct_plus_recenter_rowvar"] = dc.var(axis=1).mean()
    t = parts.total.to(torch.float64).numpy().ravel()
    d = parts.direct.to(torch.float64).numpy().ravel()
    out["cos_total_direct"] = float(t @ d / (np.linalg.norm(t) * np.linalg.norm(d)))
    return out


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("preset,overrides", VARIANTS)
def test_statistics_equal_numpy_on_materialized_parts(preset, overrides, dtype):
    """The probe's closed-form float64 reductions equal NumPy's over the parts, summed over two calls in one step
    (a layer used twice); the forward's μ, D and Φ's histogram equal direct computations."""
    plan = preset_plan(preset, **overrides)
    layer = InstrumentedNorm(plan, (8,), dtype=dtype)
    generator = torch.Generator().manual_seed(3)
    if layer.weight is not None:
        with torch.no_grad():
            layer.weight.copy_(torch.rand(layer.weight.shape, generator=generator, dtype=dtype) + 0.5)
    layer.probe.recording = True
    layer.probe.phi_wanted = True
    xs = [torch.randn(2, 3, 8, generator=generator, dtype=dtype) * 3 for _ in range(2)]
    gs = [torch.randn(2, 3, 8, generator=generator, dtype=dtype) for _ in range(2)]
    for x, g in zip(xs, gs):
        layer(x.requires_grad_(True)).backward(g)
    vector, pieces = layer.probe.pending()
    record = layer.probe.record(7, vector.cpu().numpy(), pieces)
    grad = record.grad
    weight = None if layer.weight is None else layer.weight.detach()
    alpha = None if layer.alpha is None else layer.alpha.detach()
    materialized = [split(plan, x.detach(), g, weight, alpha) for x, g in zip(xs, gs)]
    joined = type(materialized[0])(*(torch.cat([p[i].reshape(-1, 8) for p in materialized]) for i in range(4)))
    expected = _numpy_statistics(joined, 8)
    tolerance = 1e-10 if dtype == torch.float64 else 2e-5
    assert grad["step"] == 7 and grad["rows"] == 12 and grad["width"] == 8
    for name, value in expected.items():
        assert grad[name] == pytest.approx(value, rel=tolerance, abs=1e-12 if dtype == torch.float64 else 1e-6), name
    assert grad["recenter_ratio"] == grad["total_rowmean_abs"] / grad["direct_rowmean_abs"]
    assert grad["recenter_share"] == grad["recenter_norm"] / grad["direct_norm"]
    # The forward: μ and the denominator each row was divided by.
    rows = torch.cat([x.detach().reshape(-1, 8) for x in xs]).to(torch.float64)
    wide_alpha = None if alpha is None else alpha.to(torch.float64)
    _, frozen = _reference(plan, rows, None, None, alpha=wide_alpha)
    if plan.transforms:
        assert grad["mean_mu"] == pytest.approx(float(frozen["mu"].mean()), rel=1e-9, abs=1e-12)
        assert grad["mean_sigma"] == pytest.approx(float(frozen["denominator"].mean()), rel=1e-6)
    if plan.squashes:  # α as the pass used it; the share of |α·x| > 2 over both calls' elements
        assert grad["alpha"] == float(alpha) and grad["alpha"] == 0.5
        share = float(((wide_alpha * rows).abs() > 2).to(torch.float64).mean())
        assert 0 < share < 1 and grad["saturated_share"] == pytest.approx(share, rel=1e-12)
        assert grad["recenter_norm"] == 0 and grad["rescale_norm"] == 0
    else:
        assert math.isnan(grad["alpha"]) and math.isnan(grad["saturated_share"])
    if weight is not None:
        assert grad["gain_norm"] == pytest.approx(float(weight.to(torch.float64).norm()), rel=1e-12)
        assert grad["gain_mean"] == pytest.approx(float(weight.to(torch.float64).mean()), rel=1e-12)
        per_feature = sum((g.reshape(-1, 8).to(torch.float64) * _reference(
            plan, x.detach().reshape(-1, 8).to(torch.float64), None, None, alpha=wide_alpha)[0]).sum(0)
            for x, g in zip(xs, gs))
        expected_gain_grad = per_feature.sum().abs() if plan.scalar_gain else per_feature.norm()
        assert grad["gain_grad_norm"] == pytest.approx(float(expected_gain_grad), rel=1e-5)
    else:
        assert math.isnan(grad["gain_norm"]) and math.isnan(grad["bias_grad_norm"])
    if plan.is_adaptive:
        phi_row, counts = record.phi
        y = (rows - frozen["mu"]) / frozen["denominator"]
        phi = (plan.adanorm_scale * (1 - plan.adanorm_k * y)).numpy().ravel()
        assert counts.sum() == phi.size
        edges = np.array(layer.probe.phi_bins.edges)
        inner, _ = np.histogram(phi[(phi >= edges[0]) & (phi < edges[-1])], bins=edges)
        assert counts[0] == (phi < edges[0]).sum() and counts[-1] == (phi >= edges[-1]).sum()
        assert np.abs(counts[1:-1] - inner).sum() <= 2  # an element on an edge may round to either side
        assert phi_row["mean"] == pytest.approx(phi.mean(), rel=1e-6)
        assert phi_row["sd"] == pytest.approx(phi.std(), rel=1e-4)
        assert phi_row["min"] == pytest.approx(phi.min(), rel=1e-6)
        assert phi_row["max"] == pytest.approx(phi.max(), rel=1e-6)
        assert phi_row["mean"] == pytest.approx(plan.adanorm_scale, rel=1e-6)  # ⟨Φ⟩ = C for centred rows
        assert phi_row["min"] <= phi_row["q01"] <= phi_row["q50"] <= phi_row["q99"] <= phi_row["max"]
    else:
        assert record.phi is None


def _modules(dtype):
    generator = torch.Generator().manual_seed(11)

    def randomized(module):
        with torch.no_grad():
            for parameter in module.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=dtype))
        return module
    made = [randomized(torch.nn.LayerNorm(6, dtype=dtype)), randomized(torch.nn.LayerNorm(6, eps=1e-3, dtype=dtype,
                                                                                           bias=False)),
            torch.nn.LayerNorm(6, elementwise_affine=False, dtype=dtype),
            randomized(torch.nn.LayerNorm((2, 3), dtype=dtype))]
    if hasattr(torch.nn, "RMSNorm"):
        made += [randomized(torch.nn.RMSNorm(6, dtype=dtype)), torch.nn.RMSNorm(6, eps=1e-4, dtype=dtype,
                                                                              elementwise_affine=False)]
    return made


class LlamaRMSNorm(torch.nn.Module):
    """The RMSNorm of LLaMA-style code (Hugging Face's LlamaRMSNorm), a class torch.nn does not know."""

    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        return self.weight * (hidden_states * torch.rsqrt(variance + self.variance_epsilon))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_preset_none_keeps_each_layers_behaviour(dtype):
    """Outputs, input gradients and parameter gradients equal the original module's; the parameters are the same
    objects and the state_dict keeps its keys."""
    tolerance = {"atol": 1e-5, "rtol": 1e-5} if dtype == torch.float32 else {"atol": 1e-12, "rtol": 1e-12}
    originals = _modules(dtype)
    custom = LlamaRMSNorm(6).to(dtype)
    with torch.no_grad():
        custom.weight.uniform_(0.5, 1.5)
    originals.append(custom)
    for original in originals:
        reference = copy.deepcopy(original)
        model = torch.nn.Sequential(original)
        keys = list(model.state_dict())
        parameters = [id(p) for p in model.parameters()]
        names = instrument(model, classes=[NormClass(LlamaRMSNorm, kind="rmsnorm", eps="variance_epsilon")])
        assert names == ["0"] and isinstance(model[0], InstrumentedNorm), original
        assert list(model.state_dict()) == keys and [id(p) for p in model.parameters()] == parameters
        shape = (4, 3) + tuple(getattr(original, "normalized_shape", (6,)))
        x = torch.randn(shape, dtype=dtype, requires_grad=True)
        xr = x.detach().clone().requires_grad_(True)
        out, expected = model(x), reference(xr)
        assert torch.allclose(out, expected, **tolerance), original
        g = torch.randn_like(out)
        out.backward(g)
        expected.backward(g)
        assert torch.allclose(x.grad, xr.grad, **tolerance), original
        for mine, theirs in zip(model.parameters(), reference.parameters()):
            assert torch.allclose(mine.grad, theirs.grad, **tolerance), original


def test_instrument_with_a_preset_and_its_refusals():
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.LayerNorm(6), torch.nn.ReLU(),
                                torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.LayerNorm(6)))
    shared = torch.nn.LayerNorm(6)
    model.append(shared)
    model.append(shared)  # one layer at two places: one instrumented layer, named by its first place
    before = list(model.named_modules())
    with pytest.raises(VariantError, match="not a declared preset"):
        instrument(model, preset="layer-norm")
    with pytest.raises(VariantError, match="pass preset="):
        instrument(model, epsilon=1e-6)
    with pytest.raises(VariantError, match="apply to a variant with Φ"):
        instrument(model, preset="layernorm", adanorm_scale=1.0)
    assert list(model.named_modules()) == before  # nothing replaced by a refused call
    names = instrument(model, preset="adanorm", adanorm_scale=1.5)
    assert names == ["1", "3.1", "4"]
    assert model[4] is model[5]
    layer = model[1]
    assert layer.plan.adaptive == "adanorm" and layer.plan.adanorm_scale == 1.5 and layer.weight is None
    assert instrument(model) == []  # already instrumented
    rms = torch.nn.Sequential(LlamaRMSNorm(6))
    instrument(rms, preset="layernorm", classes=[NormClass(LlamaRMSNorm, eps="variance_epsilon")])
    assert torch.equal(rms[0].bias.detach(), torch.zeros(6))  # a bias the layer lacked starts at 0
    with pytest.raises(VariantError, match="no attribute 'eps'"):
        instrument(torch.nn.Sequential(LlamaRMSNorm(6)), classes=[NormClass(LlamaRMSNorm)])


def test_instrument_as_scalenorm_and_dyt():
    """ScaleNorm's gain is one new scalar g at √H (a LayerNorm's per-feature weight is not taken for it); DyT has a
    learned α of shape (1,) at 0.5, registered first as DynamicTanh does, and takes over γ and β; an optimizer
    built after instrumenting moves g and α."""
    model = torch.nn.Sequential(torch.nn.Sequential(torch.nn.Linear(4, 9), torch.nn.LayerNorm(9)),
                                torch.nn.Sequential(torch.nn.Linear(9, 9), torch.nn.LayerNorm(9)),
                                torch.nn.Linear(9, 2))
    gamma = model[1][1].weight
    instrument(model[0], preset="scalenorm")
    instrument(model[1], preset="dyt")
    scale, dyt = model[0][1], model[1][1]
    assert [name for name, _ in scale.named_parameters()] == ["weight"]
    assert scale.weight.shape == () and scale.weight.item() == 3.0 and scale.alpha is None
    assert [name for name, _ in dyt.named_parameters()] == ["alpha", "weight", "bias"]
    assert dyt.alpha.shape == (1,) and dyt.alpha.item() == 0.5 and dyt.weight is gamma
    before = (scale.weight.item(), dyt.alpha.item())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.randn(6, 4, generator=torch.Generator().manual_seed(0))).square().sum().backward()
    optimizer.step()
    assert scale.weight.item() != before[0] and dyt.alpha.item() != before[1]
    with pytest.raises(ValueError, match="needs its alpha"):
        NormFunction.apply(torch.zeros(2, 9), None, None, dyt.plan, None, False)


def test_a_fused_transformer_layer_does_not_bypass_the_variant():
    """torch.nn.TransformerEncoderLayer computes LayerNorm itself on its inference fast path (eval mode, no grad),
    from norm1.weight and norm1.eps: an instrumented layer must keep it from doing so, or AdaNorm would silently be
    plain LayerNorm there."""
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(16, 2, 32, batch_first=True, dropout=0.0)
    instrument(torch.nn.Sequential(layer), preset="adanorm")
    layer.eval()
    x = torch.randn(2, 5, 16)
    expected = layer(x)  # with grad enabled: never the fast path
    with torch.no_grad():
        assert torch.allclose(layer(x), expected, atol=1e-6)
    assert layer.norm1.eps == 1e-5
