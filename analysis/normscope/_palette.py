"""Colours of the figures: the Okabe–Ito palette in the order of the HTML report (``ChartPalette.okabeIto``).

Preset i of the sorted presets of the trace(s) gets colour i (wrapping after eight), in every figure, so a preset
keeps its colour also when ``--groups`` draws a subset. Within one preset's panel the gradient parts share its colour
and differ by line style, as in the report: d solid, c dashed, s dotted, t dash-dot.
"""

from __future__ import annotations

from typing import Dict, Iterable

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


def preset_colours(presets: Iterable[str]) -> Dict[str, str]:
    """``{preset: "#rrggbb"}``: the i-th preset in sorted order gets the i-th Okabe–Ito colour."""
    return {preset: OKABE_ITO[i % len(OKABE_ITO)] for i, preset in enumerate(sorted(set(presets)))}
