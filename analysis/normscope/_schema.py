"""The trace format's declaration, as ``normscope schema`` exports it (``schema.json`` beside this file).

The Swift recorder, its readers and checks, TRACE_FORMAT.md and this package all follow one declaration: each
table's fields (with what older traces read for fields added later), each run setting's type and values, the run
statuses, the presets' definitions and colours. This module turns the exported JSON into the lookups the package
uses; nothing here lists a field, a setting or a preset by hand. A test of the Swift suite fails when
``schema.json`` differs from what ``normscope schema`` prints.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Tuple

_DOCUMENT: Dict[str, Any] = json.loads((Path(__file__).with_name("schema.json")).read_text(encoding="utf-8"))

FORMAT: str = _DOCUMENT["format"]
# The version this NormScope writes.
FORMAT_VERSION: int = int(_DOCUMENT["format_version"])
SUPPORTED_VERSIONS: Tuple[int, ...] = tuple(range(_DOCUMENT["readable_versions"][0],
                                                  _DOCUMENT["readable_versions"][1] + 1))

_TABLES = {table["name"]: table for table in _DOCUMENT["tables"]}


def declared_fields(table: str) -> Tuple[Dict[str, Any], ...]:
    """Every field of ``table`` as declared: ``name``, ``type``, ``unit``, ``range``, ``meaning`` and, for a field
    added later, ``older_traces_read``."""
    return tuple(_TABLES[table]["fields"])


def fields(table: str) -> Tuple[str, ...]:
    """Every field of ``table`` (``steps``, ``evals``, ``grad``, ``phi``) in file order."""
    return tuple(field["name"] for field in _TABLES[table]["fields"])


def required_fields(table: str) -> Tuple[str, ...]:
    """The fields every stored ``table`` has."""
    return tuple(field["name"] for field in _TABLES[table]["fields"] if field.get("older_traces_read") is None)


def later_fields(table: str) -> Tuple[str, ...]:
    """The fields added after tables were first written: a table without them reads them as NaN."""
    return tuple(field["name"] for field in _TABLES[table]["fields"] if field.get("older_traces_read") is not None)


SETTINGS: Dict[str, Dict[str, Any]] = {setting["name"]: setting for setting in _DOCUMENT["settings"]}
# A run group's attributes that are not settings (status, completed_steps, …), with their stored types.
RUN_ATTRIBUTES: Dict[str, str] = {attribute["name"]: attribute["type"] for attribute in _DOCUMENT["attributes"]
                                  if attribute["place"] == "run"}
STATUSES: Tuple[str, ...] = tuple(_DOCUMENT["statuses"])
PHI_QUANTILE_LEVELS: Tuple[float, ...] = tuple(_DOCUMENT["phi_quantile_levels"])
RAW_PARTS: Tuple[str, ...] = tuple(_DOCUMENT["raw_part_names"])
PRESETS: Dict[str, Dict[str, Any]] = {preset["name"]: preset for preset in _DOCUMENT["presets"]}
# The charts' colour table, in its order (an unknown preset takes the entry at a hash of its name).
PRESET_PALETTE: Tuple[Tuple[str, str], ...] = tuple((name, colour) for name, colour in _DOCUMENT["preset_palette"])
