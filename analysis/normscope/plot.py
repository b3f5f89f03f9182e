"""``normscope-plot TRACE... --out DIR`` (also ``python -m normscope.plot``): the paper-style figures of traces.

Runs (of every trace given, read as analyze reads them: ``FILE:LABEL`` names a file's runs, a run given twice is
drawn once) are grouped as ``normscope analyze`` groups them: by preset and every setting that differs between the
runs except the seed, pooled over seeds only (``_grouping``). A grid sweep over ``lr`` gives the groups
``layernorm lr=0.0003``, ``layernorm lr=0.001``, …; a sweep over seeds alone one group per preset, named by it.
``--group-by lr,hidden`` names the keys instead (``--group-by preset``: per preset, on purpose); ``--groups`` draws some groups, named by preset (all of its
groups) or by label. A group has its preset's colour (one per preset, Okabe–Ito) and, when its preset has
several groups, a marker shape of its own on each of its lines (o, s, ^, D, … in the order of the settings).

It writes:

- ``loss``: training and validation loss per group (nats; a char-LM's bits per character on the right), the gap
  shaded;
- ``gap``: validation − training loss over steps, mean over seeds with a min–max band;
- ``grad-parts``: ‖d‖, ‖c‖, ‖s‖, ‖t‖ per group and layer (log scale);
- ``ratios``: recenter_ratio and rescale_ratio per layer, a panel whose groups agree within 0.001 drawn flat with a
  note;
- ``phi-<preset>``: Φ(y) as a heat map with its mean and quantiles, for each group that records it (AdaNorm);
  ``phi-<label>`` (``phi-adanorm_lr=0.001``: spaces as ``_``, brackets dropped) when the preset has several groups;
- ``frontier`` (``lr`` a grouping key): stable/stalled/diverged runs per variant over learning rate × depth and the
  largest stable learning rate against depth (``_stability``, ``_frontier``; analyze's with ``--analysis``);
- ``depth-shares`` (``layers`` a grouping key) and ``forward-recentering`` (runs that record
  ``abs_mean_over_std``): ``_depth``;
- ``summary``: each group − the baseline preset's group at the same settings, with 95% intervals (a group without
  one is left out, with a note): best_valid_loss, gap_at_best, gap_last_tenth and the test split's accuracy (or
  bits per character) at the best evaluation — from ``--analysis`` (the JSON of ``normscope analyze --format
  json``, with its groups) or computed here by analyze's rule (METHODS.md, "Comparing groups": ``_comparison``,
  ``_statistics``), which gives the same differences and intervals to the last bit; no interval when a side has
  fewer than 2 runs.

each as ``DIR/<name>.<format>`` for every ``--format`` (png,pdf by default; svg too), ``--size`` wide (``_sizes``),
per-step series smoothed by ``--smooth`` (``_smoothing``), one line per file written,
under the output contract of every NormScope command (``_output``): DIR is never deleted or replaced, a figure
already there is replaced only with ``--force`` (every file is checked before anything is drawn), no input is
written over, and each file is written aside and renamed whole. Errors are one line ``normscope-plot: error: …`` and
exit status 1 (2 for a mistyped option, 130/143 after Ctrl-C/SIGTERM).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from matplotlib.figure import Figure

from matplotlib import rc_context

from . import _depth, _figures, _frontier, _grouping, _palette, _sizes, _smoothing, _stability
from ._layout import Style
from ._errors import TraceError
from ._figures import Comparison, PlotData
from ._comparison import group_comparisons
from ._grouping import Grouping, GroupingError
from ._statistics import RESAMPLES, SEED
from ._plotdata import trace_input
from ._output import CommandInput, OutputError, OutputFile, OutputFolder, Reason, deferred_signals

FORMATS = ("png", "pdf", "svg")
FRONTIER_NOTE = "frontier: stability "
# Every figure's name, in the order drawn; ``phi`` stands for the phi-<group> files.
FIGURES = ("loss", "gap", "grad-parts", "ratios", "phi", "frontier", "depth-shares", "forward-recentering",
           "summary")
# What the summary draws, from analyze's JSON or computed here alike.
SUMMARY_QUANTITIES = ("best_valid_loss", "gap_at_best", "gap_last_tenth", "test_accuracy_at_best",
                      "test_bits_per_character_at_best")
# File metadata without dates, so that the same trace gives the same files.
_METADATA = {"png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}, "svg": {"Date": None}}


class PlotError(Exception):
    """A one-line reason to stop (bad option value, unknown group, unreadable --analysis file)."""


def python_comparisons(data: PlotData, presets: Optional[Sequence[str]], baseline: str) -> List[Comparison]:
    """Each group that ``presets`` choose (presets or group labels, as ``--groups``; None: all), but the baseline's,
    against the baseline preset's group at the same settings in ``data``, by analyze's rule (``_comparison``), for
    the quantities the summary draws; a group without a baseline group is left out (``uncompared_groups``), as is a
    quantity without a value on a side."""
    chosen = set(data.select(presets)[0])
    out: List[Comparison] = []
    for compared in group_comparisons(data, baseline):
        if compared.group not in chosen:
            continue
        for quantity in SUMMARY_QUANTITIES:
            estimate = compared.estimates.get(quantity)
            if estimate is None or not (estimate.count and estimate.baseline_count):
                continue
            interval = estimate.interval
            out.append(Comparison(compared.group, compared.preset, quantity, estimate.difference, interval.lower,
                                  interval.upper, estimate.count, estimate.baseline_count, compared.baseline_group,
                                  data.markers.get(compared.group)))
    return out


def uncompared_groups(data: PlotData, presets: Optional[Sequence[str]], baseline: str) -> List[str]:
    """The chosen groups of other presets that have no baseline group at their settings."""
    return [label for label in data.select(presets)[0]
            if data.preset_of(label) != baseline and data.baseline_group(label, baseline) is None]


def _analysis_document(path: str, baseline: str) -> dict:
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
    return doc


def _analysis_markers(doc: dict) -> Dict[str, Optional[str]]:
    """The markers of the JSON's own groups, given as the figures give them: the same as the other figures' when
    analyze grouped by the same keys."""
    grouping = Grouping(tuple((doc.get("grouping") or {}).get("keys") or ()))
    groups = [g for g in doc.get("groups", []) if isinstance(g, dict) and "group" in g and "preset" in g]
    groups.sort(key=lambda g: (str(g["preset"]), grouping.order(g.get("settings") or {}), str(g["group"])))
    return _palette.group_markers((str(g["group"]), str(g["preset"])) for g in groups)


def _chosen(comparison: dict, presets: Optional[Sequence[str]]) -> bool:
    return presets is None or comparison.get("preset") in presets or comparison.get("group") in presets


def json_comparisons(path: str, presets: Optional[Sequence[str]], baseline: str) -> List[Comparison]:
    """The comparisons of ``normscope analyze --format json`` (ANALYZE_JSON.md), with its groups, of the chosen
    presets or group labels (None: all)."""
    doc = _analysis_document(path, baseline)
    markers = _analysis_markers(doc)
    out: List[Comparison] = []
    for c in doc.get("comparisons", []):
        if not _chosen(c, presets):
            continue
        for quantity in SUMMARY_QUANTITIES:
            estimate = c.get(quantity)
            if not isinstance(estimate, dict) or estimate.get("difference") is None:
                continue
            interval = estimate.get("interval") or {}
            out.append(Comparison(c["group"], c["preset"], quantity, float(estimate["difference"]),
                                  interval.get("lower"), interval.get("upper"), int(estimate.get("count", 0)),
                                  int(estimate.get("baseline_count", 0)), c.get("baseline_group"),
                                  markers.get(c["group"])))
    return out


def _json_notes(path: str, presets: Optional[Sequence[str]], baseline: str, grouping: Grouping) -> List[str]:
    """What the summary from an analyze JSON leaves out, or groups otherwise than the other figures."""
    doc = _analysis_document(path, baseline)
    notes = []
    keys = tuple((doc.get("grouping") or {}).get("keys") or ())
    if keys != grouping.keys:
        def by(names):
            return f"preset + {', '.join(names)}" if names else "preset alone"
        notes.append(f"{path}: its groups are by {by(keys)}, the other figures' by {by(grouping.keys)} (analyze "
                     "and plot with the same --group-by to match them)")
    preset_of = {g.get("group"): g.get("preset") for g in doc.get("groups", []) if isinstance(g, dict)}
    left = [g for g in doc.get("uncompared_groups", []) if _chosen({"group": g, "preset": preset_of.get(g)}, presets)]
    if left:
        notes.append(f"not in the summary (no {baseline} run at the same settings in {path}): {'; '.join(left)}")
    return notes


class _Parser(argparse.ArgumentParser):
    """argparse's errors as every other failure's: one line ``normscope-plot: error: …`` (not usage, then error)."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="normscope-plot",
        description="Draw the paper-style figures of NormScope traces (loss, gap, gradient parts, ratios, Φ(y), "
                    "summary against the baseline) as PNG/PDF/SVG files.")
    parser.add_argument("traces", nargs="+", metavar="TRACE", help="NormScope trace(s) (.h5), format 1 or 2")
    parser.add_argument("-o", "--out", required=True, metavar="DIR",
                        help="folder for the figures (created if missing; its other files are kept)")
    parser.add_argument("--force", action="store_true",
                        help="replace figures that already exist in DIR (without it, an existing one is an error "
                             "and nothing is written)")
    parser.add_argument("--format", default="png,pdf", help="comma-separated: png, pdf, svg (default png,pdf)")
    parser.add_argument("--dpi", type=float, default=150, help="resolution of PNG files (default 150)")
    parser.add_argument("--group-by", metavar="KEYS",
                        help="comma-separated settings that tell groups apart besides the preset, e.g. lr,hidden "
                             "(default: every setting that differs between the runs; runs are pooled over seeds only)")
    parser.add_argument("--groups", help="comma-separated presets (all their groups) or group labels to draw "
                                         "(default: all)")
    parser.add_argument("--baseline", help="preset the summary compares against, at the same settings "
                                           "(default layernorm)")
    parser.add_argument("--analysis", metavar="JSON",
                        help="output of `normscope analyze --format json` for the summary and the frontier (else "
                             "computed here)")
    parser.add_argument("--size", choices=sorted(_sizes.SIZES), default=_sizes.DEFAULT,
                        help=f"figure width for print: one-column (3.3 in) or two-column (6.9 in); default "
                             f"{_sizes.DEFAULT}")
    parser.add_argument("--smooth", type=int, default=_smoothing.DEFAULT_WINDOW, metavar="N",
                        help="per-step series as a centred moving mean over N recorded steps; 0 draws raw values "
                             f"(default {_smoothing.DEFAULT_WINDOW}; evaluations are never smoothed)")
    parser.add_argument("--raw", action="store_true", help="per-step series unsmoothed (as --smooth 0)")
    parser.add_argument("--figures", metavar="NAMES",
                        help="comma-separated figures to draw, of " + ", ".join(FIGURES) + " (phi: every phi-…); "
                             "default all that the traces hold")
    return parser


def _fail(message: str, status: int = 1) -> int:
    print(f"normscope-plot: error: {message}", file=sys.stderr)
    return status


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is so that it ends as after Ctrl-C: one line, no temporary left."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number


@contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM and SIGHUP raise ``_Terminated`` while ``main`` runs (in the main thread), as SIGINT raises
    KeyboardInterrupt; the handlers before are put back after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(number: int, _frame) -> None:
        _ignore_stops()  # the first signal stops the command; more change nothing
        raise _Terminated(number)

    # A signal ignored (nohup) or handled by an embedding program is left to it.
    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    saved = {number: signal.signal(number, terminate) for number in numbers
             if signal.getsignal(number) == signal.SIG_DFL}
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _outputs(folder: OutputFolder, names: Sequence[str]) -> List[OutputFile]:
    """Every file to write, checked before anything is drawn; files that exist (without --force) are named in one
    line together."""
    outputs, existing = [], []
    for name in names:
        try:
            outputs.append(folder.file(name))
        except OutputError as error:
            if error.reason is not Reason.EXISTS:
                raise
            existing.append(os.path.join(folder.path, name))
    if existing:
        more = f" (and {len(existing) - 1} more of the files to write)" if len(existing) > 1 else ""
        raise PlotError(f"{existing[0]} exists{more}; add --force to replace {'them' if more else 'it'}, or choose "
                        "another --out folder")
    return outputs


def _stability_of(data: PlotData, analysis: Optional[str], baseline: str) -> Tuple[Optional[_stability.Stability], str]:
    """The stability over an lr grid: analyze's (its JSON's ``stability`` key) when ``analysis`` holds it, else
    computed here by the same rule; and where it came from."""
    if analysis:
        from_json = _stability.from_json(_analysis_document(analysis, baseline))
        if from_json is not None:
            return from_json, f"normscope analyze: {os.path.basename(analysis)}"
    return _stability.stability(data), "computed here"


def plan_figures(data: PlotData, presets: Optional[Sequence[str]] = None, baseline: str = "layernorm",
                 analysis: Optional[str] = None, analysis_comparisons: Optional[List[Comparison]] = None,
                 style: Style = Style()):
    """``[(name, draw)]`` of ``make_figures``, each ``draw()`` making its ``Figure``, and the notes: the names are
    known, and the outputs checked, before anything is drawn."""
    notes = list(data.notes)
    if data.grouping.keys:
        notes.append(data.grouping.describe())
    shown = data.subset(presets)
    figures: List[Tuple[str, Callable[[], Figure]]] = [
        ("loss", lambda: _figures.loss_figure(shown, style)), ("gap", lambda: _figures.gap_figure(shown, style)),
        ("grad-parts", lambda: _figures.grad_parts_figure(shown, style)),
        ("ratios", lambda: _figures.ratios_figure(shown, style))]
    stems = data.file_stems()
    for group in _figures.phi_presets(shown):
        figures.append((f"phi-{stems[group]}", lambda group=group: _figures.phi_figure(shown, group, style)))
    stability, origin = _stability_of(shown, analysis, baseline) if _stability.LR in data.grouping.keys else (None, "")
    if stability is not None and stability.groups:
        if presets is not None:   # analyze's groups are all of them; the figure draws the chosen ones
            chosen = set(shown.groups)
            stability = _stability.Stability(stability.stall_fraction,
                                             [g for g in stability.groups if g.group in chosen],
                                             [c for c in stability.frontier
                                              if any(g.preset == c.preset for g in stability.groups
                                                     if g.group in chosen)])
        keys = data.grouping.keys
        figures.append(("frontier", lambda: _frontier.frontier_figure(stability, keys, style)))
        notes.append(f"{FRONTIER_NOTE}{origin}")
    if _depth.has_depths(shown):
        figures.append(("depth-shares", lambda: _depth.depth_shares_figure(shown, style)))
    if _depth.has_forward(shown):
        figures.append(("forward-recentering", lambda: _depth.forward_figure(shown, style)))
    if baseline not in set(data.colours):
        notes.append(f"no summary figure: the trace(s) have no {baseline} runs to compare against (--baseline)")
        return figures, notes
    if analysis or analysis_comparisons is not None:
        if analysis_comparisons is None:
            analysis_comparisons = json_comparisons(analysis, presets, baseline)
        # The file's name, not its path: the source is printed in the figure's title.
        source = f"normscope analyze: {os.path.basename(analysis) if analysis else 'JSON'}"
        comparisons = analysis_comparisons
    else:
        comparisons = python_comparisons(data, presets, baseline)
        source = f"percentile bootstrap, B = {RESAMPLES}, seed {SEED}, as analyze computes it"
        left = uncompared_groups(data, presets, baseline)
        if left:
            notes.append(f"not in the summary (no {baseline} run at the same settings): {'; '.join(left)}")
    if comparisons:
        figures.append(("summary", lambda: _figures.summary_figure(comparisons, data.colours, baseline, source, style,
                                                                    shown.language_model)))
    elif any(data.preset_of(g) != baseline for g in data.select(presets)[0]):
        notes.append(f"no summary figure: no chosen group has a {baseline} group at the same settings")
    else:
        notes.append(f"no summary figure: no chosen preset other than {baseline} to compare")
    return figures, notes


def make_figures(data: PlotData, presets: Optional[Sequence[str]] = None, baseline: str = "layernorm",
                 analysis: Optional[str] = None, analysis_comparisons: Optional[List[Comparison]] = None,
                 style: Style = Style()):
    """``[(name, Figure)]`` for the groups ``presets`` choose (presets or group labels, as ``--groups``; None: all),
    in the order they are written, and notes for stderr.

    The summary uses ``analysis_comparisons`` if given, else those of the ``analysis`` JSON file, else the Python
    bootstrap."""
    planned, notes = plan_figures(data, presets, baseline, analysis, analysis_comparisons, style)
    with rc_context(style.size.rc()):
        return [(name, draw()) for name, draw in planned], notes


def _listed(names: Sequence[str], limit: int = 12) -> str:
    return "; ".join(names[:limit]) + (f"; … ({len(names)} in all)" if len(names) > limit else "")


def _stop_once(number: int, _frame) -> None:
    """The first SIGINT stops the command (KeyboardInterrupt); more, as a terminal's or ``timeout``'s second one 1 ms
    later, change nothing, so the clean-up and its one line are not cut short by a second exception."""
    _ignore_stops()
    raise KeyboardInterrupt


def _ignore_stops() -> None:
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) not in (None, signal.SIG_IGN):
            signal.signal(getattr(signal, name), signal.SIG_IGN)


def main(argv: Optional[Sequence[str]] = None) -> int:
    # Python's own Ctrl-C handler is replaced while the command runs and put back after, so a notebook or test that
    # calls main() keeps its Ctrl-C (and gets it back after a stop, which ignores further signals).
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _stop_once)
        try:
            return _main(argv)
        finally:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    return _main(argv)


def _main(argv: Optional[Sequence[str]]) -> int:
    args = _parser().parse_args(argv)
    try:
        with _terminable():
            return _run(args)
    except (TraceError, PlotError, OutputError) as error:
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
    except KeyboardInterrupt:
        return _fail("interrupted; the files printed above are complete, no other file was written", 130)
    except _Terminated as stop:
        return _fail(f"stopped by signal {stop.number}; the files printed above are complete, no other file was "
                     "written", 128 + stop.number)
    except OSError as error:
        return _fail(f"{getattr(error, 'filename', None) or args.out}: {error.strerror or error}")
    except Exception as error:  # a failure nothing above foresaw is still one line, and says what it was
        first = str(error).splitlines()[0] if str(error) else ""
        return _fail(f"{type(error).__name__}: {first} (unexpected: please report it with the command line)")


def _run(args: argparse.Namespace) -> int:
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise PlotError(f"--format {args.format}: expected a comma-separated list of {', '.join(FORMATS)}")
    if not (math.isfinite(args.dpi) and 10 <= args.dpi <= 2400):
        raise PlotError(f"--dpi {args.dpi:g}: expected a number from 10 to 2400")
    if args.smooth < 0:
        raise PlotError(f"--smooth {args.smooth}: expected a number of recorded steps, 0 for raw values")
    style = Style(_sizes.SIZES[args.size], 0 if args.raw else args.smooth)
    # A labelled argument (A.h5:sweep) reads the file A.h5.
    inputs = [CommandInput("one of the traces to draw", trace_input(path)[0]) for path in args.traces]
    if args.analysis:
        inputs.append(CommandInput("the --analysis file", args.analysis))
    # The folder is checked before any trace is read: a file, a dangling link or an unwritable place fails at once.
    folder = OutputFolder(args.out, "--out", force=args.force, inputs=inputs)
    keys = None if args.group_by is None else [k.strip() for k in args.group_by.split(",") if k.strip()]
    try:
        data = _figures.load(args.traces, group_by=keys)
    except GroupingError as error:
        raise PlotError(str(error)) from None
    if not data.runs:
        raise PlotError(f"{', '.join(args.traces)}: no runs to draw")
    presets = sorted(data.colours)
    chosen: Optional[List[str]] = None
    if args.groups:
        chosen = _grouping.split_list(args.groups)
        missing = data.select(chosen)[1]
        if missing or not chosen:
            they = ", ".join(presets)
            if data.grouping.keys:
                they = f"the presets {they}; the groups {_listed(list(data.groups))}"
            raise PlotError(f"--groups: no group {', '.join(missing) or repr(args.groups)} in the trace(s) "
                            f"(they have {they})")
    if args.baseline and args.baseline not in data.colours:
        raise PlotError(f"--baseline {args.baseline}: no such preset in the trace(s) "
                        f"(they have {', '.join(presets)})")
    baseline = args.baseline or "layernorm"
    # The --analysis file is read before anything is drawn, so that a bad one fails at once.
    from_json = json_comparisons(args.analysis, chosen, baseline) if args.analysis else None
    planned, notes = plan_figures(data, chosen, baseline, args.analysis, from_json, style)
    if args.figures is not None:
        wanted = [name.strip() for name in args.figures.split(",") if name.strip()]
        unknown = [name for name in wanted if name not in FIGURES]
        if unknown or not wanted:
            raise PlotError(f"--figures {args.figures}: expected a comma-separated list of {', '.join(FIGURES)}")
        planned = [(name, draw) for name, draw in planned
                   if (name if not name.startswith("phi-") else "phi") in wanted]
        if not planned:
            raise PlotError(f"--figures {args.figures}: the trace(s) give none of these figures")
        if "frontier" not in wanted:
            notes = [note for note in notes if not note.startswith(FRONTIER_NOTE)]
    if args.analysis and baseline in data.colours:
        notes += _json_notes(args.analysis, chosen, baseline, data.grouping)
    outputs = _outputs(folder, [f"{name}.{fmt}" for name, _ in planned for fmt in formats])
    folder.create()
    files = iter(outputs)
    for name, draw in planned:
        with rc_context(style.size.rc()):   # the size's fonts and lines, drawn and saved alike
            figure = draw()
            for fmt in formats:
                output = next(files)
                with deferred_signals():  # a file written is a file printed: an interrupt waits for both
                    output.write(lambda temporary: figure.savefig(temporary, format=fmt, dpi=args.dpi,
                                                                  metadata=_METADATA[fmt]))
                    print(output.path, flush=True)
    for note in notes:
        print(f"normscope-plot: note: {note}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
