"""What every figure of ``normscope-plot`` shares: its style (``--size``, ``--smooth``), its grid of panels, the
legend below the panels that names every colour, marker and line style used, the title wrapped to the figure's
width, the axis labels with their units, and the note drawn instead of an axis that would magnify noise."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np
import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from . import _smoothing  # noqa: E402
from ._sizes import DEFAULT, SIZES, Size  # noqa: E402

# A panel whose values all lie within this relative distance of one value is drawn flat, with a note saying so: a
# panel 1.5 in high resolves about 1/200 of its axis, so an axis fitted to differences below 1e-3 of the value
# shows the last digits' noise (rescale_ratio of the reference trace: 0.99982 to 1 for every preset).
AGREEMENT = 1e-3
NATS = "nats"


@dataclass(frozen=True)
class Style:
    """How the figures are drawn: their size and the smoothing window of per-step series (0: raw)."""
    size: Size = field(default_factory=lambda: SIZES[DEFAULT])
    smooth: int = _smoothing.DEFAULT_WINDOW

    def per_step(self, series):
        return _smoothing.smooth(series, self.smooth)

    @property
    def per_step_note(self) -> str:
        """What a per-step figure's title says about its lines."""
        return f"lines: {_smoothing.describe(self.smooth)}"


def panels(style: Style, count: int, columns: int = 0, extra: float = 0.0, height: float = 0.0,
           **subplots) -> Tuple[Figure, List]:
    """A figure of the style's width with ``count`` panels in rows of at most ``columns`` (the size's); the
    panels past ``count`` hidden. Returns the figure and the ``count`` axes in reading order."""
    rows, cols = style.size.grid(count, columns)
    fig = style.size.figure(rows, extra=extra, height=height)
    axes = list(fig.subplots(rows, cols, squeeze=False, **subplots).flat)
    for ax in axes[count:]:
        ax.set_visible(False)
    for ax in axes[:count]:
        ax.grid(True, which="major")
    return fig, axes[:count]


def legend_below(fig: Figure, handles: Sequence[Line2D], style: Style) -> None:
    """One legend under the panels for the whole figure, as many entries per row as fit its width."""
    if not handles:
        return
    widest = max(len(h.get_label()) for h in handles)
    per_row = max(1, min(len(handles), int(style.size.width * 72 / (style.size.font * 0.55 * widest + 30))))
    fig.legend(handles=list(handles), loc="outside lower center", ncols=per_row)


def legend_rows(count: int, style: Style, widest: int = 24) -> float:
    """The inches a ``legend_below`` of ``count`` entries adds (for the figure's height)."""
    per_row = max(1, int(style.size.width * 72 / (style.size.font * 0.55 * widest + 30)))
    return math.ceil(count / per_row) * style.size.font * 1.6 / 72 + 0.05


def label_steps(axes: Sequence) -> None:
    """"step" under the lowest panel of each column."""
    if not axes:
        return
    columns = axes[0].get_subplotspec().get_gridspec().ncols
    for i, ax in enumerate(axes):
        if i + columns >= len(axes):
            ax.set_xlabel("step")


def handle(label: str, colour: str = "black", **line) -> Line2D:
    """A legend entry for a line of ``colour`` and ``line``'s style (ls, marker, lw, …)."""
    return Line2D([], [], color=colour, label=label, **line)


def finish(fig: Figure, title: str, style: Style, per_step: bool = False) -> Figure:
    """The title, wrapped to the figure's width; for a figure of per-step series, with how they are smoothed."""
    if per_step:
        title = f"{title}; {style.per_step_note}"
    chars = int(style.size.width * 72 / (style.size.font * 0.62))
    fig.suptitle("\n".join(textwrap.wrap(title, chars)))
    return fig


def loss_unit(language_model: bool) -> str:
    """The unit of losses: nats (the report's charts), per byte for a char-LM, whose bits per character the right
    axis gives too (``bits_axis``)."""
    return "nats per byte" if language_model else NATS


def bits_axis(ax, label: bool = True) -> None:
    """A right axis in bits per character (nats ÷ ln 2) beside a loss axis in nats per byte."""
    axis = ax.secondary_yaxis("right", functions=(lambda v: v / math.log(2), lambda v: v * math.log(2)))
    axis.set_ylabel("bits per character" if label else "")


def agreed_value(values: Sequence[np.ndarray]) -> Optional[float]:
    """The value every finite value of ``values`` lies within ``AGREEMENT`` (relative) of — 1 or 0 exactly when
    within it, for Theorem 1's ratios — or None when they differ more (or there is none)."""
    finite = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values] or [np.empty(0)])
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    centre = float(np.median(finite))
    for exact in (0.0, 1.0):
        if abs(centre - exact) <= AGREEMENT * max(abs(exact), 1.0):
            centre = exact
    scale = abs(centre) if centre != 0 else 1.0
    if float(np.max(np.abs(finite - centre))) <= AGREEMENT * scale:
        return centre
    return None


def flat_note(ax, value: float, who: str, exact: bool = False) -> None:
    """Draws the panel's axis around ``value`` (±5%, or ±0.05 around 0) with a note that every line lies within
    ``AGREEMENT`` of it (``exact``: equal to it): an axis spanning 0.99995 to 1 would show noise as differences."""
    half = 0.05 * abs(value) if value else 0.05
    ax.set_ylim(value - half, value + half)
    text = f"all {who} = {value:g}" if exact else f"all {who}\nwithin {AGREEMENT:g} of {value:g}"
    note = ax.text(0.5, 0.9, text, transform=ax.transAxes, ha="center", va="top", gid="flat-note",
                   bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#999999", "lw": 0.4})
    note.set_in_layout(False)   # a note inside the panel must not shrink it


def panel_title(ax, text: str, style: Style) -> None:
    """The panel's title, wrapped to the panel's width (a figure's width over its columns)."""
    spec = ax.get_subplotspec()
    columns = spec.get_gridspec().ncols if spec is not None else 1
    chars = max(12, int(style.size.width / columns * 72 / (style.size.font * 0.7)))
    ax.set_title("\n".join(textwrap.wrap(text, chars)))
