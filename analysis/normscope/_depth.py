"""Figures of quantities against depth and layer: ``depth-shares`` (the re-centering and re-scaling parts' shares
of the gradient, late in training, per layer, one line per depth) and ``forward-recentering`` (how much the forward
pass re-centres each layer's input, ``abs_mean_over_std``, over steps, or late in training per layer and depth
when the runs differ in depth).

Over a learning-rate grid each (variant, depth) is drawn at the grid's smallest ``lr``, the rate most likely stable
at every depth, and the title says so: the shares change with the rate, and one line per rate would bury the
depth's effect. A run that diverged contributes its steps before the divergence only.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import _palette
from ._grouping import Grouping
from ._layout import Style, finish, handle, label_steps, legend_below, legend_rows, panel_title, panels
from ._plotdata import PlotData, RunData

DEPTH = "layers"
LR = "lr"
FORWARD = "abs_mean_over_std"
SHARES = (("recenter_share", "‖c‖/‖d‖ (re-centering)", "-"), ("rescale_share", "‖s‖/‖d‖ (re-scaling)", "--"))
LATE = 0.1   # the last tenth of a run's recorded steps


def chosen_groups(data: PlotData) -> Tuple[Dict[str, List[RunData]], str]:
    """The groups drawn (all, or over an lr grid each variant and depth at its smallest lr) and what the title
    says about the choice."""
    groups = data.groups
    if LR not in data.grouping.keys:
        return groups, ""
    cell = Grouping(tuple(k for k in data.grouping.keys if k != LR))
    smallest: Dict[str, Tuple[float, str]] = {}
    for label, runs in groups.items():
        lr = runs[0].settings.get(LR)
        key = cell.label(runs[0].preset, runs[0].settings)
        if isinstance(lr, (int, float)) and (key not in smallest or lr < smallest[key][0]):
            smallest[key] = (float(lr), label)
    kept = {label for _, label in smallest.values()}
    rates = sorted({lr for lr, _ in smallest.values()})
    return ({label: runs for label, runs in groups.items() if label in kept},
            f" at the grid's smallest learning rate ({', '.join(f'{r:g}' for r in rates)})")


def _before_divergence(run: RunData, frame: pd.DataFrame) -> pd.DataFrame:
    return frame if run.diverged_at is None else frame[frame.index < run.diverged_at]


def late_mean(run: RunData, layer: str, field: str) -> float:
    """The mean of ``field``'s finite values over the last tenth (at least one) of the run's steps before any
    divergence; NaN without one."""
    if layer not in run.grads or field not in run.grads[layer]:
        return math.nan
    values = _before_divergence(run, run.grads[layer])[field].to_numpy(dtype=float)
    values = values[len(values) - max(1, int(len(values) * LATE)):]
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else math.nan


def has_depths(data: PlotData) -> bool:
    return DEPTH in data.grouping.keys


def depth_shares_figure(data: PlotData, style: Style = Style()) -> Figure:
    """Per variant (panel): each norm layer's share ‖c‖/‖d‖ (solid) and ‖s‖/‖d‖ (dashed), late-training mean,
    mean over seeds, against the layer's position; one line per depth (marker), the preset's colour."""
    return _late_by_layer(data, style, SHARES, "share of ‖d‖ (dimensionless)",
                          "Gradient parts' shares per layer and depth, mean over the last tenth of training and over "
                          "seeds")


def _late_by_layer(data: PlotData, style: Style, fields, ylabel: str, title: str) -> Figure:
    """Per variant (panel): each of ``fields`` (name, legend text, line style), late-training mean per norm layer
    and mean over seeds, against the layer's position; one line per depth (marker), in the preset's colour."""
    groups, chosen = chosen_groups(data)
    variant = Grouping(tuple(k for k in data.grouping.keys if k not in (LR, DEPTH)))
    panels_of: Dict[str, List[str]] = {}
    for label, runs in groups.items():
        panels_of.setdefault(variant.label(runs[0].preset, runs[0].settings), []).append(label)
    depths = sorted({float(runs[0].settings[DEPTH]) for runs in groups.values()
                     if isinstance(runs[0].settings.get(DEPTH), (int, float))})
    marker = {d: _palette.MARKERS[i % len(_palette.MARKERS)] for i, d in enumerate(depths)}
    handles = [handle(name, ls=ls, lw=style.size.line) for _, name, ls in fields] if len(fields) > 1 else []
    handles += [handle(f"depth {d:g} (layers)", ls="none", marker=marker[d]) for d in depths]
    handles += [handle(preset, data.colours[preset], lw=style.size.line)
                for preset in dict.fromkeys(runs[0].preset for runs in groups.values())]
    fig, axes = panels(style, len(panels_of), extra=legend_rows(len(handles), style))
    columns = style.size.grid(len(panels_of))[1]
    for i, (ax, (panel, labels)) in enumerate(zip(axes, panels_of.items())):
        for label in labels:
            runs = groups[label]
            depth = runs[0].settings.get(DEPTH)
            colour = data.colour(label)
            layers = runs[0].layers
            for field, _, ls in fields:
                values = [np.nanmean([late_mean(r, layer, field) for r in runs]) if any(
                    np.isfinite(late_mean(r, layer, field)) for r in runs) else np.nan for layer in layers]
                ax.plot(range(1, len(layers) + 1), values, color=colour, ls=ls, lw=style.size.line,
                        marker=marker.get(float(depth), "o") if isinstance(depth, (int, float)) else "o", ms=3,
                        gid=f"{field}:{label}")
        panel_title(ax, panel, style)
        ax.set_xlabel("norm layer (model order)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if i % columns == 0:
            ax.set_ylabel(ylabel)
    legend_below(fig, handles, style)
    return finish(fig, f"{title}{chosen}", style)


def has_forward(data: PlotData) -> bool:
    """Whether a run records ``abs_mean_over_std`` (traces from before it was declared do not)."""
    return any(FORWARD in frame and np.isfinite(frame[FORWARD].to_numpy(dtype=float)).any()
               for run in data.runs for frame in run.grads.values())


def _shade(colour: str, position: float) -> Tuple[float, float, float]:
    """The preset's colour mixed with white: 35% of it for the first layer, all of it for the last."""
    weight = 0.35 + 0.65 * position
    return tuple(weight * c + (1 - weight) * 1.0 for c in to_rgb(colour))


def forward_figure(data: PlotData, style: Style = Style()) -> Figure:
    """Per group (panel): ``abs_mean_over_std`` of each norm layer's input over steps, mean over seeds, smoothed;
    the layers in the preset's colour from light (first) to full (last). Runs that differ in depth are drawn as
    depth-shares is, the late-training value per layer and a line per depth: a panel per group and depth would
    be dozens of panels for a depth grid."""
    if has_depths(data):
        return _late_by_layer(data, style, ((FORWARD, "mean |μ|/σ", "-"),),
                              "mean over rows of |μ| / σ (dimensionless)",
                              "How much the forward pass re-centres: mean over rows of |μ|/σ of each layer's input, "
                              "over the last tenth of training and over seeds")
    groups, chosen = chosen_groups(data)
    groups = {label: runs for label, runs in groups.items()
              if any(FORWARD in f for r in runs for f in r.grads.values())}
    presets = list(dict.fromkeys(data.preset_of(g) for g in groups))
    handles = []
    for preset in presets:
        colour = data.colours[preset]
        handles += [handle(f"{preset}: first layer", _shade(colour, 0.0), lw=style.size.line),
                    handle(f"{preset}: last layer", _shade(colour, 1.0), lw=style.size.line)]
    fig, axes = panels(style, len(groups), extra=legend_rows(len(handles), style), sharey=True)
    for ax, (label, runs) in zip(axes, groups.items()):
        layers = [layer for layer in data.layers if any(layer in r.grads and FORWARD in r.grads[layer] for r in runs)]
        for j, layer in enumerate(layers):
            frames = [_before_divergence(r, r.grads[layer])[FORWARD] for r in runs if layer in r.grads]
            series = style.per_step(pd.concat(frames, axis=1).mean(axis=1))
            ax.plot(series.index, series.values, color=_shade(data.colour(label), j / max(len(layers) - 1, 1)),
                    lw=style.size.line, gid=f"{FORWARD}:{label}:{layer}")
        panel_title(ax, label, style)
    fig.supylabel("mean over rows of |μ| / σ of the input (dimensionless)", fontsize=style.size.font)
    label_steps(axes)
    legend_below(fig, handles, style)
    return finish(fig, f"How much the forward pass re-centres: mean over rows of |μ|/σ per layer{chosen}", style,
                  True)
