"""What a recorded run says about itself (TRACE_FORMAT.md, "Run group"): its settings, typed by their declared
kinds (``schema.json``'s settings), its configuration as JSON, and its normalization (``norm_*``, the preset it is
and the overrides that make it so) read from the model's instrumented layers, never taken on trust."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from .. import _schema
from ._modules import InstrumentedNorm
from ._variants import NormPlan, PhiBins, VariantError
from ._writer import LayerLayout


class SettingsError(ValueError):
    """A run setting that cannot be recorded as given; one line naming the setting and what is expected."""


# Run attributes the writer keeps for itself (status, completed_steps, …, norm_layers).
RESERVED = frozenset(_schema.RUN_ATTRIBUTES)
# Seeds beyond 2⁵³ cannot be held exactly by a JSON reader; analyze refuses them.
MAX_SEED = 1 << 53


def _plain(name: str, value: Any) -> Any:
    """A setting's value as a plain Python bool, int, float, str or list of them."""
    if isinstance(value, (np.generic,)):
        value = value.item()
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0 and hasattr(value, "dtype"):  # a 0-d tensor
        value = value.item()
    if isinstance(value, (bool, int, float, str)):
        if isinstance(value, float) and not math.isfinite(value):
            raise SettingsError(f"setting {name!r} is {value}, which a configuration cannot hold (JSON has no NaN "
                                "or infinity)")
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        items = [_plain(name, item) for item in list(value)]
        if any(isinstance(item, list) for item in items):
            raise SettingsError(f"setting {name!r} is a nested list; a setting is a value or a flat list")
        kinds = {str if isinstance(i, str) else bool if isinstance(i, bool) else float for i in items}
        if len(kinds) > 1 or bool in kinds:
            raise SettingsError(f"setting {name!r} mixes kinds or holds booleans; a list setting holds numbers or "
                                "strings")
        return items
    if value is None:
        raise SettingsError(f"setting {name!r} is None; leave a setting out instead")
    raise SettingsError(f"setting {name!r} is a {type(value).__name__}; a setting is a bool, int, float, str or a "
                        "list of numbers or strings")


def _declared(name: str, value: Any) -> Any:
    """A declared setting checked against its kind and vocabulary, converted as the trace stores it (an int
    given for a float64 setting is stored as float64, as the Swift recorder stores it by the declared type)."""
    setting = _schema.SETTINGS[name]
    kind = setting["kind"]

    def refuse(expected: str) -> SettingsError:
        return SettingsError(f"setting {name!r} is {value!r}; the trace declares it {expected}")
    if kind == "string":
        if not isinstance(value, str):
            raise refuse("a string")
        allowed = setting.get("allowed")
        if allowed and value not in allowed:
            raise SettingsError(f"setting {name!r} is {value!r}; expected one of {', '.join(allowed)}")
    elif kind == "int64":
        if isinstance(value, bool) or not isinstance(value, int):
            raise refuse("an int64")
    elif kind == "float64":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise refuse("a float64")
        value = float(value)
    elif kind == "bool":
        if not isinstance(value, bool):
            raise refuse("a bool")
    elif kind == "int64 array":
        if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise refuse("a list of integers")
    return value


def common_plan(layers: Sequence[Tuple[str, InstrumentedNorm]]) -> Optional[NormPlan]:
    """The one normalization every layer has, or None when they differ."""
    plans = {layer.plan for _, layer in layers}
    return plans.pop() if len(plans) == 1 else None


def layouts(layers: Sequence[Tuple[str, InstrumentedNorm]], raw_rows: int) -> List[LayerLayout]:
    return [LayerLayout(name, layer.width,
                        tuple(PhiBins.standard(layer.plan).edges) if layer.plan.is_adaptive else None, raw_rows)
            for name, layer in layers]


class RunSettings:
    """A run's settings: the caller's (checked), the recorder's own (``phi_every``, ``raw_every``, ``raw_rows``
    defaults) and those read from the model (``preset``, its overrides, ``norm_*``)."""

    def __init__(self, given: Optional[Mapping[str, Any]], layers: Sequence[Tuple[str, InstrumentedNorm]],
                 model_name: str, default_seed: int):
        if given is None:
            given = {}
        if not isinstance(given, Mapping):
            raise SettingsError(f"settings must be a dict of setting → value, got a {type(given).__name__}")
        settings: Dict[str, Any] = {}
        for name, value in given.items():
            if not isinstance(name, str) or not name:
                raise SettingsError(f"setting names are non-empty strings, got {name!r}")
            if name in RESERVED:
                keyword = f" (give it as Recorder({name}=…))" if name == "prior_loss" else ""
                raise SettingsError(f"setting {name!r} is an attribute the recorder writes itself{keyword}; rename "
                                    "it")
            if name.startswith("norm_"):
                raise SettingsError(f"setting {name!r}: the norm_* settings are read from the model's layers")
            value = _plain(name, value)
            settings[name] = _declared(name, value) if name in _schema.SETTINGS else value
        settings.setdefault("model", model_name)
        if "seed" not in settings:
            if not 0 <= default_seed <= MAX_SEED:
                raise SettingsError("settings has no 'seed' and torch's initial seed is not one a trace can hold; "
                                    "pass settings={'seed': N} (or seed torch with torch.manual_seed(N))")
            settings["seed"] = default_seed
        if not 0 <= settings["seed"] <= MAX_SEED:
            raise SettingsError(f"setting 'seed' is {settings['seed']}; expected 0 … 2^53")
        for name in ("phi_every", "raw_every", "raw_rows"):
            settings.setdefault(name, _schema.SETTINGS[name]["default"])
        if settings["phi_every"] < 1:
            raise SettingsError(f"setting 'phi_every' is {settings['phi_every']}; expected 1 or more steps")
        if settings["raw_every"] < 0 or settings["raw_rows"] < 1:
            raise SettingsError("settings 'raw_every' (≥ 0) and 'raw_rows' (≥ 1) are out of range: "
                                f"{settings['raw_every']}, {settings['raw_rows']}")
        divergence = settings.get("divergence_loss")
        if divergence is not None and not divergence > 0:
            raise SettingsError(f"setting 'divergence_loss' is {divergence}; expected a loss above 0")
        self.normalization: Dict[str, Any] = {}
        plan = common_plan(layers)
        if plan is None:
            warnings.warn("the instrumented layers differ in their normalization, so the run records no norm_* "
                          "settings and analyze makes no Theorem 1 checks for it; record layers of one kind to "
                          "have them", stacklevel=3)
            plan = layers[0][1].plan
        else:
            dtype = next((p.dtype for _, layer in layers for p in layer.parameters()), None)
            self.normalization = plan.settings(dtype)
            try:
                derived = {"preset": plan.closest_preset()}
            except VariantError as error:
                raise SettingsError(str(error)) from None
            actual = {**plan.override_values(dtype), **derived}
            derived.update(plan.overrides_of(derived["preset"], dtype))
            for name, value in actual.items():
                if name in settings and settings[name] != value:
                    raise SettingsError(f"setting {name!r} is {settings[name]!r} but the model's layers are "
                                        f"{value!r}; leave it out (it is read from the model) or instrument the "
                                        "model as you meant")
            settings.update(derived)
        if "preset" not in settings:
            settings["preset"] = plan.closest_preset()
        self.values = settings
        self.phi_every: int = settings["phi_every"]
        self.raw_every: int = settings["raw_every"]
        self.raw_rows: int = settings["raw_rows"]
        self.divergence_loss: Optional[float] = divergence

    @property
    def attributes(self) -> Dict[str, Any]:
        """Every attribute of the run group but those the writer keeps (status, …): settings and ``norm_*``."""
        return {**self.values, **self.normalization}

    @property
    def config_json(self) -> str:
        """The run's configuration as JSON text, sorted and compact as the Swift recorder writes it."""
        return json.dumps(self.values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
