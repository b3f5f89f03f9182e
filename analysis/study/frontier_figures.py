"""The frontier part's one study-specific figure (normscope-plot draws the frontier, the parts' shares against depth
and the forward re-centering from the trace):

    python3 analysis/study/frontier_figures.py STUDY_OUT [--force]

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

from documents import StudyError, load  # noqa: E402
from normscope._output import OutputError, OutputFile  # noqa: E402
from normscope._sizes import SIZES  # noqa: E402

def detach_figure(document: dict):
    size = SIZES["one-column"]
    figure, ax = plt.subplots(figsize=(size.width, 2.6), constrained_layout=True)
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
        detach_doc = load(out / "frontier.vs-detach-mean.json")
        folder.mkdir(parents=True, exist_ok=True)
        with plt.rc_context(SIZES["one-column"].rc()):
            save(detach_figure(detach_doc), folder / "detach-std-vs-mean.png", force)
    except (StudyError, OutputError, OSError) as error:
        print(f"frontier_figures.py: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
