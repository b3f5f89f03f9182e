"""Colours of the figures: the Okabe–Ito palette in the order of the HTML report (``ChartPalette.okabeIto``).

Preset i of the sorted presets of the trace(s) gets colour i (wrapping after eight), in every figure, so a preset
keeps its colour also when ``--groups`` draws a subset. Within one preset's panel the gradient parts share its colour
and differ by line style, as in the report: d solid, c dashed, s dotted, t dash-dot.

Groups of one preset at different settings (a grid sweep: ``layernorm lr=0.001``, ``layernorm lr=0.0003``) share
the preset's colour and differ by marker shape. Not by line style, which already says the gradient part (and train
against valid in the loss figure); not by lightness, which the lighter Okabe–Ito colours (yellow, sky blue) have no
room for and which reads poorly for colour-blind readers. A preset with one group draws plain lines, as before.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

OKABE_ITO = (
    "#0072b2",  # blue
    "#d55e00",  # vermillion
    "#009e73",  # bluish green
    "#cc79a7",  # reddish purple
    "#e69f00",  # orange
    "#56b4e9",  # sky blue
    "#000000",  # black
    "#f0e442",  # yellow
)

PART_STYLES = {"direct": "-", "recenter": "--", "rescale": ":", "total": "-."}
PART_LABELS = {"direct": "d (direct)", "recenter": "c (re-centering)", "rescale": "s (re-scaling)",
               "total": "t (total)"}

HEATMAP = "viridis"

# Filled shapes that stay distinct at 5 pt and in greyscale print; a preset's 11th group repeats the first.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">")


def preset_colours(presets: Iterable[str]) -> Dict[str, str]:
    """``{preset: "#rrggbb"}``: the i-th preset in sorted order gets the i-th Okabe–Ito colour."""
    return {preset: OKABE_ITO[i % len(OKABE_ITO)] for i, preset in enumerate(sorted(set(presets)))}


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
    return {"marker": marker, "markevery": (offset, 0.1), "ms": 5}
