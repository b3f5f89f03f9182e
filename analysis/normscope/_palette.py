"""Colours of the figures: one fixed colour per preset, the table of the HTML report (``ChartPalette.presetColors``
in the Swift sources, exported into schema.json by ``normscope schema``).

A preset has its colour whichever presets the trace(s) hold, in every figure, in the report and in the notebook: seven
Okabe–Ito colours (colour-blind safe) and a neutral grey, without Okabe–Ito's yellow, which is barely visible as a thin
line on white, and two colours of Paul Tol's colour-blind-safe "muted" scheme for ScaleNorm and DyT. A preset not in
the table gets the table's colour at the 32-bit FNV-1a hash of its name (UTF-8) modulo the table's length, as the
report computes it. Within one preset's panel the gradient parts share its colour and differ
by line style, as in the report: d solid, c dashed, s dotted, t dash-dot.

Groups of one preset at different settings (a grid sweep: ``layernorm lr=0.001``, ``layernorm lr=0.0003``) share
the preset's colour and differ by marker shape, as in the report. Not by line style, which already says the gradient
part (and train against valid in the loss figure); not by lightness, which the lighter colours have no room for and
which reads poorly for colour-blind readers. A preset with one group draws plain lines.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

from . import _schema

# Each preset's fixed colour, from the trace format's declaration (schema.json: ChartPalette.presetColors).
PRESET_COLOURS: Dict[str, str] = dict(_schema.PRESET_PALETTE)

PART_STYLES = {"direct": "-", "recenter": "--", "rescale": ":", "total": "-."}
PART_LABELS = {"direct": "d (direct)", "recenter": "c (re-centering)", "rescale": "s (re-scaling)",
               "total": "t (total)"}

HEATMAP = "viridis"

# Filled shapes that stay distinct at 3.5 pt (the figures' size) and in greyscale print; a preset's 11th group
# repeats the first.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def _fnv1a(text: str) -> int:
    """The 32-bit FNV-1a hash of ``text``'s UTF-8 bytes (``ChartPalette.fnv1a``)."""
    value = 0x811C9DC5
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def preset_colour(preset: str) -> str:
    """``"#rrggbb"``: the preset's colour in the table, else the table's colour at the hash of its name."""
    if preset in PRESET_COLOURS:
        return PRESET_COLOURS[preset]
    colours = list(PRESET_COLOURS.values())
    return colours[_fnv1a(preset) % len(colours)]


def preset_colours(presets: Iterable[str]) -> Dict[str, str]:
    """``{preset: "#rrggbb"}`` for the presets given (sorted): each its fixed colour (``preset_colour``)."""
    return {preset: preset_colour(preset) for preset in sorted(set(map(str, presets)))}


def group_markers(groups: Iterable[Tuple[str, str]]) -> Dict[str, Optional[str]]:
    """``{label: marker}`` for ``(label, preset)`` pairs in drawing order: the j-th group of a preset gets the j-th
    of ``MARKERS``; None for the group of a preset that has only one."""
    by_preset: Dict[str, list] = {}
    for label, preset in groups:
        by_preset.setdefault(preset, []).append(label)
    out: Dict[str, Optional[str]] = {}
    for labels in by_preset.values():
        for j, label in enumerate(labels):
            out[label] = MARKERS[j % len(MARKERS)] if len(labels) > 1 else None
    return out


def marker_style(marker: Optional[str]) -> Dict[str, Any]:
    """Keyword arguments that put ``marker`` along a line: evenly spaced on screen whatever the number of points,
    started a little later for each shape so that groups with the same curve do not hide each other's markers."""
    if marker is None:
        return {}
    offset = 0.02 * (MARKERS.index(marker) % 5 if marker in MARKERS else 0)
    return {"marker": marker, "markevery": (offset, 0.1), "ms": 3.5}
