"""The frontier part's one study-specific figure (normscope-plot draws the frontier, the parts' shares against depth
and the forward re-centering from the trace):

    python3 analysis/study/frontier_figures.py STUDY_OUT [--force]

- figures/frontier/detach-std-vs-mean.png: detach-std − detach-mean in test bits per character with its 95%
  interval, per depth, one panel per placement and one line per learning rate (frontier.vs-detach-mean.json).

Each file is written aside and renamed whole (the package's output contract); an existing one only with --force.
"""

from __future__ import annotations

import signal

signal.signal(signal.SIGINT, signal.SIG_DFL)

import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Dict, List, Tuple  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # this checkout's normscope package

import matplotlib  # noqa: E402

from documents import StudyError, load  # noqa: E402
from normscope._layout import Style, finish, handle, legend_below, legend_rows, panel_title, panels  # noqa: E402
from normscope._output import OutputError, OutputFile  # noqa: E402
from normscope._sizes import SIZES  # noqa: E402

# The study's frontier figures are drawn at 150 dpi (run-study.sh passes normscope-plot --dpi 150).
DPI = 150
SIZE = SIZES["one-column"]
# The learning rates, smallest first, take these colours in turn (Okabe–Ito, distinct in grey and to the colour
# blind); a grid of more rates reuses them from the start.
LR_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9")
# Each rate's points are moved this far apart along the depth axis (in depth positions), so that intervals at one
# depth do not hide each other.
SPREAD = 0.12

Point = Tuple[float, float, float, float]   # depth, Δ, lower, upper


def detach_series(document: dict) -> Dict[Tuple[str, float], List[Point]]:
    """detach-std − detach-mean per (placement, lr): each depth's difference in test bpc and its 95% interval."""
    series: Dict[Tuple[str, float], List[Point]] = {}
    for c in document.get("comparisons", []):
        if c.get("preset") != "detach-std" or c.get("baseline") != "detach-mean":
            continue
        e = c.get("test_bits_per_character_at_best") or {}
        if e.get("difference") is None:
            continue
        interval = e.get("interval") or {}
        low, high = interval.get("lower"), interval.get("upper")
        s = c.get("settings", {})
        series.setdefault((str(s.get("placement")), float(s.get("lr", 0))), []).append(
            (float(s.get("layers", 0)), e["difference"], e["difference"] if low is None else low,
             e["difference"] if high is None else high))
    return series


def detach_figure(document: dict):
    """One panel per placement; depths evenly spaced (6, 12, 24 double), rates side by side at each depth."""
    style = Style(size=SIZE)
    series = detach_series(document)
    placements = sorted({placement for placement, _ in series})
    rates = sorted({lr for _, lr in series})
    depths = sorted({p[0] for points in series.values() for p in points})
    colour = {lr: LR_COLOURS[i % len(LR_COLOURS)] for i, lr in enumerate(rates)}
    fig, axes = panels(style, max(1, len(placements)), columns=2, sharey=True,
                       extra=legend_rows(len(rates), style, widest=10))
    for ax, placement in zip(axes, placements):
        for i, lr in enumerate(rates):
            points = sorted(series.get((placement, lr), []))
            if not points:
                continue
            shift = (i - (len(rates) - 1) / 2) * SPREAD
            x = [depths.index(p[0]) + shift for p in points]
            ax.errorbar(x, [p[1] for p in points], yerr=[[p[1] - p[2] for p in points],
                                                          [p[3] - p[1] for p in points]],
                        color=colour[lr], marker="o", ls="-", capsize=2)
        ax.axhline(0, color="#777777", lw=0.8)
        ax.set_xticks(range(len(depths)), [f"{d:g}" for d in depths])
        ax.set_xlim(-0.5, len(depths) - 0.5)
        ax.set_xlabel("blocks")
        panel_title(ax, f"{placement}-norm", style)
    axes[0].set_ylabel("Δ test bits per character")
    legend_below(fig, [handle(f"lr {lr:g}", colour[lr], marker="o") for lr in rates], style)
    return finish(fig, "detach variance − detach mean, 95% intervals (above 0: detaching the variance hurts more)",
                  style)


def save(figure, path: Path, force: bool) -> None:
    OutputFile(path, "", force=force).write(lambda temporary: figure.savefig(temporary, format="png", dpi=DPI))


def main(argv: List[str]) -> int:
    force = "--force" in argv
    args = [a for a in argv if a != "--force"]
    if len(args) != 1:
        print("usage: frontier_figures.py STUDY_OUT [--force]", file=sys.stderr)
        return 2
    out = Path(args[0])
    folder = out / "figures" / "frontier"
    try:
        detach_doc = load(out / "frontier.vs-detach-mean.json")
        folder.mkdir(parents=True, exist_ok=True)
        with matplotlib.rc_context(SIZE.rc()):
            save(detach_figure(detach_doc), folder / "detach-std-vs-mean.png", force)
    except (StudyError, OutputError, OSError) as error:
        print(f"frontier_figures.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
