"""The runs ``normscope-plot`` draws: read from the traces and grouped as ``normscope analyze`` groups them
(``_grouping``), with each group's colour (its preset's) and marker (which of the preset's groups it is).

Traces recorded apart are read together as analyze reads them: runs that differ in any setting are different runs
whatever their ids; a run an earlier file already holds (same preset, seed and settings) is left out, with a note
that comes first. A trace argument ``FILE:LABEL`` names the file's runs ``LABEL:<id>``: the text after the last
``:`` is a label when the whole argument is not an existing file, it is not empty and has no ``/``
(``TraceInput`` in Sources/Analysis/Grouping).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import pandas as pd

from . import _comparison, _grouping, _palette
from ._grouping import Grouping
from .trace import open_trace

Input = Tuple[str, Optional[str]]   # a trace argument as (path, label)


@dataclass
class RunData:
    file: str
    id: str
    preset: str
    seed: int
    layers: List[str]
    evals: pd.DataFrame
    grads: Dict[str, pd.DataFrame]
    phi: Dict[str, pd.DataFrame] = field(default_factory=dict)
    phi_hist: Dict[str, object] = field(default_factory=dict)
    settings: Dict[str, Any] = field(default_factory=dict)   # as analyze reads them (config, flattened)
    group: str = ""                                          # its group's label; the preset when empty
    file_label: Optional[str] = None                         # the label of its file (``FILE:LABEL``)
    name: str = ""                                           # distinct among the runs drawn (``run_names``)
    diverged_at: Optional[int] = None                        # the step it diverged at (``_comparison``), or None
    status: Optional[str] = None                             # completed, diverged, running, interrupted, …
    prior_loss: Any = None                                   # the run attribute (METHODS.md, "Stability …")

    @property
    def label(self) -> str:
        return self.group or self.preset


@dataclass
class PlotData:
    runs: List[RunData]
    colours: Dict[str, str]          # every preset of the trace(s), also those not drawn
    notes: List[str] = field(default_factory=list)
    grouping: Grouping = field(default_factory=Grouping)
    # Every group's marker, of all runs loaded, so that a subset drawn with --groups keeps them as it keeps colours.
    markers: Optional[Dict[str, Optional[str]]] = None

    def __post_init__(self):
        if self.markers is None:
            self.markers = _palette.group_markers(self.group_presets.items())

    @property
    def group_presets(self) -> Dict[str, str]:
        """``{label: preset}`` in drawing order: presets sorted (the colour order), a preset's groups by their
        settings (numbers by size)."""
        first: Dict[str, RunData] = {}
        for run in self.runs:
            first.setdefault(run.label, run)
        order = sorted(first, key=lambda label: (first[label].preset, self.grouping.order(first[label].settings),
                                                 label))
        return {label: first[label].preset for label in order}

    @property
    def language_model(self) -> bool:
        """Whether every run trains the character language model, whose losses the figures give in bits per
        character (loss ÷ ln 2: its losses are nats per byte)."""
        return bool(self.runs) and all(_comparison.is_language_model(r.settings) for r in self.runs)

    @property
    def groups(self) -> Dict[str, List[RunData]]:
        """``{label: runs sorted by seed}`` in drawing order; the labels are the presets when nothing but the seed
        differs between the runs."""
        return {label: sorted((r for r in self.runs if r.label == label), key=lambda r: (r.seed, r.id))
                for label in self.group_presets}

    def preset_of(self, label: str) -> str:
        return next(r.preset for r in self.runs if r.label == label)

    def colour(self, label: str) -> str:
        return self.colours[self.preset_of(label)]

    def line_style(self, label: str) -> Dict[str, Any]:
        """The marker keywords of a group's lines (none for a preset with one group)."""
        return _palette.marker_style(self.markers.get(label))

    def match(self, label: str) -> Tuple[Any, ...]:
        """The group's values of the grouping keys, as the baseline's group at the same settings has them."""
        return self.grouping.match(next(r.settings for r in self.runs if r.label == label))

    def baseline_group(self, label: str, baseline: str) -> Optional[str]:
        """The baseline preset's group at exactly the group's settings; else the only one at its settings but for
        the normalization overrides (AdaNorm at C = 1 against LayerNorm), as analyze chooses; else None."""
        candidates = [g for g in self.groups if self.preset_of(g) == baseline]
        exact = [g for g in candidates if self.match(g) == self.match(label)]
        if exact:
            return exact[0]
        settings = next(r.settings for r in self.runs if r.label == label)
        near = [g for g in candidates
                if self.grouping.near(next(r.settings for r in self.runs if r.label == g))
                == self.grouping.near(settings)]
        return near[0] if len(near) == 1 else None

    @property
    def layers(self) -> List[str]:
        seen: List[str] = []
        for run in self.runs:
            for layer in run.layers:
                if layer not in seen:
                    seen.append(layer)
        return seen

    def select(self, names: Optional[Sequence[str]]) -> Tuple[List[str], List[str]]:
        """The labels that ``names`` choose — a preset chooses all its groups, a label its group; None all — in
        drawing order, and the names that are neither."""
        groups = self.group_presets
        if names is None:
            return list(groups), []
        wanted = set(names)
        missing = [n for n in names if n not in groups and n not in groups.values()]
        return [label for label, preset in groups.items() if label in wanted or preset in wanted], missing

    def subset(self, names: Optional[Sequence[str]]) -> "PlotData":
        """The runs of the groups ``names`` choose (presets or labels, as ``select``)."""
        keep = set(self.select(names)[0])
        return PlotData([r for r in self.runs if r.label in keep], self.colours, list(self.notes), self.grouping,
                        self.markers)

    def file_stems(self) -> Dict[str, str]:
        """``{label: name part}`` for per-group files: the preset when it has one group (``phi-adanorm``), else the
        label made safe for file names (``phi-adanorm_lr=0.001``); distinct for distinct groups."""
        groups = self.group_presets
        counts: Dict[str, int] = {}
        for preset in groups.values():
            counts[preset] = counts.get(preset, 0) + 1
        out: Dict[str, str] = {}
        used = set()
        for label, preset in groups.items():
            stem = _grouping.file_stem(preset if counts[preset] == 1 else label)
            candidate, n = stem, 2
            while candidate in used:
                candidate, n = f"{stem}-{n}", n + 1
            used.add(candidate)
            out[label] = candidate
        return out


def trace_input(argument: Union[str, "os.PathLike[str]"]) -> Input:
    """``(path, label)`` of a trace argument, ``A.h5`` or ``A.h5:lr-sweep``, by analyze's rule (module docstring);
    a path object is a path, whole."""
    if not isinstance(argument, str):
        return os.fspath(argument), None
    file, colon, label = argument.rpartition(":")
    if os.path.exists(argument) or not colon or not file or not label or "/" in label:
        return argument, None
    return file, label


def _described(path: str, label: Optional[str]) -> str:
    """A file as notes name it: ``A.h5``, or ``A.h5 (lr-sweep)`` with a label."""
    return f"{path} ({label})" if label else path


def run_names(runs: Sequence[Tuple[str, str, Optional[str]]]) -> List[str]:
    """Distinct names of ``(id, path, label)`` runs, as analyze names them (``RunNaming``): the id; ``label:id`` for
    a labelled file's run; ``path:id`` where runs of several unlabelled files share the id; then, should names still
    repeat, `` (path)`` and `` #n`` after them."""
    files: Dict[str, set] = {}
    for run_id, path, label in runs:
        files.setdefault(run_id, set()).add((path, label))
    names = [f"{label}:{run_id}" if label else (f"{path}:{run_id}" if len(files[run_id]) > 1 else run_id)
             for run_id, path, label in runs]
    for qualify in (lambda name, i: f"{name} ({runs[i][1]})", lambda name, i: f"{name} #{i + 1}"):
        counts: Dict[str, int] = {}
        for name in names:
            counts[name] = counts.get(name, 0) + 1
        names = [qualify(name, i) if counts[name] > 1 else name for i, name in enumerate(names)]
    return names


def duplicate_lines(duplicates: Sequence[Tuple[Input, str, Input, str]]) -> List[str]:
    """One line per pair of files for ``(input, run, kept input, kept run)``, as analyze writes them at the top of
    its output (``DuplicateRun.lines``)."""
    lines = []
    for file, kept in dict.fromkeys((file, kept) for file, _, kept, _ in duplicates):
        names = [run if run == kept_run else f"{run} (= {kept_run})"
                 for f, run, k, kept_run in duplicates if (f, k) == (file, kept)]
        shown = ", ".join(names[:6]) + (f", … ({len(names)} in all)" if len(names) > 6 else "")
        if file[0] == kept[0]:
            lines.append(f"duplicate: {file[0]} is given twice; its runs are counted once: {shown}")
            continue
        what = "a run" if len(names) == 1 else f"{len(names)} runs"
        lines.append(f"duplicate: {_described(*file)} repeats {what} of {_described(*kept)} (same preset, seed and "
                     f"settings): {shown}; each counted once, from {_described(*kept)}")
    return lines


def identify(run: Any) -> Tuple[str, int, Dict[str, Any], Optional[str]]:
    """``(preset, seed, settings, note)`` of a run, what makes it the run it is whatever its id (with
    ``_grouping.run_identity``): runs of traces recorded apart are the same run only when all of these agree."""
    preset = run.settings.get("preset")
    preset = str(preset) if preset is not None else run.id.rsplit("-s", 1)[0]
    seed = run.settings.get("seed")
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        seed = -1
    settings, note = _grouping.run_settings(run)
    return preset, seed, settings, note


def load(paths: Sequence[Union[str, "os.PathLike[str]"]], group_by: Optional[Sequence[str]] = None) -> PlotData:
    """Reads every run of every trace (``FILE:LABEL`` names a file's runs; a run an earlier file holds — same preset,
    seed and settings — is left out, with a note that comes first) and groups them: by preset and every setting that
    differs between the runs, or by preset and ``group_by`` (``_grouping.GroupingError`` for a key no run has)."""
    runs: List[RunData] = []
    notes: List[str] = []
    duplicates: List[Tuple[Input, str, Input, str]] = []
    seen: Dict[Tuple[Any, ...], Tuple[str, int]] = {}
    inputs = [trace_input(p) for p in paths]
    for position, (path, file_label) in enumerate(inputs):
        with open_trace(path) as trace:
            for run in trace:
                preset, seed, settings, note = identify(run)
                identity = _grouping.run_identity(preset, seed, settings)
                first = seen.get(identity)
                if first is not None and first[1] != position:
                    duplicates.append(((path, file_label), run.id, inputs[first[1]], first[0]))
                    continue
                seen.setdefault(identity, (run.id, position))
                if note:
                    notes.append(note)
                layers = list(run.layers)
                diverged_at = _comparison.divergence_step(run.status, run.diverged_step, run.steps["loss"],
                                                          settings.get("divergence_loss"))
                data = RunData(str(path), run.id, preset, seed, layers, run.evals, {l: run.grad(l) for l in layers},
                               settings=settings, file_label=file_label, diverged_at=diverged_at,
                               status=run.status, prior_loss=run.attrs.get("prior_loss"))
                for layer in layers:
                    if run.has_phi(layer):
                        data.phi[layer] = run.phi(layer)
                        data.phi_hist[layer] = run.phi_histogram(layer)
                runs.append(data)
    for run, name in zip(runs, run_names([(r.id, r.file, r.file_label) for r in runs])):
        run.name = name
    settings = [r.settings for r in runs]
    if not runs:
        grouping = Grouping()
    elif group_by is None:
        grouping = _grouping.automatic_grouping(settings)
    else:
        grouping = _grouping.chosen_grouping(group_by, settings)
    for run in runs:
        run.group = grouping.label(run.preset, run.settings)
    return PlotData(runs, _palette.preset_colours(r.preset for r in runs), duplicate_lines(duplicates) + notes,
                    grouping)
