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
from matplotlib.ticker import MaxNLocator, NullFormatter  # noqa: E402

from . import _palette  # noqa: E402
from ._layout import (Style, agreed_value, bits_axis, finish, flat_note, handle,  # noqa: E402
                      label_steps, legend_below, legend_rows, loss_unit, panel_title, panels)
from ._plotdata import PlotData, RunData, load  # noqa: E402,F401  (load and RunData: names callers already use)

PARTS = ("direct", "recenter", "rescale", "total")


def _over_runs(frames: Sequence[pd.Series]) -> pd.DataFrame:
    """Mean, min and max over runs of series indexed by step (aligned on step; a step some runs lack uses the rest)."""
    table = pd.concat(list(frames), axis=1)
    return pd.DataFrame({"mean": table.mean(axis=1), "min": table.min(axis=1), "max": table.max(axis=1)})


def _unit(data: PlotData) -> str:
    """What a curve stands for in a title: "preset" while groups are presets (the figures read as they always did)."""
    return "group" if data.grouping.keys else "preset"


def group_handles(data: PlotData, groups: Sequence[str], **line) -> List:
    """Legend entries naming each group by its colour and marker."""
    return [handle(group, data.colour(group), **{**data.line_style(group), **line}) for group in groups]


def loss_figure(data: PlotData, style: Style = Style()) -> Figure:
    """Training (dashed) and validation (solid) loss per group, linear scale, the gap between them shaded.

    The y axis (nats; a char-LM's right axis in bits per character too) starts at 0 and ends a little above the
    highest mean loss after the first tenth of training, so the first steps' large losses do not flatten the
    late-training gap.
    """
    groups = data.groups
    handles = [handle("validation", lw=style.size.line), handle("training", ls="--", lw=style.size.line),
               handle("each run", lw=style.size.thin, alpha=0.5)] + group_handles(data, list(groups))
    fig, axes = panels(style, len(groups), extra=legend_rows(len(handles), style), sharey=True)
    unit = loss_unit(data.language_model)
    top = 0.0
    columns = style.size.grid(len(groups))[1]
    for i, (ax, (group, runs)) in enumerate(zip(axes, groups.items())):
        colour, marks = data.colour(group), data.line_style(group)
        for run in runs:
            ax.plot(run.evals.index, run.evals["valid_loss"], color=colour, lw=style.size.thin, alpha=0.35)
            ax.plot(run.evals.index, run.evals["train_loss"], color=colour, lw=style.size.thin, alpha=0.35, ls="--")
        valid = _over_runs([r.evals["valid_loss"] for r in runs])["mean"]
        train = _over_runs([r.evals["train_loss"] for r in runs])["mean"]
        ax.plot(valid.index, valid.values, color=colour, lw=style.size.line, label=group, gid=f"valid:{group}",
                **marks)
        ax.plot(train.index, train.values, color=colour, lw=style.size.line, ls="--", label=f"{group} (train)",
                gid=f"train:{group}", **marks)
        ax.fill_between(valid.index, train.values, valid.values, color=colour, alpha=0.12, lw=0)
        late = valid.index >= valid.index.min() + 0.1 * (valid.index.max() - valid.index.min())
        top = max(top, float(np.nanmax(np.r_[valid.values[late], train.values[late]])))
        gap = valid.iloc[-1] - train.iloc[-1]
        panel_title(ax, f"{group} (n={len(runs)}), final gap {gap:.3f} {unit}", style)
        ax.set_xlabel("step")
        if i % columns == 0:
            ax.set_ylabel(f"loss ({unit})")
        if data.language_model:
            bits_axis(ax, label=i % columns == columns - 1 or i == len(groups) - 1)
    if top > 0:
        axes[0].set_ylim(0, top * 1.15)
    legend_below(fig, handles, style)
    return finish(fig, f"Training and validation loss per {_unit(data)} (mean over seeds; shaded: the gap)", style)


def gap_figure(data: PlotData, style: Style = Style()) -> Figure:
    """The overfitting gap (validation − training loss, nats) over steps: mean over seeds, band from min to max."""
    groups = data.groups
    handles = [handle(f"{group} (n={len(runs)})", data.colour(group), **data.line_style(group))
               for group, runs in groups.items()]
    fig, (ax,) = panels(style, 1, extra=legend_rows(len(handles), style), height=2.4)
    for group, runs in groups.items():
        colour = data.colour(group)
        gap = _over_runs([r.evals["valid_loss"] - r.evals["train_loss"] for r in runs])
        ax.plot(gap.index, gap["mean"], color=colour, lw=style.size.line, label=f"{group} (n={len(runs)})",
                gid=group, **data.line_style(group))
        if len(runs) > 1:
            ax.fill_between(gap.index, gap["min"], gap["max"], color=colour, alpha=0.18, lw=0)
    ax.axhline(0, color="#777777", lw=style.size.thin)
    ax.set_xlabel("step")
    unit = loss_unit(data.language_model)
    ax.set_ylabel(f"validation − training loss ({unit})")
    if data.language_model:
        bits_axis(ax)
    legend_below(fig, handles, style)
    return finish(fig, "Overfitting gap over training (mean over seeds; band: min–max over seeds)", style)


def grad_parts_figure(data: PlotData, style: Style = Style()) -> Figure:
    """‖d‖, ‖c‖, ‖s‖, ‖t‖ per group and layer (one panel each, in rows), log scale, mean over seeds, smoothed.

    One colour per panel (the preset's; the group's marker on every line when its preset has several groups), the
    parts by line style: d solid, c dashed, s dotted, t dash-dot. A part that is 0 at every step (c and s without
    normalization, or with μ and σ detached) cannot be drawn on a log scale and the panel's note says so, as it says
    when t equals d throughout (its line then lies under d's).
    """
    groups = data.groups
    cells = [(group, layer) for group, runs in groups.items() for layer in data.layers
             if any(layer in r.grads for r in runs)]
    handles = [handle(_palette.PART_LABELS[p], ls=_palette.PART_STYLES[p], lw=style.size.line) for p in PARTS]
    handles += group_handles(data, list(groups))
    fig, axes = panels(style, len(cells), extra=legend_rows(len(handles), style), sharex=True)
    for ax, (group, layer) in zip(axes, cells):
        colour, marks = data.colour(group), data.line_style(group)
        have = [r for r in groups[group] if layer in r.grads]
        direct, notes, zero = None, [], []
        for part in PARTS:
            series = style.per_step(_over_runs([r.grads[layer][f"{part}_norm"] for r in have])["mean"])
            values = series.to_numpy(dtype=float)
            letter = _palette.PART_LABELS[part].split()[0]
            if part == "direct":
                direct = values
            elif part == "total" and direct is not None and np.allclose(values, direct, rtol=1e-6, equal_nan=True):
                notes.append("t = d throughout")   # where c and s are 0, t's line lies under d's
            if not np.any(values[np.isfinite(values)] > 0):
                zero.append(letter)
                continue
            ax.plot(series.index, np.where(values > 0, values, np.nan), color=colour, ls=_palette.PART_STYLES[part],
                    lw=style.size.line, gid=f"{group}:{layer}:{part}", **marks)
        ax.set_yscale("log")
        ax.yaxis.set_minor_formatter(NullFormatter())
        panel_title(ax, f"{group} · {layer}", style)
        if zero:
            notes.insert(0, f"{', '.join(zero)}: 0 throughout")
        if notes:
            note = ax.text(0.97, 0.95, "\n".join(notes), transform=ax.transAxes, ha="right", va="top",
                           gid="parts-note", fontsize=style.size.font - 1.5)
            note.set_in_layout(False)   # a note inside the panel must not shrink it
    fig.supylabel("Frobenius norm of the part of ∂L/∂x", fontsize=style.size.font)
    label_steps(axes)
    legend_below(fig, handles, style)
    return finish(fig, "Norms of the gradient parts t = d + c + s per layer (mean over seeds)", style, True)


def ratios_figure(data: PlotData, style: Style = Style()) -> Figure:
    """recenter_ratio (left) and rescale_ratio (right) per layer (one row each), one line per group, mean over
    seeds, smoothed. A panel where every group lies within ``AGREEMENT`` of one value (0 or 1 by Theorem 1) is
    drawn flat around it with a note, not on an axis that magnifies the last digits' noise."""
    quantities = (("recenter_ratio", "|t̄| / |d̄|"), ("rescale_ratio", "D_t / D_(d+c)"))
    layers = data.layers
    groups = data.groups
    handles = group_handles(data, list(groups), lw=style.size.line)
    fig, axes = panels(style, 2 * len(layers), columns=2, extra=legend_rows(len(handles), style), sharex=True)
    for row, layer in enumerate(layers):
        for col, (field_name, formula) in enumerate(quantities):
            ax = axes[2 * row + col]
            drawn, raw = [], []
            for group, runs in groups.items():
                have = [r for r in runs if layer in r.grads]
                if not have:
                    continue
                mean = _over_runs([r.grads[layer][field_name] for r in have])["mean"]
                raw.append(mean.to_numpy(dtype=float))
                series = style.per_step(mean)
                ax.plot(series.index, series.values, color=data.colour(group), lw=style.size.line,
                        gid=f"{field_name}:{layer}:{group}", **data.line_style(group))
                drawn.append(group)
            ax.ticklabel_format(axis="y", useOffset=False)
            agreed = agreed_value(raw)
            if agreed is not None:
                values = np.concatenate(raw)
                values = values[np.isfinite(values)]
                flat_note(ax, agreed, "groups" if len(drawn) > 1 else drawn[0], bool(np.all(values == agreed)))
            panel_title(ax, f"{field_name} · {layer}", style)
            ax.set_ylabel(f"{formula} (ratio)")
    label_steps(axes)
    legend_below(fig, handles, style)
    return finish(fig, "Re-centering and re-scaling ratios per layer (mean over seeds)", style, True)


def phi_presets(data: PlotData) -> List[str]:
    """The groups (labels) with Φ(y) recorded (AdaNorm), in drawing order."""
    return [group for group, runs in data.groups.items() if any(r.phi for r in runs)]


# Each of the five quantiles its own line style (dotted outside, dashed inside, dash-dot the median), white with a
# dark edge so that they read on the heat map and in the legend alike.
PHI_QUANTILES = (("q01", "1%", (0, (1, 1.5))), ("q05", "5%", (0, (4, 1.5))), ("q50", "50% (median)", "-."),
                 ("q95", "95%", (0, (4, 1.5, 1, 1.5, 1, 1.5))), ("q99", "99%", (0, (0.5, 2.5))))


def phi_figure(data: PlotData, preset: str, style: Style = Style()) -> Figure:
    """Φ(y) of one group over training, one panel per layer: the histogram as a heat map (share of the elements in
    each bin at each recorded step, viridis, one colour scale for all panels), its mean (the preset's colour, the
    group's marker) and the 1/5/50/95/99% quantiles (white, each its own line style). ``preset`` is the group's
    label (the preset when it has one group). Φ is recorded every ``phi_every`` steps and is not smoothed.

    The heat map pools the elements of every run of the group (their counts added) when the runs share their steps
    and bin edges, as the seeds of one sweep do; otherwise it is the first run's (lowest seed), and the panel's title
    says which. Mean and quantiles are means over the runs.
    """
    group = preset
    runs = [r for r in data.groups[group] if r.phi]
    first = runs[0]
    layers = [layer for layer in data.layers if layer in first.phi]
    colour = data.colour(group)
    outline = [patheffects.withStroke(linewidth=style.size.line + 1.4, foreground="white")]
    edge = [patheffects.withStroke(linewidth=style.size.thin + 0.9, foreground="#333333"), patheffects.Normal()]
    handles = [handle("mean Φ", colour, lw=style.size.line, path_effects=outline, **data.line_style(group))]
    handles += [handle(f"{name} quantile", "white", ls=ls, lw=style.size.thin + 0.3, path_effects=edge)
                for _, name, ls in PHI_QUANTILES]
    # Heat maps need width: one per row in one column, two in two.
    fig, axes = panels(style, len(layers), columns=style.size.columns - 1,
                       extra=legend_rows(len(handles), style, 14) + 0.3, sharex=True)
    meshes = []
    for i, (ax, layer) in enumerate(zip(axes, layers)):
        ax.grid(False)
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
        meshes.append(ax.pcolormesh(x_edges, hist.edges, share.T, cmap=_palette.HEATMAP, shading="flat"))
        used = np.flatnonzero(np.nansum(share, axis=0) > 0)
        if used.size:  # zoom onto the bins that hold elements, one bin of margin
            edges = np.asarray(hist.edges, dtype=float)
            ax.set_ylim(edges[max(used[0] - 1, 0)], edges[min(used[-1] + 2, len(edges) - 1)])
        have = [r for r in runs if layer in r.phi]
        for q, name, ls in PHI_QUANTILES:
            series = _over_runs([r.phi[layer][q] for r in have])["mean"]
            ax.plot(series.index, series.values, color="white", lw=style.size.thin + 0.3, ls=ls, path_effects=edge,
                    gid=f"phi-{q}:{group}:{layer}")
        mean = _over_runs([r.phi[layer]["mean"] for r in have])["mean"]
        ax.plot(mean.index, mean.values, color=colour, lw=style.size.line, path_effects=outline,
                gid=f"phi-mean:{group}:{layer}", **data.line_style(group))
        outside = float(hist.underflow.sum() + hist.overflow.sum()) / max(float(counts.sum()), 1.0)
        panel_title(ax, f"{layer} ({source}; {outside:.1%} outside the bins)", style)
        ax.set_ylabel("Φ(y) (dimensionless)")
        ax.set_xlabel("step (every phi_every)")
    top = max(float(np.nanmax(m.get_array())) if np.isfinite(m.get_array()).any() else 0.0 for m in meshes)
    for mesh in meshes:
        mesh.set_clim(0, top or 1)
    fig.colorbar(meshes[0], ax=axes, label="share of elements per bin", shrink=0.8)
    legend_below(fig, handles, style)
    return finish(fig, f"AdaNorm's Φ(y) = C(1 − k·y) over training: {group}", style)


def _pooled_histogram(runs: Sequence[RunData], layer: str):
    """The runs' Φ histograms of `layer` added up, with a description of what was pooled; the first run's alone when
    their steps or edges differ (counts of different bins or steps cannot be added)."""
    first = runs[0].phi_hist[layer]
    same = [r for r in runs
            if np.array_equal(r.phi_hist[layer].steps, first.steps)
            and np.array_equal(r.phi_hist[layer].edges, first.edges)]
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


def _difference_unit(quantity: str, language_model: bool) -> str:
    """The unit of a summary quantity's difference."""
    if quantity.endswith("accuracy_at_best"):
        return "share of examples"
    if "bits_per_character" in quantity:
        return "bits per character"
    return loss_unit(language_model)


def summary_figure(comparisons: Sequence[Comparison], colours: Dict[str, str], baseline: str,
                   source: str, style: Style = Style(), language_model: bool = False) -> Figure:
    """Each group − the baseline's group at the same settings, per quantity (panels, two per row): the difference
    of means (dot, the group's marker) and its 95% interval (bar), in the preset's colour; no bar where a side has
    fewer than 2 runs."""
    quantities = list(dict.fromkeys(c.quantity for c in comparisons))
    groups = list(dict.fromkeys(c.group for c in comparisons))
    rows = style.size.grid(len(quantities), 2)[0]
    fig, axes = panels(style, len(quantities), columns=2, height=rows * (0.16 * len(groups) + 0.9), sharey=True)
    columns = style.size.grid(len(quantities), 2)[1]
    for i, (ax, quantity) in enumerate(zip(axes, quantities)):
        ax.grid(False)
        ax.grid(True, axis="x")
        for y, group in enumerate(groups):
            for c in comparisons:
                if c.group != group or c.quantity != quantity:
                    continue
                colour = colours.get(c.preset) or _palette.preset_colour(c.preset)
                if c.lower is not None and c.upper is not None:
                    ax.plot([c.lower, c.upper], [y, y], color=colour, lw=style.size.line * 1.6,
                            solid_capstyle="butt")
                ax.plot([c.difference], [y], c.marker or "o", color=colour, ms=4,
                        gid=f"summary:{quantity}:{group}", label=group)
                ax.annotate(f"n={c.count}/{c.baseline_count}", (c.difference, y), textcoords="offset points",
                            xytext=(0, 4), ha="center", fontsize=style.size.font - 2)
        ax.axvline(0, color="#777777", lw=style.size.thin)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.margins(x=0.15)   # room for the counts over the outermost dots
        panel_title(ax, quantity.replace("_", " "), style)
        ax.set_xlabel(f"− {baseline} ({_difference_unit(quantity, language_model)})")
        if i % columns == 0:
            ax.set_yticks(range(len(groups)), groups)
    axes[0].set_ylim(-0.7, len(groups) - 0.3)
    axes[0].invert_yaxis()
    if all(c.group == c.preset for c in comparisons):
        title = f"Each preset − {baseline}: difference of means, 95% interval ({source})"
    else:
        title = f"Each group − {baseline} at the same settings: difference of means, 95% interval ({source})"
    if any(c.lower is None or c.upper is None for c in comparisons):
        title += "; no interval where a side has fewer than 2 runs"
    return finish(fig, title, style)
