"""Each instrumented layer's per-step statistics: reduced on the layer's device while the passes run, handed over
once per step, and turned into the trace's ``grad`` and ``phi`` rows under the declared field names.

The definitions are NormGradientStatistics.swift's, PhiStatistics.swift's and NormLayer.swift's (analysis/METHODS.md,
"Recorded statistics"): within a row the parts are d = a·u, c = b, s = β·y, so every sum, square and cross product
of d, c, s and t = d + c + s follows in closed form from Σu, Σu², Σu·y, Σy, Σy² and a, b, β, in float64. Every
statistic is a sum over rows until the step ends, so a layer called several times in one step (gradient
accumulation, a shared layer) is reduced over all its rows, as if they had come in one call.
"""

from __future__ import annotations

import math
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np
import torch

from .. import _schema
from ._functions import Parts, RowValues
from ._variants import NormPlan, PhiBins

# The gradient tensors reduced, by the prefix of their fields, and the three reductions of each.
PARTS = ("total", "direct", "recenter", "rescale", "upstream")
REDUCTIONS = ("norm", "rowmean_abs", "rowvar")
QUANTILE_LEVELS: Tuple[float, ...] = _schema.PHI_QUANTILE_LEVELS
QUANTILE_FIELDS = tuple(f"q{round(level * 100):02d}" for level in QUANTILE_LEVELS)
_GRAD_COMPUTED = (("step", "rows", "width") + tuple(f"{p}_{r}" for p in PARTS for r in REDUCTIONS)
                  + ("direct_plus_recenter_rowvar", "recenter_ratio", "rescale_ratio", "cos_total_direct",
                     "recenter_share", "rescale_share", "mean_mu", "mean_sigma", "gain_norm", "gain_mean",
                     "gain_grad_norm", "bias_norm", "bias_grad_norm", "alpha", "saturated_share", "abs_mean_over_std"))
_PHI_COMPUTED = ("step", "mean", "sd", "min", "max", "fraction_nonpositive") + QUANTILE_FIELDS
# The declared rows, read once: a row starts from every declared field (NaN where nothing here computes it).
GRAD_FIELDS = _schema.fields("grad")
PHI_FIELDS = _schema.fields("phi")
# What is computed here must be what the declaration names (a field renamed there fails here, at import).
for _declared, _names in ((GRAD_FIELDS, _GRAD_COMPUTED), (PHI_FIELDS, _PHI_COMPUTED)):
    _undeclared = sorted(set(_names) - set(_declared))
    assert not _undeclared, f"schema.json does not declare {_undeclared}"
assert set(_schema.RAW_PARTS) <= set(PARTS), f"raw parts {_schema.RAW_PARTS} are not all reduced parts"

# The backward accumulator's slots: Σ over rows of Σv², |⟨v⟩| and var(v) for each part, var(d + c), and Σ t·d.
_SQUARES, _MEAN_ABS, _VARIANCES = 0, len(PARTS), 2 * len(PARTS)
_VARIANCE_DC, _DOT_TD = 3 * len(PARTS), 3 * len(PARTS) + 1
_BACKWARD_SLOTS = 3 * len(PARTS) + 2
# The forward accumulator's: Σ μ, Σ D (the denominator each row was divided by), under DyT the elements in tanh's
# saturated region, then Σ |μ|/σ over the rows that are not constant and how many they are.
_FORWARD_SLOTS = 5
# Φ's: Σ Φ, Σ Φ², the share ≤ 0, min, max; then the histogram's bins + 2 counts.
_PHI_SLOTS = 5


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator; 0 when both are 0 and +inf when only the denominator is (TRACE_FORMAT.md)."""
    if denominator == 0:
        return 0.0 if numerator == 0 else math.inf
    return numerator / denominator


class Piece(NamedTuple):
    """One part of a probe's hand-over vector: what it holds and how many values."""

    name: str
    length: int


class StepRecord(NamedTuple):
    """One layer's rows of one step: its ``grad`` row (field → value), its Φ row and histogram counts when it
    collected Φ, its raw sample (4 × rows × H, float32) when it took one."""

    grad: Dict[str, float]
    phi: Optional[Tuple[Dict[str, float], np.ndarray]]
    raw: Optional[np.ndarray]


class LayerProbe:
    """Accumulates one layer's statistics of the current step on its device. ``recording`` turns it on (a
    ``Recorder`` does); ``phi_wanted`` and ``raw_rows`` say whether this step collects Φ(y)'s histogram and a raw
    sample."""

    def __init__(self, plan: NormPlan, width: int):
        self.plan = plan
        self.width = width
        self.phi_bins: Optional[PhiBins] = PhiBins.standard(plan) if plan.is_adaptive else None
        self.recording = False
        self.phi_wanted = False
        self.raw_rows = 0
        self.reset()

    def reset(self) -> None:
        self._backward: Optional[torch.Tensor] = None
        self._backward_rows = 0
        self._forward: Optional[torch.Tensor] = None
        self._forward_rows = 0
        self._forward_elements = 0
        self._alpha: Optional[torch.Tensor] = None
        self._phi: Optional[torch.Tensor] = None
        self._phi_counts: Optional[torch.Tensor] = None
        self._phi_elements = 0
        self._gain: Optional[torch.Tensor] = None
        self._bias: Optional[torch.Tensor] = None
        self._raw: Optional[torch.Tensor] = None

    def records_forward(self, training: bool) -> bool:
        """Whether a forward pass in this mode counts: a training pass that will be differentiated, as the Swift
        layers count forward passes in `.training` mode only."""
        return self.recording and training and torch.is_grad_enabled()

    def records_backward(self) -> bool:
        return self.recording

    # -- forward ---------------------------------------------------------------------------------------------------

    def add_forward(self, plan: NormPlan, values: RowValues, centering: torch.Tensor, y: Optional[torch.Tensor],
                    saturated: Optional[torch.Tensor] = None, alpha: Optional[torch.Tensor] = None) -> None:
        """One training forward pass: its rows' μ and D, the input's re-centering sums (``forward_centering``),
        Φ(y) when ``y`` is given (AdaNorm), and under DyT the count of elements with |α·v| > 2 and α as the pass
        used it (NormLayer.forwardStatistics)."""
        denominators = torch.where(values.inverse > 0, 1 / values.inverse, torch.zeros_like(values.inverse))
        zero = values.mu.new_zeros(())
        sums = torch.cat([torch.stack([values.mu.sum(), denominators.sum(), zero if saturated is None else saturated]),
                          centering])
        self._forward = sums if self._forward is None else self._forward + sums
        self._forward_rows += values.mu.shape[0]
        self._forward_elements += values.mu.shape[0] * self.width
        if alpha is not None:
            self._alpha = alpha.detach().reshape(1).to(torch.float64)
        if y is not None and y.numel() > 0 and self.phi_wanted and self.phi_bins is not None:
            self._add_phi(plan, values, y)

    def _add_phi(self, plan: NormPlan, values: RowValues, y: torch.Tensor) -> None:
        """Φ(y) = C(1 − k·y) over every element: its moments from Σy and Σy² (Φ is affine in y), its exact extremes
        and share ≤ 0, and its histogram over the fixed bins, slot = clamp((Φ − lower)·bins/width + 1, 0, bins + 1)
        truncated, as the kernel counts (in float32 at least)."""
        bins = self.phi_bins
        assert bins is not None
        h = y.shape[-1]
        c, k = plan.adanorm_scale, plan.adanorm_k
        work = y if y.dtype in (torch.float32, torch.float64) else y.to(torch.float32)
        phi = c - (c * k) * work
        moments = torch.stack([
            (c * (h - k * values.sum_y)).sum(),
            (c * c * (h - 2 * k * values.sum_y + k * k * values.sum_y2)).sum(),
            (phi <= 0).sum().to(torch.float64), phi.min().to(torch.float64), phi.max().to(torch.float64)])
        per_unit = bins.count / (bins.upper - bins.lower)
        # A NaN Φ (a diverging step's) is counted below the bins, so that a row still sums to R·H.
        position = torch.nan_to_num((phi - bins.lower) * per_unit + 1, nan=0.0)
        slots = position.clamp(0, bins.count + 1).to(torch.int64)
        counts = torch.bincount(slots.reshape(-1), minlength=bins.count + 2)
        if self._phi is None or self._phi_counts is None:
            self._phi, self._phi_counts = moments, counts
        else:
            previous = self._phi
            self._phi = torch.cat([previous[:3] + moments[:3], torch.minimum(previous[3:4], moments[3:4]),
                                   torch.maximum(previous[4:5], moments[4:5])])
            self._phi_counts = self._phi_counts + counts
        self._phi_elements += phi.numel()

    # -- backward --------------------------------------------------------------------------------------------------

    def add_backward(self, plan: NormPlan, parts: Parts, y: torch.Tensor, values: RowValues,
                     coefficients: Tuple[torch.Tensor, ...], weight: Optional[torch.Tensor],
                     bias: Optional[torch.Tensor], gain_grad: Optional[torch.Tensor],
                     bias_grad: Optional[torch.Tensor]) -> None:
        a, b, beta, sum_u, sum_uy = coefficients
        h = float(parts.upstream.shape[-1])
        wide_u = parts.upstream.to(torch.float64)
        sum_u2 = wide_u.square().sum(dim=-1)
        sum_y, sum_y2 = values.sum_y, values.sum_y2
        # NormGradientStatistics.init(rowSums:): each part's Σ and Σ² within a row, then the reductions.
        sum_d, sum_d2 = a * sum_u, a * a * sum_u2
        sum_c, sum_c2 = h * b, h * b * b
        sum_s, sum_s2 = beta * sum_y, beta * beta * sum_y2
        sum_dc, sum_ds, sum_cs = b * sum_d, a * beta * sum_uy, b * sum_s
        sum_t = sum_d + sum_c + sum_s
        sum_t2 = sum_d2 + sum_c2 + sum_s2 + 2 * (sum_dc + sum_ds + sum_cs)
        sums = torch.stack([sum_t, sum_d, sum_c, sum_s, sum_u])
        # A sum of squares in closed form can round below 0 where the part vanishes (t = 0 when u is constant
        # along a row): it is 0 there.
        squares = torch.stack([sum_t2, sum_d2, sum_c2, sum_s2, sum_u2]).clamp(min=0)
        means = sums / h
        # Rounding can take a variance of ~0 slightly below zero.
        variances = (squares / h - means * means).clamp(min=0)
        sum_dc_total = sum_d + sum_c
        sum_dc_squares = sum_d2 + sum_c2 + 2 * sum_dc
        variance_dc = (sum_dc_squares / h - (sum_dc_total / h).square()).clamp(min=0)
        reduced = torch.cat([squares.sum(dim=1), means.abs().sum(dim=1), variances.sum(dim=1),
                             variance_dc.sum().reshape(1), (sum_d2 + sum_dc + sum_ds).sum().reshape(1)])
        self._backward = reduced if self._backward is None else self._backward + reduced
        self._backward_rows += wide_u.shape[0]
        # γ's and β's values as the pass used them (before the optimizer's update), their gradients summed.
        if weight is not None and gain_grad is not None:
            wide = weight.detach().to(torch.float64)
            norms = torch.stack([wide.square().sum(), wide.mean()])
            self._gain = torch.cat([norms, gain_grad if self._gain is None else self._gain[2:] + gain_grad])
        if bias is not None and bias_grad is not None:
            wide = bias.detach().to(torch.float64)
            self._bias = torch.cat([wide.square().sum().reshape(1),
                                    bias_grad if self._bias is None else self._bias[1:] + bias_grad])
        if self.raw_rows > 0 and self._raw is None:
            self._raw = self._sample(parts)

    def _sample(self, parts: Parts) -> torch.Tensor:
        """The first ``raw_rows`` input rows of t, d, c, s (zeros beyond the batch), 4 × rows × H."""
        taken = parts.upstream.shape[0]
        chosen = [part[:self.raw_rows] for part in (parts.total, parts.direct, parts.recenter, parts.rescale)]
        sample = torch.zeros((4, self.raw_rows, self.width), dtype=torch.float32, device=parts.upstream.device)
        sample[:, :min(taken, self.raw_rows)] = torch.stack(chosen).to(torch.float32)
        return sample

    # -- the hand-over ---------------------------------------------------------------------------------------------

    def pending(self) -> Tuple[Optional[torch.Tensor], List[Piece]]:
        """This step's accumulators as one float64 vector on the layer's device (None if the layer saw no pass),
        and what it holds."""
        pieces: List[Piece] = []
        tensors: List[torch.Tensor] = []

        def add(name: str, tensor: Optional[torch.Tensor]) -> None:
            if tensor is not None:
                flat = tensor.reshape(-1).to(torch.float64)
                pieces.append(Piece(name, flat.numel()))
                tensors.append(flat)

        add("backward", self._backward)
        add("forward", self._forward)
        add("alpha", self._alpha)
        add("phi", self._phi)
        add("phi_counts", self._phi_counts)
        if self._gain is not None:
            gain = self._gain
            add("gain", torch.stack([gain[0].sqrt(), gain[1], gain[2:].square().sum().sqrt()]))
        if self._bias is not None:
            add("bias", torch.stack([self._bias[0].sqrt(), self._bias[1:].square().sum().sqrt()]))
        add("raw", self._raw)
        return (torch.cat(tensors) if tensors else None), pieces

    def record(self, step: int, values: np.ndarray, pieces: List[Piece]) -> StepRecord:
        """The rows of ``step`` from the values ``pending()`` handed over (now on the host); resets the probe."""
        parts: Dict[str, np.ndarray] = {}
        offset = 0
        for piece in pieces:
            parts[piece.name] = values[offset:offset + piece.length]
            offset += piece.length
        # Every declared field, NaN where this layer has no such quantity (TRACE_FORMAT.md: never a made-up 0).
        grad: Dict[str, float] = dict.fromkeys(GRAD_FIELDS, math.nan)
        grad.update(step=step, rows=self._backward_rows, width=self.width)
        backward = parts.get("backward")
        if backward is not None:
            n = max(self._backward_rows, 1)
            for index, part in enumerate(PARTS):
                grad[f"{part}_norm"] = math.sqrt(backward[_SQUARES + index])
                grad[f"{part}_rowmean_abs"] = backward[_MEAN_ABS + index] / n
                grad[f"{part}_rowvar"] = backward[_VARIANCES + index] / n
            grad["direct_plus_recenter_rowvar"] = backward[_VARIANCE_DC] / n
            grad["recenter_ratio"] = ratio(grad["total_rowmean_abs"], grad["direct_rowmean_abs"])
            grad["rescale_ratio"] = ratio(grad["total_rowvar"], grad["direct_plus_recenter_rowvar"])
            grad["cos_total_direct"] = ratio(backward[_DOT_TD], grad["total_norm"] * grad["direct_norm"])
            grad["recenter_share"] = ratio(grad["recenter_norm"], grad["direct_norm"])
            grad["rescale_share"] = ratio(grad["rescale_norm"], grad["direct_norm"])
        forward = parts.get("forward")
        if forward is not None:
            n = max(self._forward_rows, 1)
            grad["mean_mu"], grad["mean_sigma"] = forward[0] / n, forward[1] / n
            if self.plan.squashes:
                grad["saturated_share"] = ratio(forward[2], self._forward_elements) \
                    if self._forward_elements > 0 else math.nan
            grad["abs_mean_over_std"] = forward[3] / forward[4] if forward[4] > 0 else math.nan
        if "alpha" in parts:
            grad["alpha"] = float(parts["alpha"][0])
        if "gain" in parts:
            grad["gain_norm"], grad["gain_mean"], grad["gain_grad_norm"] = (float(v) for v in parts["gain"])
        if "bias" in parts:
            grad["bias_norm"], grad["bias_grad_norm"] = (float(v) for v in parts["bias"])
        phi = None
        if "phi" in parts and "phi_counts" in parts and self.phi_bins is not None:
            phi = self._phi_row(step, parts["phi"], parts["phi_counts"].astype(np.int64))
        raw = parts["raw"].astype(np.float32).reshape(4, self.raw_rows, self.width) if "raw" in parts else None
        elements = self._phi_elements
        self.reset()
        assert phi is None or int(phi[1].sum()) == elements
        return StepRecord({k: float(v) if k not in ("step", "rows", "width") else int(v) for k, v in grad.items()},
                          phi, raw)

    def _phi_row(self, step: int, moments: np.ndarray, counts: np.ndarray) -> Tuple[Dict[str, float], np.ndarray]:
        count = float(self._phi_elements)
        mean = moments[0] / count
        row: Dict[str, float] = dict.fromkeys(PHI_FIELDS, math.nan)
        row.update({
            "step": step, "mean": mean, "sd": math.sqrt(max(0.0, moments[1] / count - mean * mean)),
            "min": float(moments[3]), "max": float(moments[4]), "fraction_nonpositive": moments[2] / count})
        assert self.phi_bins is not None
        for name, level in zip(QUANTILE_FIELDS, QUANTILE_LEVELS):
            row[name] = histogram_quantile(self.phi_bins, counts, level, row["min"], row["max"])
        return row, counts


def histogram_quantile(bins: PhiBins, counts: np.ndarray, level: float, minimum: float, maximum: float) -> float:
    """The quantile at ``level`` from a histogram ``[below, bins…, above]`` (PhiStatistics.quantile): linear
    within the bin that holds it, the bin's edges clamped to the exact minimum and maximum."""
    total = int(counts.sum())
    if total == 0:
        return math.nan
    target = level * total
    cumulative = float(counts[0])
    if target <= cumulative:
        return minimum
    width = (bins.upper - bins.lower) / bins.count
    for index in range(bins.count):
        count = int(counts[index + 1])
        if count <= 0:
            continue
        following = cumulative + count
        if target <= following:
            edge = bins.lower + index * width
            low = min(max(edge, minimum), maximum)
            high = max(low, min(edge + width, maximum))
            return low + (high - low) * (target - cumulative) / count
        cumulative = following
    return maximum
