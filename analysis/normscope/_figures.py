"""The figures of ``normscope-plot``: each function takes the loaded runs and returns a matplotlib ``Figure``.

Nothing here saves or shows a figure (``plot.main`` does), so tests and notebooks can inspect the lines, their
colours and labels before anything is written. Groups are those of ``normscope analyze`` (``_grouping``): a preset
at one value of every setting that differs between the runs; a group's curve is the mean over its runs (seeds) at
each recorded step, its runs' own curves are drawn thin behind it. A group's lines have its preset's colour and,
when the preset has several groups, the group's marker; their ``gid`` and label name the group.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
import pandas as pd
import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from . import _palette  # noqa: E402
from ._plotdata import PlotData, RunData, load  # noqa: E402,F401  (load and RunData: names callers already use)

PARTS = ("direct", "recenter", "rescale", "total")


def _over_runs(frames: Sequence[pd.Series]) -> pd.DataFrame:
    """Mean, min and max over runs of series indexed by step (aligned on step; a step some runs lack uses the rest)."""
    table = pd.concat(list(frames), axis=1)
    return pd.DataFrame({"mean": table.mean(axis=1), "min": table.min(axis=1), "max": table.max(axis=1)})


def _grid(n: int, columns: int = 3):
    columns = max(1, min(columns, n))
    return int(math.ceil(n / columns)), columns


def _finish(fig: Figure, title: str) -> Figure:
    fig.suptitle(title, fontsize=11)
    return fig


def _unit(data: PlotData) -> str:
    """What a curve stands for in a title: "preset" while groups are presets (the figures read as they always did)."""
    return "group" if data.grouping.keys else "preset"


def loss_figure(data: PlotData) -> Figure:
    """Training (dashed) and validation (solid) loss per group, linear scale, the gap between them shaded.

    The y axis starts at 0 and ends a little above the highest mean loss after the first tenth of training, so the
    first steps' large losses do not flatten the late-training gap.
    """
    groups = data.groups
    rows, cols = _grid(len(groups))
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    # A language model's losses are nats per byte; shown as bits per character, the unit of its papers.
    scale = 1 / math.log(2) if data.language_model else 1.0
    top = 0.0
    for ax, (group, runs) in zip(axes.flat, groups.items()):
        colour, style = data.colour(group), data.line_style(group)
        for run in runs:
            ax.plot(run.evals.index, run.evals["valid_loss"] * scale, color=colour, lw=0.6, alpha=0.35)
            ax.plot(run.evals.index, run.evals["train_loss"] * scale, color=colour, lw=0.6, alpha=0.35, ls="--")
        valid = _over_runs([r.evals["valid_loss"] * scale for r in runs])["mean"]
        train = _over_runs([r.evals["train_loss"] * scale for r in runs])["mean"]
        ax.plot(valid.index, valid.values, color=colour, lw=1.8, label=group, gid=f"valid:{group}", **style)
        ax.plot(train.index, train.values, color=colour, lw=1.8, ls="--", label=f"{group} (train)",
                gid=f"train:{group}", **style)
        ax.fill_between(valid.index, train.values, valid.values, color=colour, alpha=0.12, lw=0)
        late = valid.index >= valid.index.min() + 0.1 * (valid.index.max() - valid.index.min())
        top = max(top, float(np.nanmax(np.r_[valid.values[late], train.values[late]])))
        gap = valid.iloc[-1] - train.iloc[-1]
        ax.set_title(f"{group} ({len(runs)} run{'s' if len(runs) != 1 else ''}), final gap {gap:.4f}", fontsize=9)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(("bpc" if data.language_model else "loss") + " (solid valid, dashed train)")
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    if top > 0:
        axes.flat[0].set_ylim(0, top * 1.15)
    quantity = "bits per character" if data.language_model else "loss"
    return _finish(fig, f"Training and validation {quantity} per {_unit(data)} (mean over seeds; shaded: the gap)")


def gap_figure(data: PlotData) -> Figure:
    """The overfitting gap (validation − training loss) over steps: mean over seeds, band from min to max."""
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.subplots()
    for group, runs in data.groups.items():
        colour = data.colour(group)
        gap = _over_runs([r.evals["valid_loss"] - r.evals["train_loss"] for r in runs])
        ax.plot(gap.index, gap["mean"], color=colour, lw=1.8, label=f"{group} (n={len(runs)})", gid=group,
                **data.line_style(group))
        if len(runs) > 1:
            ax.fill_between(gap.index, gap["min"], gap["max"], color=colour, alpha=0.18, lw=0)
    ax.axhline(0, color="#777777", lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("validation − training loss")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _finish(fig, "Overfitting gap over training (mean over seeds; band: min–max over seeds)")


def grad_parts_figure(data: PlotData) -> Figure:
    """‖d‖, ‖c‖, ‖s‖, ‖t‖ per group (rows) and layer (columns), log scale, mean over seeds.

    One colour per panel (the preset's; the group's marker on every line when its preset has several groups), the
    parts by line style: d solid, c dashed, s dotted, t dash-dot. A part that is 0 at every step (c and s without
    normalization, or with μ and σ detached) cannot be drawn on a log scale and says so in the legend, as does t
    when it equals d throughout (its line then lies under d's).
    """
    groups = data.groups
    layers = data.layers
    fig = Figure(figsize=(4.2 * len(layers), 2.6 * len(groups)), layout="constrained")
    axes = fig.subplots(len(groups), len(layers), squeeze=False, sharex=True)
    for row, (group, runs) in enumerate(groups.items()):
        colour, style = data.colour(group), data.line_style(group)
        for col, layer in enumerate(layers):
            ax = axes[row, col]
            have = [r for r in runs if layer in r.grads]
            if not have:
                ax.set_visible(False)
                continue
            direct = None
            for part in PARTS:
                series = _over_runs([r.grads[layer][f"{part}_norm"] for r in have])["mean"]
                label = _palette.PART_LABELS[part]
                values = series.to_numpy(dtype=float)
                if part == "direct":
                    direct = values
                elif part == "total" and direct is not None and np.allclose(values, direct, rtol=1e-6,
                                                                            equal_nan=True):
                    # Where c and s are 0, t is d and its line lies under d's: the legend says why it is unseen.
                    label = f"{label} = d throughout"
                if not np.any(values[np.isfinite(values)] > 0):
                    ax.plot([], [], color=colour, ls=_palette.PART_STYLES[part], label=f"{label}: 0 throughout",
                            **style)
                    continue
                ax.plot(series.index, np.where(values > 0, values, np.nan), color=colour,
                        ls=_palette.PART_STYLES[part], lw=1.2, label=label, gid=f"{group}:{layer}:{part}", **style)
            ax.set_yscale("log")
            ax.set_title(f"{group} · {layer}", fontsize=9)
            ax.grid(alpha=0.3, which="both", lw=0.4)
            ax.legend(fontsize=6.5, loc="best")
            if col == 0:
                ax.set_ylabel("Frobenius norm")
            if row == len(groups) - 1:
                ax.set_xlabel("step")
    return _finish(fig, "Norms of the gradient parts t = d + c + s per layer (mean over seeds)")


def ratios_figure(data: PlotData) -> Figure:
    """recenter_ratio (top) and rescale_ratio (bottom) per layer (columns), one line per group, mean over seeds;
    earlier groups are drawn wider, so groups with the same ratio (0 or 1 by Theorem 1) remain visible."""
    layers = data.layers
    fig = Figure(figsize=(4.6 * len(layers), 6), layout="constrained")
    axes = fig.subplots(2, len(layers), squeeze=False, sharex=True)
    for row, (field_name, label) in enumerate((("recenter_ratio", "recenter_ratio = |t̄| / |d̄|"),
                                                ("rescale_ratio", "rescale_ratio = D_t / D_(d+c)"))):
        for col, layer in enumerate(layers):
            ax = axes[row, col]
            for i, (group, runs) in enumerate(data.groups.items()):
                have = [r for r in runs if layer in r.grads]
                if not have:
                    continue
                series = _over_runs([r.grads[layer][field_name] for r in have])["mean"]
                # Earlier groups wider, so that groups with identical ratios (0 or 1) stay visible under later ones.
                ax.plot(series.index, series.values, color=data.colour(group), lw=max(3.0 - 0.5 * i, 0.9),
                        label=group, gid=f"{field_name}:{layer}:{group}", **data.line_style(group))
            ax.ticklabel_format(axis="y", useOffset=False)
            ax.set_title(f"{field_name} · {layer}", fontsize=9)
            ax.grid(alpha=0.3)
            if col == 0:
                ax.set_ylabel(label)
            if row == 1:
                ax.set_xlabel("step")
    axes[0, 0].legend(fontsize=7)
    return _finish(fig, "Re-centering and re-scaling ratios per layer (mean over seeds)")


def phi_presets(data: PlotData) -> List[str]:
    """The groups (labels) with Φ(y) recorded (AdaNorm), in drawing order."""
    return [group for group, runs in data.groups.items() if any(r.phi for r in runs)]


def phi_figure(data: PlotData, preset: str) -> Figure:
    """Φ(y) of one group over training, one panel per layer: the histogram as a heat map (share of the elements in
    each bin at each recorded step, viridis), its mean (the preset's colour, the group's marker) and the
    1/5/50/95/99% quantiles (white). ``preset`` is the group's label (the preset when it has one group).

    The heat map pools the elements of every run of the group (their counts added) when the runs share their steps
    and bin edges, as the seeds of one sweep do; otherwise it is the first run's (lowest seed), and the panel's title
    says which. Mean and quantiles are means over the runs.
    """
    group = preset
    runs = [r for r in data.groups[group] if r.phi]
    first = runs[0]
    layers = [layer for layer in data.layers if layer in first.phi]
    fig = Figure(figsize=(7.5, 3.0 * len(layers)), layout="constrained")
    axes = fig.subplots(len(layers), 1, squeeze=False, sharex=True)[:, 0]
    colour = data.colour(group)
    outline = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    for ax, layer in zip(axes, layers):
        hist, source = _pooled_histogram([r for r in runs if layer in r.phi_hist], layer)
        steps = np.asarray(hist.steps, dtype=float)
        counts = np.asarray(hist.counts, dtype=float)
        totals = counts.sum(axis=1, keepdims=True)
        share = np.divide(hist.inner, totals, out=np.full(hist.inner.shape, np.nan), where=totals > 0)
        if len(steps) > 1:
            mids = (steps[1:] + steps[:-1]) / 2
            x_edges = np.r_[steps[0] - (mids[0] - steps[0]), mids, steps[-1] + (steps[-1] - mids[-1])]
        else:
            x_edges = np.r_[steps[0] - 0.5, steps[0] + 0.5]
        mesh = ax.pcolormesh(x_edges, hist.edges, share.T, cmap=_palette.HEATMAP, shading="flat")
        fig.colorbar(mesh, ax=ax, label="share of elements")
        used = np.flatnonzero(np.nansum(share, axis=0) > 0)
        if used.size:  # zoom onto the bins that hold elements, one bin of margin
            edges = np.asarray(hist.edges, dtype=float)
            ax.set_ylim(edges[max(used[0] - 1, 0)], edges[min(used[-1] + 2, len(edges) - 1)])
        have = [r for r in runs if layer in r.phi]
        for q, style in (("q01", ":"), ("q05", "--"), ("q50", "-."), ("q95", "--"), ("q99", ":")):
            series = _over_runs([r.phi[layer][q] for r in have])["mean"]
            ax.plot(series.index, series.values, color="white", lw=0.9, ls=style,
                    label=("1/5/50/95/99% quantiles" if q == "q01" else None))
        mean = _over_runs([r.phi[layer]["mean"] for r in have])["mean"]
        ax.plot(mean.index, mean.values, color=colour, lw=1.8, label="mean Φ", path_effects=outline,
                gid=f"phi-mean:{group}:{layer}", **data.line_style(group))
        outside = float(hist.underflow.sum() + hist.overflow.sum()) / max(float(counts.sum()), 1.0)
        ax.set_title(f"{group} · {layer} (heat map: {source}; {outside:.2%} of elements outside the bins)",
                     fontsize=9)
        ax.set_ylabel("Φ(y)")
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("step")
    return _finish(fig, f"AdaNorm's Φ(y) = C(1 − k·y) over training: {group}")


def _pooled_histogram(runs: Sequence[RunData], layer: str):
    """The runs' Φ histograms of `layer` added up, with a description of what was pooled; the first run's alone when
    their steps or edges differ (counts of different bins or steps cannot be added)."""
    first = runs[0].phi_hist[layer]
    same = [r for r in runs
            if np.array_equal(r.phi_hist[layer].steps, first.steps) and np.array_equal(r.phi_hist[layer].edges, first.edges)]
    if len(same) == len(runs) and len(runs) > 1:
        pooled = first._replace(counts=np.sum([r.phi_hist[layer].counts for r in runs], axis=0))
        return pooled, f"{len(runs)} runs pooled"
    return first, runs[0].name or runs[0].id


@dataclass
class Comparison:
    """One group against the baseline for one quantity: difference of means and its interval."""
    group: str
    preset: str
    quantity: str
    difference: float
    lower: Optional[float]
    upper: Optional[float]
    count: int
    baseline_count: int
    baseline_group: Optional[str] = None   # the baseline preset's group at the same settings
    marker: Optional[str] = None           # the group's marker in the other figures; a circle when None


def summary_figure(comparisons: Sequence[Comparison], colours: Dict[str, str], baseline: str,
                   source: str) -> Figure:
    """Each group − the baseline's group at the same settings, per quantity (panels): the difference of means (dot,
    the group's marker) and its 95% interval (bar), in the preset's colour; no bar where a side has fewer than 2
    runs."""
    quantities = list(dict.fromkeys(c.quantity for c in comparisons))
    fig = Figure(figsize=(3.6 * len(quantities), 0.5 * len({c.group for c in comparisons}) + 1.8),
                 layout="constrained")
    axes = fig.subplots(1, len(quantities), squeeze=False, sharey=True)[0]
    groups = list(dict.fromkeys(c.group for c in comparisons))
    for ax, quantity in zip(axes, quantities):
        for y, group in enumerate(groups):
            for c in comparisons:
                if c.group != group or c.quantity != quantity:
                    continue
                colour = colours.get(c.preset) or _palette.preset_colour(c.preset)
                if c.lower is not None and c.upper is not None:
                    ax.plot([c.lower, c.upper], [y, y], color=colour, lw=2.2, solid_capstyle="butt")
                ax.plot([c.difference], [y], c.marker or "o", color=colour, ms=6,
                        gid=f"summary:{quantity}:{group}", label=group)
                ax.annotate(f"n={c.count}/{c.baseline_count}", (c.difference, y), textcoords="offset points",
                            xytext=(0, 6), ha="center", fontsize=6.5)
        ax.axvline(0, color="#777777", lw=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.set_title(quantity.replace("_", " "), fontsize=9)
        ax.set_xlabel(f"difference to {baseline}")
        ax.grid(alpha=0.3, axis="x")
    axes[0].set_yticks(range(len(groups)), groups)
    axes[0].set_ylim(-0.7, len(groups) - 0.3)
    axes[0].invert_yaxis()
    if all(c.group == c.preset for c in comparisons):
        title = f"Each preset − {baseline}: difference of means, 95% interval ({source})"
    else:
        title = f"Each group − {baseline} at the same settings: difference of means, 95% interval ({source})"
    if any(c.lower is None or c.upper is None for c in comparisons):
        title += "\nno interval where a side has fewer than 2 runs"
    return _finish(fig, title)
