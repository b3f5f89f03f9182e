"""The run settings' documented types (TRACE_FORMAT.md, "Run group") and how each format stores them.

Format 2 stores every setting with its type; format 1 stored most of them as text (``momentum = '0.9'``,
``hidden = '[128,128]'``, ``norm_detach_mean = 'false'``, ``norm_adanorm_scale = ''`` where it does not exist).
Both are turned into the same Python values here, so a format-1 and a format-2 trace of the same sweep give the
same ``Trace.runs`` table.

Decisions:

- A documented setting of the wrong type (format 2), or text that does not parse as its type (format 1), is a
  ``TraceError`` naming the run and the attribute, never a silently wrong value: the same rule ``normscope
  inspect`` applies (``attribute 'momentum' holds string 0.9, expected float64``).
- Settings that are not listed (added later, or added by a caller) are kept as they are stored, not judged.
- Lists (``hidden``) become tuples, so a ``runs`` column of them can be grouped and compared.
- An empty format-1 text (``norm_adanorm_scale = ''``) means "not set" and becomes a missing value.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict

import numpy as np

from . import _schema
from ._errors import TraceError

STRING = "string"
INT = "int64"
FLOAT = "float64"
BOOL = "bool"
INT_LIST = "int64 array"

# The documented settings' types, from the trace format's one declaration (schema.json).
SETTING_TYPES: Dict[str, str] = {name: setting["kind"] for name, setting in _schema.SETTINGS.items()}

# Run attributes that are not settings, with their types (both formats store these typed).
STATE_TYPES: Dict[str, str] = {name: kind for name, kind in _schema.RUN_ATTRIBUTES.items()
                               if kind in (STRING, INT)}

STATUSES = _schema.STATUSES


def _describe(value: Any) -> str:
    if isinstance(value, (bytes, str)):
        kind = "string"
    elif isinstance(value, np.ndarray):
        kind = f"{value.dtype} array"
    elif isinstance(value, np.generic):
        kind = str(value.dtype)
    else:
        kind = type(value).__name__
    text = str(value.decode("utf-8", "replace") if isinstance(value, bytes) else value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text!r}" if kind == "string" else f"{kind} {text}"


def _typed(value: Any, kind: str) -> Any:
    """A format-2 attribute checked against its documented type; ValueError if it has another."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if kind == STRING:
        if isinstance(value, str):
            return value
    elif kind == INT:
        if isinstance(value, (np.integer, int)) and not isinstance(value, (bool, np.bool_)):
            return int(value)
    elif kind == FLOAT:
        if isinstance(value, (np.floating, float)):
            return float(value)
    elif kind == BOOL:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
    elif kind == INT_LIST:
        if isinstance(value, np.ndarray) and value.ndim == 1 and np.issubdtype(value.dtype, np.integer):
            return tuple(int(v) for v in value)
    raise ValueError


def _from_text(value: Any, kind: str) -> Any:
    """A format-1 attribute: typed already (seed, steps, lr, …) or text to parse; ValueError if it does not."""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        return _typed(value, kind)
    if kind == STRING:
        return value
    if value == "":
        return None
    if kind == INT:
        return int(value)
    if kind == FLOAT:
        number = float(value)
        return number
    if kind == BOOL:
        if value in ("true", "false"):
            return value == "true"
        raise ValueError
    if kind == INT_LIST:
        items = json.loads(value)
        if not isinstance(items, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
            raise ValueError
        return tuple(items)
    raise ValueError


def _plain(value: Any) -> Any:
    """An attribute that is not documented, as a plain Python value (arrays as tuples)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.ndim == 1:
            return tuple(v.decode("utf-8", "replace") if isinstance(v, bytes) else v.item() for v in value)
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_attribute(name: str, value: Any, format_version: int, where: Callable[[], str]) -> Any:
    """The Python value of run attribute ``name``; ``where()`` names the object for the error."""
    kind = SETTING_TYPES.get(name) or STATE_TYPES.get(name)
    if kind is None:
        return _plain(value)
    convert = _from_text if format_version == 1 and name in SETTING_TYPES else _typed
    try:
        return convert(value, kind)
    except (ValueError, TypeError, UnicodeDecodeError):
        pass
    expected = f"{kind} as text (format 1)" if convert is _from_text else kind
    raise TraceError(f"{where()}: attribute '{name}' holds {_describe(value)}, expected {expected}") from None
