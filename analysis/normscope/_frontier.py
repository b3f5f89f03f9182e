"""The ``frontier`` figure: where each variant stops training over a learning-rate grid (METHODS.md, "Stability
over a learning-rate grid"; the numbers from ``_stability`` or from analyze's JSON ``stability`` key).

One panel per variant (a preset at one value of every grouping key but ``lr`` and ``layers``, e.g. a placement):
learning rate (x, log) × depth (``layers``, y); each group a disc filled by the share of its runs that were stable
(cividis: dark none, yellow all) and edged in the preset's colour, with the counts stable/stalled/diverged under it.
A last panel gives each variant's largest stable learning rate against depth, one line per variant in its preset's
colour: an open triangle where that rate is the grid's largest (the variant may be stable beyond it), a cross at
the bottom where no rate was stable.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from . import _palette
from ._grouping import VARIANT_KEYS, Grouping
from ._layout import Style, finish, handle, legend_below, legend_rows, panel_title, panels
from ._stability import LR, Stability, StabilityGroup

DEPTH = "layers"
SHARE_MAP = "cividis"
LINE_STYLES = ("-", "--", ":", "-.")


def _depth(group: StabilityGroup) -> Optional[float]:
    value = group.settings.get(DEPTH)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _variants(stability: Stability, keys: Tuple[str, ...]) -> Dict[str, List[StabilityGroup]]:
    """``{variant label: its groups}`` in the groups' order: a variant is the preset and every key but lr and
    layers."""
    variant = Grouping(tuple(k for k in keys if k not in (LR, DEPTH)))
    out: Dict[str, List[StabilityGroup]] = {}
    for group in stability.groups:
        out.setdefault(variant.label(group.preset, group.settings), []).append(group)
    return out


def _line_styles(variants: Dict[str, List[StabilityGroup]]) -> Dict[str, str]:
    """Each variant's line style, from its settings other than the preset's (placement, say): post-norm has one
    style in every preset's colour, so style and colour each say one thing."""
    def others(groups: List[StabilityGroup]) -> Tuple[Tuple[str, str], ...]:
        return tuple(sorted((k, str(v)) for k, v in groups[0].settings.items()
                            if k not in (LR, DEPTH) and k not in VARIANT_KEYS))
    kinds = sorted({others(groups) for groups in variants.values()})
    return {label: LINE_STYLES[kinds.index(others(groups)) % len(LINE_STYLES)] for label, groups in variants.items()}


def frontier_figure(stability: Stability, keys: Tuple[str, ...], style: Style = Style()) -> Figure:
    """The figure of the module docstring; ``keys`` are the grouping keys (``lr`` among them)."""
    variants = _variants(stability, keys)
    with_depth = DEPTH in keys
    summary = 1 if with_depth else 0
    handles = [handle("stable/stalled/diverged runs under each disc", ls="none", marker="o", mfc="#cccccc",
                      mec="black")]
    if with_depth:
        styles = _line_styles(variants)
        handles += [handle(label, _palette.preset_colour(groups[0].preset), marker="o", ls=styles[label],
                           lw=style.size.line) for label, groups in variants.items()]
        handles += [handle("largest lr of the grid (may be stable beyond)", ls="none", marker="^", mfc="none"),
                    handle("no stable lr", ls="none", marker="x")]
    fig, axes = panels(style, len(variants) + summary, extra=legend_rows(len(handles), style, 30) + 0.35)
    cmap, norm = colormaps[SHARE_MAP], Normalize(0, 1)
    depths = sorted({d for g in stability.groups for d in [_depth(g)] if d is not None})
    rates = sorted({g.lr for g in stability.groups if g.lr is not None})
    columns = style.size.grid(len(variants) + summary)[1]
    for i, (ax, (label, groups)) in enumerate(zip(axes, variants.items())):
        ax.grid(False)
        colour = _palette.preset_colour(groups[0].preset)
        for group in groups:
            if group.lr is None:
                continue
            y = depths.index(_depth(group)) if _depth(group) in depths else 0
            share = group.stable / group.runs if group.runs else math.nan
            face = cmap(norm(share)) if group.runs else "none"
            ax.scatter([group.lr], [y], s=38, c=[face], edgecolors=colour, linewidths=style.size.line, zorder=3,
                       gid=f"frontier:{group.group}")
            ax.annotate(f"{group.stable}/{group.stalled}/{group.diverged}" if group.runs else "–",
                        (group.lr, y), textcoords="offset points", xytext=(0, -8), ha="center", va="top",
                        fontsize=style.size.font - 2.5)
        ax.set_xscale("log")
        if rates:
            ax.set_xlim(rates[0] / 1.8, rates[-1] * 1.8)
        ax.set_ylim(-0.7, max(len(depths), 1) - 0.3)
        ax.set_yticks(range(max(len(depths), 1)), [f"{d:g}" for d in depths] or ["all"])
        panel_title(ax, label, style)
        ax.set_xlabel("learning rate")
        if i % columns == 0:
            ax.set_ylabel("depth (layers)" if with_depth else "")
    if with_depth:
        _largest_stable_panel(axes[-1], stability, variants, keys, depths, rates, style)
    fig.colorbar(ScalarMappable(norm, cmap), ax=axes, label="share of stable runs", shrink=0.7,
                 location="right")
    legend_below(fig, handles, style)
    title = (f"Stability over the learning-rate grid: stable (neither diverged nor stalled, best validation loss "
             f"≤ {stability.stall_fraction:g} × the data's prior loss), per variant and depth")
    return finish(fig, title, style)


def _largest_stable_panel(ax, stability: Stability, variants: Dict[str, List[StabilityGroup]], keys: Tuple[str, ...],
                          depths: List[float], rates: List[float], style: Style) -> None:
    """Each variant's largest stable lr against depth, from the frontier's cells (a cell: a variant at one
    depth)."""
    cell_label = Grouping(tuple(k for k in keys if k != LR))
    cells = {c.cell: c for c in stability.frontier}
    bottom = rates[0] / 1.6 if rates else 1e-5
    styles = _line_styles(variants)
    # Variants often share a rate at a depth: each is nudged sideways by a few hundredths of the depth range, so
    # that no marker (a "no stable lr" cross, say) hides another's.
    spread = 0.012 * ((depths[-1] - depths[0]) if len(depths) > 1 else 1.0)
    for i, (label, groups) in enumerate(variants.items()):
        nudge = spread * (i - (len(variants) - 1) / 2)
        colour = _palette.preset_colour(groups[0].preset)
        points: Dict[float, Tuple[Optional[float], bool]] = {}
        for g in groups:
            cell = cells.get(cell_label.label(g.preset, g.settings))
            if cell is not None and _depth(g) is not None:
                points[_depth(g)] = (cell.largest_stable_lr, cell.at_grid_edge)
        xs = sorted(points)
        ys = [points[x][0] if points[x][0] is not None else np.nan for x in xs]
        ax.plot([x + nudge for x in xs], ys, color=colour, ls=styles[label], marker="o", lw=style.size.line,
                gid=f"largest-stable:{label}")
        for x in xs:
            lr, edge = points[x]
            if lr is None:
                ax.plot([x + nudge], [bottom], "x", color=colour, gid=f"none-stable:{label}:{x:g}")
            elif edge:
                ax.plot([x + nudge], [lr * 1.35], "^", mfc="none", color=colour, gid=f"grid-edge:{label}:{x:g}")
    ax.set_yscale("log")
    if rates:
        ax.set_ylim(bottom / 1.3, rates[-1] * 2)
    ax.set_xticks(depths, [f"{d:g}" for d in depths])
    ax.set_xlabel("depth (layers)")
    ax.set_ylabel("learning rate")
    panel_title(ax, "largest stable learning rate", style)
