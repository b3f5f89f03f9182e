"""The frontier part's figures, drawn from its analyses alone (not from the 720-run trace, whose per-group and
per-layer panels normscope-plot would draw by the thousand):

    python3 analysis/study/frontier_figures.py STUDY_OUT [--force]

- figures/frontier/largest-stable-lr.png: each variant's largest stable learning rate against depth, post-norm and
  pre-norm side by side (analyze's `stability`; without it, one line says so and the figure is not drawn);
- figures/frontier/detach-std-vs-mean.png: detach-std − detach-mean in test bits per character with its 95%
  interval, per depth, one line per placement and learning rate (frontier.vs-detach-mean.json).

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

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from documents import NAMES, StudyError, load  # noqa: E402
from normscope._output import OutputError, OutputFile  # noqa: E402
from normscope._palette import preset_colour  # noqa: E402

PLACEMENTS = ("post", "pre")


def _label(entry: dict) -> str:
    scale = entry.get("settings", {}).get("adanorm_scale")
    if entry["preset"] == "adanorm" and scale is not None:
        return f"AdaNorm C = {scale:g}"
    return NAMES.get(entry["preset"], entry["preset"])


def frontier_figure(stability: dict):
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.8), sharey=True, constrained_layout=True)
    lines: Dict[Tuple[str, str, str], List[Tuple[float, float, bool]]] = {}
    for cell in stability.get("frontier", []):
        settings = cell.get("settings", {})
        largest = cell.get("largest_stable_lr")
        rates = cell.get("learning_rates") or [1.0]
        # none stable: drawn at half the grid's smallest rate, below the grid, with an open marker
        y = largest if largest is not None else min(rates) / 2
        key = (cell["preset"], _label(cell), str(settings.get("placement")))
        lines.setdefault(key, []).append((float(settings.get("layers", 0)), y, largest is None))
    variants = sorted({key[1] for key in lines})
    for (preset, label, placement), points in lines.items():
        if placement not in PLACEMENTS:
            continue
        points.sort()
        ax = axes[PLACEMENTS.index(placement)]
        colour = preset_colour(preset)
        # Variants often share a rate: each is nudged sideways (a few % of the depth) so none hides another.
        nudge = 1 + 0.025 * (variants.index(label) - (len(variants) - 1) / 2)
        xs = [p[0] * nudge for p in points]
        ax.plot(xs, [p[1] for p in points], marker="o", ms=4, color=colour, label=label, lw=1.2)
        for x, (_, y, none) in zip(xs, points):
            if none:
                ax.plot([x], [y], marker="o", ms=4, mfc="white", color=colour)
    depths = sorted({p[0] for points in lines.values() for p in points})
    rates = sorted({r for cell in stability.get("frontier", []) for r in cell.get("learning_rates") or []})
    for ax, placement in zip(axes, PLACEMENTS):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(depths, [f"{d:g}" for d in depths])
        ax.set_yticks(rates, [f"{r:g}" for r in rates])
        ax.minorticks_off()
        ax.set_xlabel("blocks")
        ax.set_title(f"{placement}-norm, no warm-up")
    axes[0].set_ylabel("largest stable learning rate")
    axes[1].legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    figure.suptitle("Where each variant stops training (open marker: no stable rate in the grid)", fontsize=10)
    return figure


def detach_figure(document: dict):
    figure, ax = plt.subplots(figsize=(6, 3.8), constrained_layout=True)
    series: Dict[Tuple[str, float], List[Tuple[float, float, float, float]]] = {}
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
    for (placement, lr), points in sorted(series.items()):
        points.sort()
        x = [p[0] for p in points]
        ax.errorbar(x, [p[1] for p in points], yerr=[[p[1] - p[2] for p in points], [p[3] - p[1] for p in points]],
                    marker="o" if placement == "post" else "s", ls="-" if placement == "post" else "--",
                    capsize=2, lw=1, label=f"{placement}-norm, lr {lr:g}")
    ax.axhline(0, color="#777777", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("blocks")
    ax.set_ylabel("Δ test bpc, detach variance − detach mean")
    ax.set_title("Above 0: detaching the variance hurts more (95% intervals)", fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    return figure


def save(figure, path: Path, force: bool) -> None:
    OutputFile(path, "", force=force).write(lambda temporary: figure.savefig(temporary, format="png", dpi=120))
    plt.close(figure)


def main(argv: List[str]) -> int:
    force = "--force" in argv
    args = [a for a in argv if a != "--force"]
    if len(args) != 1:
        print("usage: frontier_figures.py STUDY_OUT [--force]", file=sys.stderr)
        return 2
    out = Path(args[0])
    folder = out / "figures" / "frontier"
    try:
        main_doc = load(out / "frontier.vs-layernorm.json")
        detach_doc = load(out / "frontier.vs-detach-mean.json")
        folder.mkdir(parents=True, exist_ok=True)
        stability = main_doc.get("stability")
        if isinstance(stability, dict):
            save(frontier_figure(stability), folder / "largest-stable-lr.png", force)
        else:
            print("frontier_figures.py: note: frontier.vs-layernorm.json has no `stability` (an analyze older than "
                  "the frontier rule): largest-stable-lr.png not drawn", file=sys.stderr)
        save(detach_figure(detach_doc), folder / "detach-std-vs-mean.png", force)
    except (StudyError, OutputError, OSError) as error:
        print(f"frontier_figures.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
