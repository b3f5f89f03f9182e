"""The normalization's forward pass and its backward pass split into direct, re-centering and re-scaling parts,
as one ``torch.autograd.Function`` per variant (a ``NormPlan``).

The formulas are NormKernel.swift's (analysis/METHODS.md, "The gradient split"). Per row of H features:

    forward:   y = (x − μ)/D,   v = Φ(y) ⊙ y (AdaNorm) or y,   z = tanh(α·v) (DyT) or v,
               h = γ ⊙ z + β (affine; ScaleNorm's γ one scalar g) or z
    backward:  u = γ ⊙ g, times C(1 − k'·y) for AdaNorm (k' = k detached, 2k undetached), times α(1 − z²) for DyT
               d = a·u,  c = b,  s = β·y   with  a = 1/D,  b = −⟨u⟩/D,  β = −κ⟨u ⊙ y⟩/σ̃
               ∂ℓ/∂x = d + c + s   (a detached statistic's coefficient is exactly 0)

D is σ̃ (or σ̃ + ε) with σ̃ the RMS of x − μ, or ScaleNorm's row length ‖x − μ‖ (κ = H then). DyT has no statistic
(y = x, D = 1): its whole gradient is the direct part, the other two exactly 0.

Row statistics (μ, the spread, 1/D, κ/σ̃, Σy, Σy²) are reduced in float64 whatever the input's dtype, as the Swift
kernels reduce in Double; elementwise work stays in the input's dtype, as theirs does in the element type.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Optional, Tuple

import torch
from torch.autograd.function import once_differentiable

from ._variants import NormPlan


class RowValues(NamedTuple):
    """Per row, in float64: μ, 1/D, κ/σ̃, Σy and Σy² (NormKernel's ``rowValues``)."""

    mu: torch.Tensor
    inverse: torch.Tensor
    rescale: torch.Tensor
    sum_y: torch.Tensor
    sum_y2: torch.Tensor


class Parts(NamedTuple):
    """The backward pass of one call, materialized: the gradient reaching y, and the three parts of ∂ℓ/∂x (the
    re-centering part broadcast over the row)."""

    upstream: torch.Tensor
    direct: torch.Tensor
    recenter: torch.Tensor
    rescale: torch.Tensor

    @property
    def total(self) -> torch.Tensor:
        return self.direct + self.recenter + self.rescale


def row_values(plan: NormPlan, rows: torch.Tensor) -> RowValues:
    """μ, 1/D and κ/σ̃ of each row of ``rows`` (R × H), from Σx and Σ(x − μ)² in float64 (NormPlan.rowConstants)."""
    h = rows.shape[-1]
    zeros = rows.new_zeros(rows.shape[0], dtype=torch.float64)
    if not plan.normalizes:
        ones = torch.ones_like(zeros)
        return RowValues(zeros, ones, zeros, zeros, zeros)
    wide = rows.to(torch.float64)
    total = wide.sum(dim=-1)
    mu = total / h if plan.centered else zeros
    q = (wide - mu[:, None]).square().sum(dim=-1)
    epsilon = plan.resolved_epsilon(rows.dtype)
    correction = 1.0
    if plan.length_spread:
        # σ̃ = ‖x̂‖: ∂σ̃/∂xᵢ = x̂ᵢ/σ̃, so the re-scaling part is −yᵢΣ(u ⊙ y)/σ̃ = −H·yᵢ⟨u ⊙ y⟩/σ̃, κ = H.
        spread = (q + epsilon).sqrt() if plan.convention == "torch" else q.sqrt()
        denominator = spread if plan.convention == "torch" else spread + epsilon
        correction = float(h)
    elif plan.convention == "torch":
        spread = (q / h + epsilon).sqrt()
        denominator = spread
    elif plan.centered:
        spread = (q / (h - 1)).sqrt()
        denominator = spread + epsilon
        correction = h / (h - 1)
    else:
        spread = (q / h).sqrt()
        denominator = spread + epsilon
    inverse = torch.where(denominator > 0, 1 / denominator, zeros)
    rescale = torch.where(spread > 0, correction / spread, zeros)
    return RowValues(mu, inverse, rescale, (total - h * mu) * inverse, q * inverse * inverse)


def forward_centering(rows: torch.Tensor) -> torch.Tensor:
    """How much the forward pass re-centres ``rows`` (R × H; METHODS.md, "How much the forward pass re-centres"), as
    two float64 sums on their device: Σ|μᵣ|/σᵣ over the rows with σᵣ > 0 (population σ, no ε, whatever the plan's
    convention: it describes the input) and how many such rows, so that several calls of one step add up. A row is
    constant (σᵣ = 0) when its elements are all equal — a rounded mean of a float64 row can leave deviations of
    1e-17 — as ForwardCentering.swift decides. A row holding a value that is not finite (a diverging step's) makes
    the sum NaN, so the step reads NaN rather than the mean of the rows that happen to be left."""
    wide = rows.to(torch.float64)
    mu = wide.sum(dim=-1) / rows.shape[-1]
    sigma = (wide - mu[:, None]).square().mean(dim=-1).sqrt()
    finite = torch.isfinite(wide).all(dim=-1)
    kept = finite & (rows.amax(dim=-1) != rows.amin(dim=-1)) & (sigma > 0)
    ratios = torch.where(kept, mu.abs() / torch.where(kept, sigma, torch.ones_like(sigma)), torch.zeros_like(sigma))
    blown = torch.where(finite.all(), torch.zeros((), dtype=torch.float64, device=rows.device),
                        torch.full((), math.nan, dtype=torch.float64, device=rows.device))
    return torch.stack([ratios.sum() + blown, kept.sum().to(torch.float64)])


def normalized(rows: torch.Tensor, values: RowValues) -> torch.Tensor:
    """y = (x − μ)/D in the input's dtype, from the float64 row values rounded to it, as the kernels do."""
    return (rows - values.mu.to(rows.dtype)[:, None]) * values.inverse.to(rows.dtype)[:, None]


def phi_factor(plan: NormPlan, y: torch.Tensor, slope: float) -> torch.Tensor:
    """C(1 − slope·y) in y's dtype: Φ(y) with slope k; the factor on the upstream gradient with k'."""
    return plan.adanorm_scale - (plan.adanorm_scale * slope) * y


def squash_input(plan: NormPlan, y: torch.Tensor) -> torch.Tensor:
    """v, the value DyT's tanh takes (or the output before the affine transform without it): Φ(y) ⊙ y or y."""
    return phi_factor(plan, y, plan.adanorm_k) * y if plan.is_adaptive else y


def forward_output(plan: NormPlan, y: torch.Tensor, weight: Optional[torch.Tensor], bias: Optional[torch.Tensor],
                   alpha: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """h = γ ⊙ z + β with z = tanh(α·v) under DyT, else v (v = Φ(y) ⊙ y or y); returns (h, z)."""
    z = squash_input(plan, y)
    if plan.squashes:
        assert alpha is not None, "DyT needs its α"
        z = torch.tanh(alpha * z)
    out = z
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out, z


def coefficients(plan: NormPlan, u: torch.Tensor, y: torch.Tensor,
                 values: RowValues) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per row, in float64: a, b, β of the parts d = a·u, c = b, s = β·y, with Σu and Σu·y they come from."""
    h = u.shape[-1]
    wide_u = u.to(torch.float64)
    sum_u = wide_u.sum(dim=-1)
    sum_uy = (wide_u * y.to(torch.float64)).sum(dim=-1)
    a = values.inverse
    b = -(sum_u / h) * a if plan.has_recentering else torch.zeros_like(a)
    beta = -values.rescale * (sum_uy / h) if plan.has_rescaling else torch.zeros_like(a)
    return a, b, beta, sum_u, sum_uy


def tanh_slope(plan: NormPlan, y: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """1 − tanh(α·v)², tanh's derivative at DyT's input v, in y's dtype."""
    t = torch.tanh(alpha * squash_input(plan, y))
    return 1 - t * t


def upstream(plan: NormPlan, g: torch.Tensor, y: torch.Tensor, weight: Optional[torch.Tensor],
             alpha: Optional[torch.Tensor] = None) -> torch.Tensor:
    """u = ∂ℓ/∂y: γ ⊙ g, times C(1 − k'·y) for AdaNorm, times α(1 − tanh(α·v)²) for DyT."""
    u = g if weight is None else g * weight
    if plan.is_adaptive:
        u = u * phi_factor(plan, y, plan.backward_slope)
    if plan.squashes:
        assert alpha is not None, "DyT needs its α"
        u = u * (tanh_slope(plan, y, alpha) * alpha)
    return u


def parts_of(u: torch.Tensor, y: torch.Tensor, a: torch.Tensor, b: torch.Tensor, beta: torch.Tensor) -> Parts:
    """The parts d = a·u, c = b, s = β·y of rows (R × H) from their float64 coefficients, in u's dtype."""
    dtype = u.dtype
    direct = u * a.to(dtype)[:, None]
    return Parts(u, direct, b.to(dtype)[:, None].expand_as(direct), beta.to(dtype)[:, None] * y)


def split(plan: NormPlan, x: torch.Tensor, g: torch.Tensor, weight: Optional[torch.Tensor] = None,
          alpha: Optional[torch.Tensor] = None) -> Parts:
    """The parts of ∂ℓ/∂x for input ``x`` and upstream gradient ``g`` (both … × H), materialized, in x's dtype:
    what the Function's backward adds up, for tests and raw samples. ``weight`` is γ (H values, or ScaleNorm's one
    g), ``alpha`` DyT's α."""
    h = x.shape[-1]
    rows = x.reshape(-1, h)
    values = row_values(plan, rows)
    y = normalized(rows, values)
    u = upstream(plan, g.reshape(-1, h), y, None if weight is None else weight.reshape(-1),
                 None if alpha is None else alpha.reshape(-1))
    a, b, beta, _, _ = coefficients(plan, u, y, values)
    return Parts(*(part.reshape(x.shape) for part in parts_of(u, y, a, b, beta)))


class NormFunction(torch.autograd.Function):
    """One call of an instrumented normalization: ``NormFunction.apply(x, weight, bias, plan, probe, forward)``, and
    ``NormFunction.apply(x, weight, bias, plan, probe, forward, alpha)`` for a variant with DyT's tanh.

    ``x`` is … × H (H the product of the normalized shape, already flattened into the last axis); ``weight`` and
    ``bias`` are H-vectors or None, as the plan's affine transform has them (ScaleNorm's scalar gain: a one-element
    ``weight``); ``alpha`` is DyT's one-element α; ``probe`` (a ``LayerProbe`` or None) receives the step's
    statistics, reduced on x's device, when it is recording: the backward pass's always, the forward pass's when
    ``forward`` is true (the module decides, since inside ``forward`` autograd is off and the caller's mode cannot
    be seen). The backward pass is not itself differentiable (no double backward)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: Optional[torch.Tensor], bias: Optional[torch.Tensor],
                plan: NormPlan, probe: Any, record_forward: bool,
                alpha: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = x.shape[-1]
        rows = x.reshape(-1, h)
        values = row_values(plan, rows)
        y = normalized(rows, values)
        if plan.squashes and alpha is None:
            raise ValueError("a variant with DyT's tanh needs its alpha (NormFunction.apply's 7th argument)")
        out, _ = forward_output(plan, y, weight, bias, alpha)
        if probe is not None and record_forward:
            probe.add_forward(plan, values, forward_centering(rows), y if plan.is_adaptive else None,
                              _saturated(plan, y, alpha) if plan.squashes else None, alpha)
        ctx.plan = plan
        ctx.probe = probe
        ctx.save_for_backward(x, weight, bias, alpha, *values)
        return out.reshape(x.shape)

    @staticmethod
    @once_differentiable
    def backward(ctx: Any, grad_output: torch.Tensor) -> Tuple[Optional[torch.Tensor], ...]:
        x, weight, bias, alpha, *saved = ctx.saved_tensors
        plan: NormPlan = ctx.plan
        values = RowValues(*saved)
        h = x.shape[-1]
        rows = x.reshape(-1, h)
        g = grad_output.reshape(-1, h)
        y = normalized(rows, values)
        u = upstream(plan, g, y, weight, alpha)
        a, b, beta, sum_u, sum_uy = coefficients(plan, u, y, values)
        parts = parts_of(u, y, a, b, beta)
        grad_input = parts.direct + parts.recenter + parts.rescale
        # ∂ℓ/∂γ = Σ_rows g ⊙ z (over the features too for a scalar g), ∂ℓ/∂β = Σ_rows g, DyT's
        # ∂ℓ/∂α = Σ γ ⊙ g ⊙ (1 − z²) ⊙ v: summed in float64 as the kernels' Double sums.
        wide_g = g.to(torch.float64)
        gain_grad = None
        if weight is not None:
            gain_grad = (wide_g * forward_output(plan, y, None, None, alpha)[1].to(torch.float64)).sum(dim=0)
            if weight.numel() == 1:
                gain_grad = gain_grad.sum().reshape(1)
        bias_grad = wide_g.sum(dim=0) if bias is not None else None
        alpha_grad = None
        if alpha is not None and len(ctx.needs_input_grad) > 6 and ctx.needs_input_grad[6]:
            weighted = g if weight is None else g * weight
            alpha_grad = (weighted.to(torch.float64) * tanh_slope(plan, y, alpha).to(torch.float64)
                          * squash_input(plan, y).to(torch.float64)).sum().reshape(1)
        probe = ctx.probe
        if probe is not None and probe.records_backward():
            probe.add_backward(plan, parts, y, values, (a, b, beta, sum_u, sum_uy), weight, bias, gain_grad,
                               bias_grad)
        grads = (grad_input.reshape(x.shape),
                 gain_grad.to(weight.dtype) if gain_grad is not None and ctx.needs_input_grad[1] else None,
                 bias_grad.to(bias.dtype) if bias_grad is not None and ctx.needs_input_grad[2] else None,
                 None, None, None, alpha_grad.to(alpha.dtype) if alpha_grad is not None else None)
        # As many as apply() was given: six without α.
        return grads[:len(ctx.needs_input_grad)]


def _saturated(plan: NormPlan, y: torch.Tensor, alpha: Optional[torch.Tensor]) -> torch.Tensor:
    """How many elements DyT's tanh takes in its saturated region |α·v| > 2 (DynamicTanh.saturationLimit), as a
    float64 count on y's device."""
    assert alpha is not None
    return ((alpha * squash_input(plan, y)).abs() > 2.0).sum().to(torch.float64)
