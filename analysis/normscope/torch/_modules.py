"""Instrumented normalization modules, and ``instrument(model)``, which puts them in place of a model's
``torch.nn.LayerNorm`` and ``torch.nn.RMSNorm`` layers (and of custom classes it is told how to read).

With ``preset=None`` a layer keeps its own behaviour: its weight and bias (the same ``Parameter`` objects, so an
optimizer built before still updates them, and the ``state_dict`` keeps its keys), ε and normalized shape. With a
preset it becomes that variant (TRACE_FORMAT.md's presets): a gain or bias the variant has is taken over from the
layer when it had one of the same shape (a new one starts at 1 or 0, ScaleNorm's scalar g at √H, as the Swift layers
do), one it has not is dropped; DyT's α is a new learned scalar starting at 0.5 (the preset's ``dyt_alpha``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from ._functions import NormFunction
from ._statistics import LayerProbe
from ._variants import NormPlan, VariantError, preset_plan

Reader = Union[str, Callable[[nn.Module], Any], None]


@dataclass(frozen=True)
class NormClass:
    """How to instrument instances of a normalization class ``torch.nn`` does not have, such as a LLaMA-style
    RMSNorm: which kind it is (``"layernorm"``: x − μ over the last axes; ``"rmsnorm"``: no centring), where its
    weight, bias and ε are (attribute names, or functions of the module; None: it has none), and its σ convention
    (``"torch"``: ε inside the root, as LLaMA's ``rsqrt(mean(x²) + ε)``). The width is the weight's size, or
    ``width`` (an attribute name, function or number) for a class without weight.

    ``NormClass(LlamaRMSNorm, kind="rmsnorm", weight="weight", eps="variance_epsilon")``"""

    cls: type
    kind: str = "rmsnorm"
    weight: Reader = "weight"
    bias: Reader = None
    eps: Union[Reader, float] = "eps"
    convention: str = "torch"
    width: Union[Reader, int] = None

    def __post_init__(self) -> None:
        if not isinstance(self.cls, type) or not issubclass(self.cls, nn.Module):
            raise VariantError(f"NormClass needs a torch.nn.Module subclass, got {self.cls!r}")
        if self.kind not in ("layernorm", "rmsnorm"):
            raise VariantError(f"NormClass kind must be 'layernorm' or 'rmsnorm', got {self.kind!r}")
        if self.convention not in ("torch", "paper"):
            raise VariantError(f"NormClass convention must be 'torch' or 'paper', got {self.convention!r}")


def _read(module: nn.Module, reader: Any, what: str) -> Any:
    if reader is None:
        return None
    if callable(reader):
        return reader(module)
    if isinstance(reader, str):
        if not hasattr(module, reader):
            raise VariantError(f"{type(module).__name__} has no attribute {reader!r} to read its {what} from")
        return getattr(module, reader)
    return reader


class _Found:
    """What one normalization layer of a model is: its plan with preset=None, shape, parameters."""

    def __init__(self, plan: NormPlan, shape: Tuple[int, ...], weight: Optional[nn.Parameter],
                 bias: Optional[nn.Parameter]):
        self.plan, self.shape, self.weight, self.bias = plan, shape, weight, bias


def _as_parameter(value: Any, module: nn.Module, what: str) -> Optional[nn.Parameter]:
    if value is None:
        return None
    if not isinstance(value, nn.Parameter):
        raise VariantError(f"{type(module).__name__}'s {what} is a {type(value).__name__}, not a Parameter")
    return value


def _describe(module: nn.Module, classes: Sequence[NormClass]) -> Optional[_Found]:
    """The plan of a layer that instrument() replaces (its own behaviour), or None for any other module."""
    if isinstance(module, InstrumentedNorm):
        return None
    for custom in classes:
        if type(module) is custom.cls:
            return _describe_custom(module, custom)
    if isinstance(module, nn.LayerNorm):
        affine = "none" if module.weight is None else ("gain-and-bias" if module.bias is not None else "gain-only")
        plan = NormPlan(centering="mean", convention="torch", epsilon=float(module.eps), affine=affine)
        return _Found(plan, tuple(module.normalized_shape), module.weight, module.bias)
    rms = getattr(nn, "RMSNorm", None)
    if rms is not None and isinstance(module, rms):
        plan = NormPlan(centering="none", convention="torch",
                        epsilon=None if module.eps is None else float(module.eps),
                        affine="none" if module.weight is None else "gain-only")
        return _Found(plan, tuple(module.normalized_shape), module.weight, None)
    return None


def _describe_custom(module: nn.Module, custom: NormClass) -> _Found:
    weight = _as_parameter(_read(module, custom.weight, "weight"), module, "weight")
    bias = _as_parameter(_read(module, custom.bias, "bias"), module, "bias")
    eps = _read(module, custom.eps, "epsilon")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not math.isfinite(eps) or eps < 0:
        raise VariantError(f"{type(module).__name__}'s epsilon is {eps!r}, expected a number >= 0")
    if weight is not None:
        shape = tuple(weight.shape)
    else:
        width = _read(module, custom.width, "width")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise VariantError(f"{type(module).__name__} has no weight: name its width (NormClass(..., width=...))")
        shape = (width,)
    if bias is not None and tuple(bias.shape) != shape:
        raise VariantError(f"{type(module).__name__}'s bias has shape {tuple(bias.shape)}, its weight {shape}")
    affine = "none" if weight is None else ("gain-and-bias" if bias is not None else "gain-only")
    if weight is None and bias is not None:
        raise VariantError(f"{type(module).__name__} has a bias without a weight, which no variant has")
    plan = NormPlan(centering="mean" if custom.kind == "layernorm" else "none", convention=custom.convention,
                    epsilon=float(eps), affine=affine)
    return _Found(plan, shape, weight, bias)


def _unfused(module: nn.Module, inputs: Any) -> None:
    return None


class InstrumentedNorm(nn.Module):
    """A normalization over the last ``len(normalized_shape)`` axes whose backward pass splits its input gradient
    into direct, re-centering and re-scaling parts (``NormFunction``) and, while a ``Recorder`` records, reduces
    them to the trace's statistics (``probe``). ``weight`` and ``bias`` are None where the variant has none;
    ``weight`` is one scalar (shape ``()``) for ScaleNorm's g; ``alpha`` is DyT's learned α (shape ``(1,)``, as the
    official ``DynamicTanh`` has it), None for every other variant."""

    def __init__(self, plan: NormPlan, normalized_shape: Sequence[int], weight: Optional[nn.Parameter] = None,
                 bias: Optional[nn.Parameter] = None, device: Any = None, dtype: Any = None):
        super().__init__()
        self.plan = plan
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.width = math.prod(self.normalized_shape)
        if self.width < 1:
            raise VariantError(f"a normalization over shape {self.normalized_shape} has no features")
        if plan.centered and plan.convention == "paper" and self.width < 2:
            raise VariantError("the unbiased (paper) convention needs at least 2 features per row, got 1")
        factory = {"device": device, "dtype": dtype}
        # α first, as DynamicTanh registers it (and NormLayer lists its parameters).
        if plan.squashes:
            self.alpha = nn.Parameter(torch.full((1,), plan.dyt_alpha, **factory))
        else:
            self.register_parameter("alpha", None)
        if plan.has_gain:
            self.weight = weight if weight is not None else nn.Parameter(
                torch.full(self.gain_shape, plan.gain_start(self.width), **factory))
        else:
            self.register_parameter("weight", None)
        if plan.has_bias:
            self.bias = bias if bias is not None else nn.Parameter(torch.zeros(self.normalized_shape, **factory))
        else:
            self.register_parameter("bias", None)
        self.probe = LayerProbe(plan, self.width)
        # Fused inference paths (torch.nn.TransformerEncoderLayer's) read a norm layer's weight and eps and
        # compute LayerNorm themselves, bypassing the module and so its variant; they are never taken for a
        # module with a hook, so this one has one that does nothing.
        self.register_forward_pre_hook(_unfused)

    @property
    def gain_shape(self) -> Tuple[int, ...]:
        """The shape of γ: the normalized shape, or ``()`` for a scalar gain."""
        return () if self.plan.scalar_gain else self.normalized_shape

    @property
    def eps(self) -> Optional[float]:
        """ε, as torch.nn.LayerNorm and RMSNorm name it (None: the input dtype's machine epsilon)."""
        return self.plan.epsilon

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = len(self.normalized_shape)
        if tuple(x.shape[x.dim() - k:]) != self.normalized_shape:
            raise ValueError(f"{type(self).__name__} normalizes over the last axes {self.normalized_shape}, got an "
                             f"input of shape {tuple(x.shape)}")
        flat = x.reshape(*x.shape[:x.dim() - k], self.width)
        weight = None if self.weight is None else self.weight.reshape(-1)
        bias = None if self.bias is None else self.bias.reshape(self.width)
        arguments = (flat, weight, bias, self.plan, self.probe, self.probe.records_forward(self.training))
        out = NormFunction.apply(*arguments, self.alpha) if self.alpha is not None else NormFunction.apply(*arguments)
        return out.reshape(x.shape)

    def extra_repr(self) -> str:
        plan = self.plan
        if plan.squashes and not plan.normalizes:
            return f"{self.normalized_shape}, dynamic-tanh, affine={plan.affine}"
        text = f"{self.normalized_shape}, convention={plan.convention}, eps={plan.epsilon}, affine={plan.affine}"
        if not plan.normalizes:
            return f"{self.normalized_shape}, identity"
        if plan.length_spread:
            text += ", spread=norm"
        if plan.centering == "none":
            text += ", centering=none"
        if plan.detach_mean or plan.detach_std:
            text += f", detach_mean={plan.detach_mean}, detach_std={plan.detach_std}"
        if plan.is_adaptive:
            text += f", adaptive={plan.adaptive}, C={plan.adanorm_scale}, k={plan.adanorm_k}"
        if plan.squashes:
            text += ", dynamic-tanh"
        return text


def _replacement(found: _Found, plan: NormPlan) -> InstrumentedNorm:
    """The instrumented layer for ``found`` as ``plan``; takes over its parameters of the right shape (never a gain
    per feature as ScaleNorm's scalar g)."""
    gain_shape = () if plan.scalar_gain else found.shape
    weight = found.weight if found.weight is not None and tuple(found.weight.shape) == gain_shape else None
    bias = found.bias if found.bias is not None and tuple(found.bias.shape) == found.shape else None
    reference = found.weight if found.weight is not None else found.bias
    factory: Dict[str, Any] = {} if reference is None else {"device": reference.device, "dtype": reference.dtype}
    return InstrumentedNorm(plan, found.shape, weight=weight, bias=bias, **factory)


def instrument(model: nn.Module, preset: Optional[str] = None, *, classes: Iterable[NormClass] = (),
               epsilon: Optional[float] = None, convention: Optional[str] = None,
               adanorm_scale: Optional[float] = None, adanorm_k: Optional[float] = None,
               adanorm_detached: Optional[bool] = None) -> List[str]:
    """Replaces, in place, every ``torch.nn.LayerNorm`` and ``torch.nn.RMSNorm`` of ``model`` (and every instance
    of the ``classes`` given) by an ``InstrumentedNorm``, and returns their names in ``model.named_modules()``
    order (the names the trace records).

    ``preset=None`` keeps each layer's own behaviour; a preset name (``layernorm``, ``layernorm-simple``,
    ``detachnorm``, ``detach-mean``, ``detach-std``, ``adanorm``, ``rmsnorm``, ``scalenorm``, ``dyt``, ``none``:
    every preset schema.json declares) makes each that variant (ScaleNorm's g a new scalar at √H, DyT's α a new
    scalar at 0.5 with γ and β per feature), with
    ``epsilon``, ``convention``, ``adanorm_scale`` (C), ``adanorm_k`` (k) and ``adanorm_detached`` overriding the
    preset's own, as ``normscope record`` does. Build the optimizer after instrumenting with a preset (the variant's
    parameters may be new). Nothing is replaced when an argument is refused (``VariantError``, one line)."""
    if not isinstance(model, nn.Module):
        raise VariantError(f"instrument() needs a torch.nn.Module, got {type(model).__name__}")
    classes = tuple(classes)
    for custom in classes:
        if not isinstance(custom, NormClass):
            raise VariantError(f"classes must hold NormClass values, got {custom!r}")
    overrides = {"epsilon": epsilon, "convention": convention, "adanorm_scale": adanorm_scale,
                 "adanorm_k": adanorm_k, "adanorm_detached": adanorm_detached}
    chosen = preset_plan(preset, **overrides) if preset is not None else None
    if chosen is None and any(value is not None for value in overrides.values()):
        given = ", ".join(name for name, value in overrides.items() if value is not None)
        raise VariantError(f"{given} override a preset's settings: pass preset= too (with preset=None each layer "
                           "keeps its own)")
    # Everything is described (and refused, if need be) before anything is replaced. A layer registered at
    # several places (shared) is replaced by one instrumented layer everywhere, named by its first place.
    replacements: Dict[int, Tuple[str, InstrumentedNorm]] = {}
    places: List[Tuple[str, int]] = []
    for name, module in model.named_modules(remove_duplicate=False):
        if any(name.startswith(found + ".") for found, _ in places):
            continue  # inside a layer being replaced
        if id(module) not in replacements:
            found = _describe(module, classes)
            if found is None:
                continue
            if not name:
                raise VariantError("the model itself is a normalization layer: wrap it in a torch.nn.Module to "
                                   "instrument it")
            replacements[id(module)] = (name, _replacement(found, chosen if chosen is not None else found.plan))
        places.append((name, id(module)))
    for name, key in places:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, replacements[key][1])
    return [name for name, _ in replacements.values()]


def instrumented_layers(model: nn.Module) -> List[Tuple[str, InstrumentedNorm]]:
    """The model's instrumented layers with their names, in ``named_modules()`` order."""
    return [(name, module) for name, module in model.named_modules() if isinstance(module, InstrumentedNorm)]
