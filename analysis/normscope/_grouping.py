"""How ``normscope-plot`` groups runs: as ``normscope analyze`` does (Sources/Analysis/Grouping), so that a figure's
curve and analyze's table row of the same name hold the same runs.

A group is a preset at one value of each grouping key, pooled over seeds only. By default the keys are every
setting whose text differs between the runs given (all files together), less ``seed`` and ``preset``: a grid sweep
is never pooled across its grid points, a sweep over seeds alone gives one group per preset, named by the preset.
``--group-by`` names the keys instead, in the order given.

A run's settings are its JSON attribute ``config`` flattened (nested objects as dotted keys), which every NormScope
recorder writes; without it (or when it is not a JSON object) the run group's other attributes, less those the
writer keeps for itself and the normalization details that follow from the preset (``norm_*``, ``adanorm_*``).
Values are shown as analyze shows them: numbers in their shortest exact form (``0.0003``, ``64``, ``1e-05``),
booleans ``true``/``false``, lists as compact JSON (``hidden=[16,16]``), a setting a run lacks as ``—``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

import h5py
import numpy as np

from . import _schema

ABSENT = "—"
# Settings that override a preset's normalization (RunGrouping.variantKeys): part of what the variant is. A run
# without one uses its preset's value, so its label leaves the key out, and the baseline is not asked for it.
VARIANT_KEYS = frozenset({"convention", "epsilon", "adanorm_scale", "adanorm_k", "adanorm_detached"})
# Identify a run within its configuration rather than configure it (RunSettings.identity).
IDENTITY = frozenset({"seed"})
# Set by the writer, not by the sweep (RunSettings.isBookkeeping): the declared run attributes (status,
# prior_loss, …), never settings.
_BOOKKEEPING = frozenset(_schema.RUN_ATTRIBUTES)
_MISSING = object()


class GroupingError(ValueError):
    """A ``--group-by`` key no run has."""


# -- settings ----------------------------------------------------------------------------------------------------


def _number_text(value: float) -> str:
    """Swift's ``RunSettings.canonical``: integers below 1e15 without a fraction, else Swift's shortest form, which
    Python's repr matches except that Swift switches to an exponent from 2**53 on, Python only from 1e16."""
    if math.isfinite(value) and value == round(value) and abs(value) < 1e15:
        return str(int(value))
    if math.isfinite(value) and 2.0 ** 53 <= abs(value) < 1e16:
        sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
        text = "".join(map(str, digits))
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{'-' if sign else ''}{mantissa}e+{exponent + len(text) - 1:02d}"
    return repr(float(value))


def _json_text(value: Any) -> str:
    """An element of a list as Foundation's JSONEncoder writes it (which escapes slashes, not non-ASCII)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("/", "\\/")
    if isinstance(value, dict):
        return "{" + ",".join(f"{_json_text(k)}:{_json_text(value[k])}" for k in sorted(value)) + "}"
    return setting_text(value)


def setting_text(value: Any = _MISSING) -> str:
    """A setting as a group label shows it (``SettingValue.description``); ``—`` for one a run does not have."""
    if value is _MISSING:
        return ABSENT
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number_text(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return _json_text(value)
    return str(value)


def _same(value: Any) -> Any:
    """A hashable form in which two settings are equal when analyze's SettingValues are (an absent setting is null,
    numbers compare as doubles, a number never equals its text)."""
    if value is _MISSING or value is None:
        return ("null",)
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("number", float(value))
    if isinstance(value, str):
        return ("string", value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return ("array", tuple(_same(v) for v in value))
    if isinstance(value, dict):
        return ("object", tuple(sorted((k, _same(v)) for k, v in value.items())))
    return ("string", str(value))


def _flatten(config: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {}

    def add(value: Any, key: str) -> None:
        if isinstance(value, dict):
            for name, inner in value.items():
                add(inner, f"{key}.{name}" if key else name)
        else:
            out[key] = value

    add(config, "")
    return out


def _attribute(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        return [_attribute(v) for v in value.tolist()] if value.ndim == 1 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_settings(run) -> Tuple[Dict[str, Any], Optional[str]]:
    """The settings of a ``normscope.Run`` as analyze groups by them, and a note when its ``config`` could not be
    used (its other attributes are used then)."""
    text = run.attrs.get("config")
    note = None
    if text is not None:
        try:
            config = json.loads(text)
            if isinstance(config, dict):
                return _flatten(config), None
            note = "is JSON but not an object of settings"
        except (TypeError, ValueError):
            note = "is not valid JSON"
        note = (f"{run.trace.path}: /runs/{run.id}@config: {note} (expected the run's configuration as JSON text); its "
                "settings were read from the run's other attributes")
    # The stored attributes, not Run.attrs: analyze keeps format 1's text as text, and labels must read the same.
    obj = f"/runs/{run.id}"
    raw = run.trace._attrs(obj, run.trace._node(obj, h5py.Group))
    settings = {name: _attribute(value) for name, value in raw.items()
                if name not in _BOOKKEEPING and not name.startswith(("norm_", "adanorm_"))}
    return settings, note


def run_identity(preset: str, seed: int, settings: Dict[str, Any]) -> Tuple[Any, ...]:
    """What makes two runs the same run (analyze's ``RunIdentity``): preset, seed and every setting, compared as
    analyze compares them. Runs of other settings are other runs whatever their ids."""
    return (preset, seed, _same(settings))


# -- groups ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """The settings besides the preset that tell groups apart, and whether they were found (not ``--group-by``)."""
    keys: Tuple[str, ...] = ()
    automatic: bool = True

    def label(self, preset: str, settings: Dict[str, Any]) -> str:
        """``preset key=value …``, e.g. ``layernorm lr=0.0003``; the preset alone without keys. A normalization
        override the run does not set is left out (``layernorm`` beside ``adanorm adanorm_scale=1``)."""
        shown = [k for k in self.keys if k not in VARIANT_KEYS or settings.get(k, _MISSING) not in (_MISSING, None)]
        return " ".join([preset] + [f"{k}={setting_text(settings.get(k, _MISSING))}" for k in shown])

    def match(self, settings: Dict[str, Any]) -> Tuple[Any, ...]:
        """What a group and the baseline's group at the same settings share."""
        return tuple(_same(settings.get(k, _MISSING)) for k in self.keys)

    def near(self, settings: Dict[str, Any]) -> Tuple[Any, ...]:
        """The same, but for the normalization overrides: the baseline group to use when none matches exactly."""
        return tuple(_same(settings.get(k, _MISSING)) for k in self.keys if k not in VARIANT_KEYS)

    def order(self, settings: Dict[str, Any]) -> Tuple[Any, ...]:
        """Sorts a preset's groups by their values, numbers by size (lr=0.0003 before lr=0.001), absent last."""
        out = []
        for k in self.keys:
            value = settings.get(k, _MISSING)
            if value is _MISSING or value is None:
                out.append((2, 0.0, ""))
            elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
                out.append((0, float(value), ""))
            else:
                out.append((1, 0.0, setting_text(value)))
        return tuple(out)

    def describe(self) -> str:
        how = "settings that differ between the runs" if self.automatic else "--group-by"
        return f"groups: preset + {', '.join(self.keys)} ({how}); runs pooled over seeds only"


def automatic_grouping(settings: Sequence[Dict[str, Any]]) -> Grouping:
    """Every setting whose text differs between the runs, but the seed and the preset, in name order."""
    names = set().union(*settings) - IDENTITY - {"preset"} if settings else set()
    keys = [k for k in sorted(names) if len({setting_text(s.get(k, _MISSING)) for s in settings}) > 1]
    return Grouping(tuple(keys), True)


def chosen_grouping(keys: Sequence[str], settings: Sequence[Dict[str, Any]]) -> Grouping:
    """The keys of ``--group-by`` (``preset`` may be named and is always a key); GroupingError for one no run has."""
    known = set().union(*settings) | {"preset"} if settings else {"preset"}
    for key in keys:
        if key not in known:
            raise GroupingError(f"--group-by {key}: no such setting (the runs have {', '.join(sorted(known))})")
    return Grouping(tuple(dict.fromkeys(k for k in keys if k != "preset")), False)


def split_list(text: str) -> List[str]:
    """A comma-separated option split at the commas outside brackets, so a label ``layernorm hidden=[16,16]`` stays
    whole; blanks dropped."""
    items, depth, current = [], 0, ""
    for char in text:
        depth += char in "[{"
        depth -= char in "]}"
        if char == "," and depth <= 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    return [item.strip() for item in items if item.strip()]


def file_stem(label: str) -> str:
    """A group label as part of a file name that every file system and shell takes as it is: brackets and quotes
    dropped, spaces and other unsafe characters as ``_`` (``adanorm lr=0.001`` → ``adanorm_lr=0.001``); a long
    label shortened with a hash, so names stay distinct and within the limits of file systems."""
    stem = re.sub(r"[\[\]{}\"']", "", label)
    stem = re.sub(r"[^A-Za-z0-9.,=+-]+", "_", stem).strip("_.") or "group"
    if len(stem) > 120:
        stem = stem[:100] + "-" + hashlib.sha1(label.encode("utf-8")).hexdigest()[:8]
    return stem
