"""``normscope-plot TRACE... --out DIR`` (also ``python -m normscope.plot``): the paper-style figures of traces.

Writes, for the runs of every trace given (a run id met again in a later file is skipped), grouped by preset:

- ``loss``: training and validation loss per preset, linear scale, the gap shaded;
- ``gap``: validation − training loss over steps, mean over seeds with a min–max band;
- ``grad-parts``: ‖d‖, ‖c‖, ‖s‖, ‖t‖ per preset and layer (log scale);
- ``ratios``: recenter_ratio and rescale_ratio per layer;
- ``phi-<preset>``: Φ(y) as a heat map with its mean and quantiles, for each preset that records it (AdaNorm);
- ``summary``: each preset − the baseline with 95% intervals — from ``--analysis`` (the JSON of ``normscope analyze
  --format json``: best_valid_loss, gap_at_best, gap_last_tenth, its intervals) or computed here: the final
  validation loss, the gap at the end, the best validation loss and the gap at it, per run from its evaluations
  with finite losses; a percentile bootstrap of the difference of group means (each group's runs resampled with
  replacement, B = 4000, NumPy ``default_rng(20191107)``; no interval when a side has fewer than 2 runs).

each as ``DIR/<name>.<format>`` for every ``--format`` (png,pdf by default; svg too), one line per file written.
Errors are one line ``normscope-plot: …`` and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import _figures
from ._errors import TraceError
from ._figures import Comparison, PlotData

FORMATS = ("png", "pdf", "svg")
RESAMPLES = 4000
SEED = 20191107
PYTHON_QUANTITIES = ("final_valid_loss", "gap_at_end", "best_valid_loss", "gap_at_best")
JSON_QUANTITIES = ("best_valid_loss", "gap_at_best", "gap_last_tenth")
# File metadata without dates, so that the same trace gives the same files.
_METADATA = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}, "svg": {"Date": None}}


class PlotError(Exception):
    """A one-line reason to stop (bad option value, unknown group, unreadable --analysis file)."""


def run_quantities(evals) -> Optional[Dict[str, float]]:
    """A run's final and best validation loss and the gap (valid − train) at each, from its evaluations with both
    losses finite; None when it has none."""
    usable = evals[np.isfinite(evals["valid_loss"]) & np.isfinite(evals["train_loss"])]
    if usable.empty:
        return None
    last = usable.iloc[-1]
    best = usable.iloc[int(np.argmin(usable["valid_loss"].to_numpy()))]
    return {"final_valid_loss": float(last["valid_loss"]),
            "gap_at_end": float(last["valid_loss"] - last["train_loss"]),
            "best_valid_loss": float(best["valid_loss"]),
            "gap_at_best": float(best["valid_loss"] - best["train_loss"])}


def bootstrap_interval(values: Sequence[float], baseline: Sequence[float], resamples: int = RESAMPLES,
                       seed: int = SEED, level: float = 0.95):
    """Percentile bootstrap interval of mean(values) − mean(baseline); (lower, upper), or (None, None) below 2 runs
    on a side."""
    a = np.asarray(values, dtype=float)
    b = np.asarray(baseline, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return None, None
    rng = np.random.default_rng(seed)
    diffs = a[rng.integers(0, len(a), (resamples, len(a)))].mean(axis=1) \
        - b[rng.integers(0, len(b), (resamples, len(b)))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    lower, upper = np.percentile(diffs, [tail, 100 - tail])
    return float(lower), float(upper)


def python_comparisons(data: PlotData, presets: Sequence[str], baseline: str) -> List[Comparison]:
    """Each preset of ``presets`` (but the baseline) against the baseline's runs in ``data``."""
    per_preset: Dict[str, List[Dict[str, float]]] = {}
    for preset, runs in data.groups.items():
        per_preset[preset] = [q for q in (run_quantities(r.evals) for r in runs) if q is not None]
    base = per_preset.get(baseline, [])
    out: List[Comparison] = []
    if not base:
        return out
    for preset in presets:
        if preset == baseline or not per_preset.get(preset):
            continue
        for quantity in PYTHON_QUANTITIES:
            a = [q[quantity] for q in per_preset[preset]]
            b = [q[quantity] for q in base]
            lower, upper = bootstrap_interval(a, b)
            out.append(Comparison(preset, preset, quantity, float(np.mean(a) - np.mean(b)), lower, upper,
                                  len(a), len(b)))
    return out


def json_comparisons(path: str, presets: Sequence[str], baseline: str) -> List[Comparison]:
    """The comparisons of ``normscope analyze --format json`` (ANALYZE_JSON.md) of the chosen presets."""
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise PlotError(f"{path}: no such file (expected the output of normscope analyze --format json)")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlotError(f"{path}: is not JSON ({str(error).splitlines()[0]}); expected normscope analyze --format json")
    if not isinstance(doc, dict) or doc.get("schema") != "normscope-analyze/2":
        raise PlotError(f"{path}: is not normscope analyze --format json output (schema normscope-analyze/2)")
    if doc.get("baseline") is not None and doc["baseline"] != baseline:
        raise PlotError(f"{path}: compares against {doc['baseline']}, not {baseline} (use --baseline {doc['baseline']}"
                        f" or analyze with --baseline {baseline})")
    out: List[Comparison] = []
    for c in doc.get("comparisons", []):
        if c.get("preset") not in presets:
            continue
        for quantity in JSON_QUANTITIES:
            estimate = c.get(quantity)
            if not isinstance(estimate, dict) or estimate.get("difference") is None:
                continue
            interval = estimate.get("interval") or {}
            out.append(Comparison(c["group"], c["preset"], quantity, float(estimate["difference"]),
                                  interval.get("lower"), interval.get("upper"), int(estimate.get("count", 0)),
                                  int(estimate.get("baseline_count", 0))))
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="normscope-plot",
        description="Draw the paper-style figures of NormScope traces (loss, gap, gradient parts, ratios, Φ(y), "
                    "summary against the baseline) as PNG/PDF/SVG files.")
    parser.add_argument("traces", nargs="+", metavar="TRACE", help="NormScope trace(s) (.h5), format 1 or 2")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for the figures (created)")
    parser.add_argument("--format", default="png,pdf", help="comma-separated: png, pdf, svg (default png,pdf)")
    parser.add_argument("--dpi", type=float, default=150, help="resolution of PNG files (default 150)")
    parser.add_argument("--groups", help="comma-separated presets to draw (default: all)")
    parser.add_argument("--baseline", help="preset the summary compares against (default layernorm)")
    parser.add_argument("--analysis", metavar="JSON",
                        help="output of `normscope analyze --format json` for the summary (else computed here)")
    return parser


def _fail(message: str) -> int:
    print(f"normscope-plot: {message}", file=sys.stderr)
    return 1


def make_figures(data: PlotData, presets: Sequence[str], baseline: str = "layernorm",
                 analysis: Optional[str] = None, analysis_comparisons: Optional[List[Comparison]] = None):
    """``[(name, Figure)]`` for the chosen presets, in the order they are written, and notes for stderr.

    The summary uses ``analysis_comparisons`` if given, else those of the ``analysis`` JSON file, else the Python
    bootstrap."""
    notes = list(data.notes)
    shown = data.subset(presets)
    figures = [("loss", _figures.loss_figure(shown)), ("gap", _figures.gap_figure(shown)),
               ("grad-parts", _figures.grad_parts_figure(shown)), ("ratios", _figures.ratios_figure(shown))]
    for preset in _figures.phi_presets(shown):
        figures.append((f"phi-{preset}", _figures.phi_figure(shown, preset)))
    all_presets = set(data.colours)
    if baseline not in all_presets:
        notes.append(f"no summary figure: the trace(s) have no {baseline} runs to compare against (--baseline)")
    else:
        if analysis or analysis_comparisons is not None:
            if analysis_comparisons is None:
                analysis_comparisons = json_comparisons(analysis, presets, baseline)
            comparisons, source = analysis_comparisons, f"normscope analyze: {analysis or 'JSON'}"
        else:
            comparisons = python_comparisons(data, presets, baseline)
            source = f"percentile bootstrap, B = {RESAMPLES}, seed {SEED}"
        if comparisons:
            figures.append(("summary", _figures.summary_figure(comparisons, data.colours, baseline, source)))
        else:
            notes.append(f"no summary figure: no chosen preset other than {baseline} to compare")
    return figures, notes


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
        unknown = [f for f in formats if f not in FORMATS]
        if unknown or not formats:
            raise PlotError(f"--format {args.format}: expected a comma-separated list of {', '.join(FORMATS)}")
        if not (math.isfinite(args.dpi) and 10 <= args.dpi <= 2400):
            raise PlotError(f"--dpi {args.dpi:g}: expected a number from 10 to 2400")
        data = _figures.load(args.traces)
        if not data.runs:
            raise PlotError(f"{', '.join(args.traces)}: no runs to draw")
        presets = sorted(data.colours)
        if args.groups:
            chosen = [g.strip() for g in args.groups.split(",") if g.strip()]
            missing = [g for g in chosen if g not in data.colours]
            if missing or not chosen:
                raise PlotError(f"--groups: no group {', '.join(missing) or repr(args.groups)} in the trace(s) "
                                f"(they have {', '.join(presets)})")
            presets = [p for p in presets if p in chosen]
        if args.baseline and args.baseline not in data.colours:
            raise PlotError(f"--baseline {args.baseline}: no such preset in the trace(s) "
                            f"(they have {', '.join(sorted(data.colours))})")
        baseline = args.baseline or "layernorm"
        # The --analysis file is read before anything is drawn, so that a bad one fails at once.
        from_json = json_comparisons(args.analysis, presets, baseline) if args.analysis else None
        figures, notes = make_figures(data, presets, baseline, args.analysis, from_json)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, figure in figures:
            for fmt in formats:
                path = out / f"{name}.{fmt}"
                figure.savefig(path, format=fmt, dpi=args.dpi, metadata=_METADATA[fmt])
                print(path)
        for note in notes:
            print(f"normscope-plot: note: {note}", file=sys.stderr)
    except (TraceError, PlotError) as error:
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
    except OSError as error:
        return _fail(f"{getattr(error, 'filename', None) or args.out}: {error.strerror or error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
