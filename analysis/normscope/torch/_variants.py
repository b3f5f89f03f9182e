"""The normalization variants, as the trace format declares them (``schema.json``'s presets and ``norm_*``
settings), resolved into the choices the autograd Functions branch on.

A ``NormPlan`` is one point of the declared space: whether the layer normalizes, centres, which σ convention and
spread (an average over the features, or ScaleNorm's row length), ε, what backward detaches, the affine transform,
AdaNorm's factor and DyT's tanh. Presets are read from the declaration, never
listed here; what is listed here is what this module can compute, so that a preset declared later with a choice it
does not know (a new affine transform, a new adaptive factor) is refused by name instead of being computed wrongly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Dict, Optional

from .. import _schema

# The choices the Functions implement (analysis/METHODS.md); a declared value outside these is refused.
CENTERINGS = ("mean", "none")
CONVENTIONS = ("torch", "paper")
AFFINES = ("gain-and-bias", "gain-only", "scalar-gain", "none")
ADAPTIVES = ("adanorm", "adanorm-undetached", "none")
SPREADS = ("rms", "norm")
TRANSFORMS = ("dynamic-tanh", "none")
# The keys of a declared preset this module reads; a preset with another key declares something it cannot do.
_PRESET_KEYS = {"name", "colour", "normalizes", "centering", "convention", "epsilon", "detach_mean", "detach_std",
                "affine", "adaptive", "adanorm_scale", "adanorm_k", "spread", "transform", "dyt_alpha"}


class VariantError(ValueError):
    """A normalization that cannot be built as asked: an unknown preset, an override of the wrong kind, a preset
    declared with a choice this module does not implement. Its message is one line."""


@dataclass(frozen=True)
class NormPlan:
    """One normalization variant, resolved (Sources/Layers/Normalization/NormConfiguration.swift's fields)."""

    normalizes: bool = True
    centering: str = "mean"
    convention: str = "torch"
    # None: the input dtype's machine epsilon at each forward (``torch.nn.RMSNorm(eps=None)``'s own rule).
    epsilon: Optional[float] = 1e-5
    detach_mean: bool = False
    detach_std: bool = False
    affine: str = "none"
    adaptive: str = "none"
    adanorm_scale: float = 2.0
    adanorm_k: float = 0.1
    spread: str = "rms"
    transform: str = "none"
    # DyT's α before training (DynamicTanh.initialAlpha); α itself is the layer's learned parameter.
    dyt_alpha: float = 0.5

    def __post_init__(self) -> None:
        for name, value, allowed in (("centering", self.centering, CENTERINGS),
                                     ("convention", self.convention, CONVENTIONS),
                                     ("affine", self.affine, AFFINES), ("adaptive", self.adaptive, ADAPTIVES),
                                     ("spread", self.spread, SPREADS), ("transform", self.transform, TRANSFORMS)):
            if value not in allowed:
                raise VariantError(f"normalization {name} {value!r} is not one normscope.torch implements "
                                   f"({', '.join(allowed)})")
        if self.epsilon is not None and not (math.isfinite(self.epsilon) and self.epsilon >= 0):
            raise VariantError(f"epsilon must be a finite number >= 0, got {self.epsilon!r}")
        for name in ("adanorm_scale", "adanorm_k", "dyt_alpha"):
            if not math.isfinite(getattr(self, name)):
                raise VariantError(f"{name} must be a finite number, got {getattr(self, name)!r}")

    # The constants the kernels branch on (NormPlan.swift).
    @property
    def centered(self) -> bool:
        return self.normalizes and self.centering == "mean"

    @property
    def squashes(self) -> bool:
        """Whether DyT's z = tanh(α·z) follows (after the normalization, or on x itself when there is none)."""
        return self.transform == "dynamic-tanh"

    @property
    def transforms(self) -> bool:
        """Whether the layer computes anything: it normalizes, or squashes (NormConfiguration.transforms)."""
        return self.normalizes or self.squashes

    @property
    def length_spread(self) -> bool:
        """Whether the spread is the row's length ‖x̂‖ (ScaleNorm) rather than an average over the features."""
        return self.normalizes and self.spread == "norm"

    @property
    def has_gain(self) -> bool:
        return self.transforms and self.affine != "none"

    @property
    def scalar_gain(self) -> bool:
        """Whether the gain is one learned scalar g (ScaleNorm), broadcast over the row."""
        return self.has_gain and self.affine == "scalar-gain"

    def gain_start(self, width: int) -> float:
        """A new gain's value, where the output has unit RMS (NormLayer.swift): √H for a scalar gain after dividing
        by the row's length, 1 otherwise."""
        return math.sqrt(width) if self.scalar_gain and self.length_spread else 1.0

    @property
    def has_bias(self) -> bool:
        return self.transforms and self.affine == "gain-and-bias"

    @property
    def is_adaptive(self) -> bool:
        return self.normalizes and self.adaptive != "none"

    @property
    def has_recentering(self) -> bool:
        return self.centered and not self.detach_mean

    @property
    def has_rescaling(self) -> bool:
        return self.normalizes and not self.detach_std

    @property
    def backward_slope(self) -> float:
        """The slope in the factor that multiplies the upstream gradient: k detached, 2k undetached."""
        return self.adanorm_k if self.adaptive == "adanorm" else 2 * self.adanorm_k

    def resolved_epsilon(self, dtype: Any) -> float:
        if self.epsilon is not None:
            return self.epsilon
        import torch
        return float(torch.finfo(dtype).eps)

    # -- the declaration's side ------------------------------------------------------------------------------------

    def settings(self, dtype: Any = None) -> Dict[str, Any]:
        """The run attributes ``norm_*`` a trace records for this variant (SettingAttributes.swift), as Python
        values of their declared kinds: booleans, strings, floats; AdaNorm's C and k only where there is Φ(y), DyT's
        initial α only where there is its tanh."""
        values: Dict[str, Any] = {
            "norm_normalizes": self.normalizes, "norm_centering": self.centering,
            "norm_convention": self.convention, "norm_epsilon": float(self.resolved_epsilon(dtype or _float32())),
            "norm_detach_mean": self.detach_mean, "norm_detach_std": self.detach_std, "norm_affine": self.affine,
            "norm_adaptive": self.adaptive if self.normalizes else "none",
            "norm_spread": self.spread, "norm_transform": self.transform,
        }
        if self.is_adaptive:
            values["norm_adanorm_scale"] = float(self.adanorm_scale)
            values["norm_adanorm_k"] = float(self.adanorm_k)
        if self.squashes:
            values["norm_dyt_alpha"] = float(self.dyt_alpha)
        undeclared = sorted(set(values) - set(_schema.SETTINGS))
        assert not undeclared, f"schema.json does not declare {undeclared}"
        return values

    def closest_preset(self) -> str:
        """The declared preset this variant is, or is an override of: the same structure (normalizing, centring,
        detaching, adaptive factor, spread, tanh), then preferably the same affine transform, then the same
        convention. ε, the convention, C and k are overrides of a preset (TRACE_FORMAT.md, "presets"); the affine transform is
        recorded in ``norm_affine`` whatever the name (``torch.nn.LayerNorm(bias=False)`` is ``layernorm`` with
        ``norm_affine = gain-only``)."""
        def structure(plan: "NormPlan") -> tuple:
            return (plan.normalizes, plan.centering if plan.normalizes else None,
                    plan.detach_mean if plan.normalizes else None, plan.detach_std if plan.normalizes else None,
                    plan.is_adaptive, plan.spread if plan.normalizes else None, plan.transform)
        best, best_score = None, -1
        for name in _schema.PRESETS:
            try:
                candidate = preset_plan(name)
            except VariantError:
                continue
            if structure(candidate) != structure(self):
                continue
            score = 2 * (candidate.affine == self.affine) + (candidate.convention == self.convention)
            if score > best_score:
                best, best_score = name, score
        if best is None:
            raise VariantError("no declared preset has this normalization's structure "
                               f"(normalizes={self.normalizes}, centering={self.centering}, "
                               f"detach_mean={self.detach_mean}, detach_std={self.detach_std}, "
                               f"adaptive={self.adaptive}, spread={self.spread}, transform={self.transform})")
        return best

    def override_values(self, dtype: Any = None) -> Dict[str, Any]:
        """This variant's values of the settings that override a preset (``convention``, ``epsilon``, ``affine``
        and, with Φ(y), ``adanorm_scale``, ``adanorm_k``, ``adanorm_detached``)."""
        values: Dict[str, Any] = {"convention": self.convention,
                                  "epsilon": float(self.resolved_epsilon(dtype or _float32()))}
        # Not a setting `record` has (its presets fix the affine transform), but a layer kept as it is may differ
        # from its preset there (LayerNorm without bias): said in the configuration, so analyze groups it apart.
        if self.transforms:
            values["affine"] = self.affine
        if self.is_adaptive:
            values.update(adanorm_scale=float(self.adanorm_scale), adanorm_k=float(self.adanorm_k),
                          adanorm_detached=self.adaptive == "adanorm")
        return values

    def overrides_of(self, preset: str, dtype: Any = None) -> Dict[str, Any]:
        """The overrides that make ``preset`` into this variant: only those that differ, as ``record`` writes
        them only when set."""
        base = preset_plan(preset).override_values(dtype)
        return {name: value for name, value in self.override_values(dtype).items() if base.get(name) != value}


def _float32() -> Any:
    import torch
    return torch.float32


def preset_plan(name: str, *, epsilon: Optional[float] = None, convention: Optional[str] = None,
                adanorm_scale: Optional[float] = None, adanorm_k: Optional[float] = None,
                adanorm_detached: Optional[bool] = None) -> NormPlan:
    """The variant a declared preset names, with the overrides ``record`` accepts (None: the preset's own)."""
    if not isinstance(name, str) or name not in _schema.PRESETS:
        raise VariantError(f"preset {name!r} is not a declared preset (one of {', '.join(_schema.PRESETS)})")
    declared = _schema.PRESETS[name]
    unknown = sorted(set(declared) - _PRESET_KEYS)
    if unknown:
        raise VariantError(f"preset {name!r} is declared with {', '.join(unknown)}, which normscope.torch does not "
                           "implement yet; use another preset")
    try:
        plan = NormPlan(
            normalizes=bool(declared["normalizes"]), centering=declared["centering"],
            convention=declared["convention"], epsilon=float(declared["epsilon"]),
            detach_mean=bool(declared["detach_mean"]), detach_std=bool(declared["detach_std"]),
            affine=declared["affine"], adaptive=declared["adaptive"],
            adanorm_scale=float(declared.get("adanorm_scale", 2.0)), adanorm_k=float(declared.get("adanorm_k", 0.1)),
            spread=declared.get("spread", "rms"), transform=declared.get("transform", "none"),
            dyt_alpha=float(declared.get("dyt_alpha", 0.5)))
    except VariantError as error:
        raise VariantError(f"preset {name!r}: {error}; normscope.torch does not implement it yet") from None
    changes: Dict[str, Any] = {}
    if convention is not None:
        if convention not in CONVENTIONS:
            raise VariantError(f"convention must be one of {', '.join(CONVENTIONS)}, got {convention!r}")
        changes["convention"] = convention
    if epsilon is not None:
        changes["epsilon"] = _real("epsilon", epsilon)
    adaptive_overrides = {"adanorm_scale": adanorm_scale, "adanorm_k": adanorm_k}
    for key, value in adaptive_overrides.items():
        if value is not None:
            changes[key] = _real(key, value)
    if adanorm_detached is not None:
        if not isinstance(adanorm_detached, bool):
            raise VariantError(f"adanorm_detached must be True or False, got {adanorm_detached!r}")
        if plan.is_adaptive:
            changes["adaptive"] = "adanorm" if adanorm_detached else "adanorm-undetached"
    if not plan.is_adaptive and (any(v is not None for v in adaptive_overrides.values())
                                 or adanorm_detached is not None):
        raise VariantError(f"adanorm_scale, adanorm_k and adanorm_detached apply to a variant with Φ(y) "
                           f"(adanorm), not to preset {name!r}")
    return replace(plan, **changes)


def _real(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise VariantError(f"{name} must be a number, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class PhiBins:
    """The fixed bins of Φ(y)'s histogram (PhiStatistics.swift's ``PhiBins.standard``): 40 over [0, 2C]."""

    lower: float
    upper: float
    count: int = 40

    @classmethod
    def standard(cls, plan: NormPlan) -> "PhiBins":
        a, b = 0.0, 2 * plan.adanorm_scale
        lower, upper = min(a, b), max(a, b)
        return cls(lower, lower + 1 if upper == lower else upper)

    @property
    def edges(self) -> list:
        return [self.lower + (self.upper - self.lower) * i / self.count for i in range(self.count + 1)]
