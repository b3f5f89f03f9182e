"""``Run.to_xarray`` and ``Trace.to_xarray``: the tables as labelled xarray Datasets.

xarray is imported here only, when asked for, so the base package works without it (``pip install
"normscope[xarray]"`` adds it). Decisions:

- The tables' fields become variables (``loss``, ``total_norm``, …) along named dimensions instead of structured
  arrays (which is what opening the HDF5 file with xarray's own engines gives).
- ``grad`` fields are ``(layer, step)``; ``phi`` fields are prefixed ``phi_`` (``phi_mean``, ``phi_q50``) and are
  ``(layer, phi_step)``; layers without Φ are NaN there. ``phi_hist`` is ``(layer, phi_step, bin)`` with an
  integer ``bin`` (0 … bins + 1, the stored columns, the outside ones included) and the coordinates
  ``bin_lower``/``bin_upper``; ``raw_parts`` is ``(layer, raw_step, part, row, feature)``.
- ``Trace.to_xarray`` puts the runs' settings on coordinates along ``run``; a setting whose name a variable
  already has (``width``: the grad field, the layer's H, beside the setting, the model's width) is ``run_width``.
  Lists (``hidden``) are JSON text there.
- Alignment is outer: runs or layers of different lengths (or widths, for ``feature``) share one Dataset with NaN
  where one has no value, which makes an integer variable float. A run without Φ or raw samples beside runs with
  them is NaN there (``_padded``); layers keep their model order. ``bin_lower``/``bin_upper`` are along ``bin``
  while the runs with Φ share their bins, else along ``run`` × ``bin`` (AdaNorm at C = 1 and C = 2).
- ``normscope.to_xarray(traces)`` joins several traces' runs the same way, merged by run as ``analyze`` and
  ``normscope-plot`` merge shards.
"""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict, List, Sequence, Set, Tuple

import numpy as np
import pandas as pd

from ._errors import TraceError


def _xr() -> Any:
    try:
        import xarray
    except ImportError:
        raise TraceError('to_xarray needs xarray: pip install "normscope[xarray]" (or pip install xarray)') from None
    return xarray


def _frame_dataset(xr: Any, frame: pd.DataFrame, dim: str, prefix: str = "") -> Any:
    # Column by column rather than ``Dataset.from_dataframe``, which aligns the Dataset again for each column: a
    # tenth of the time, on a trace of many runs.
    return xr.Dataset({prefix + str(column): (dim, frame[column].to_numpy()) for column in frame.columns},
                      coords={dim: frame.index.to_numpy()})


def _labels(names: Sequence[str], dim: str) -> pd.Index:
    """Names as an index of Python strings: pandas 3's own string dtype, as an xarray index, cannot be outer-joined
    with another one (``Cannot interpret '<StringDtype…>' as a data type``), as runs of different layers are."""
    return pd.Index(list(names), dtype=object, name=dim)


def _layer_concat(xr: Any, pieces: List[Any], names: List[str]) -> Any:
    return xr.concat(pieces, dim=_labels(names, "layer"), join="outer", coords="different",
                     compat="equals", combine_attrs="drop_conflicts")


def _attr_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return np.asarray(value)
    if isinstance(value, bool):
        return np.bool_(value)
    return value


def run_dataset(run: Any, raw: bool = True) -> Any:
    xr = _xr()
    parts = [_frame_dataset(xr, run.steps, "step"), _frame_dataset(xr, run.evals, "eval_step")]
    layers = run.layers
    if layers:
        parts.append(_layer_concat(xr, [_frame_dataset(xr, run.grad(name), "step") for name in layers], layers))
    phi_layers = [name for name in layers if run.has_phi(name)]
    if phi_layers:
        pieces = []
        for name in phi_layers:
            stats = _frame_dataset(xr, run.phi(name), "phi_step", prefix="phi_")
            hist = run.phi_histogram(name)
            bins = np.arange(hist.counts.shape[1])
            upper = np.concatenate([hist.edges, [np.inf]])
            histogram = xr.Dataset(
                {"phi_hist": (("phi_step", "bin"), hist.counts)},
                coords={"phi_step": hist.steps, "bin": bins, "bin_lower": ("bin", hist.bin_lower),
                        "bin_upper": ("bin", upper)})
            pieces.append(xr.merge([stats, histogram], join="outer"))
        parts.append(_layer_concat(xr, pieces, phi_layers))
    raw_layers = [name for name in layers if raw and run.has_raw_parts(name)]
    if raw_layers:
        pieces = []
        for name in raw_layers:
            sample = run.raw_parts(name)
            _, _, rows, width = sample.values.shape
            pieces.append(xr.Dataset(
                {"raw_parts": (("raw_step", "part", "row", "feature"), sample.values)},
                coords={"raw_step": sample.steps, "part": list(sample.parts), "row": np.arange(rows),
                        "feature": np.arange(width)}))
        parts.append(_layer_concat(xr, pieces, raw_layers))
    dataset = xr.merge(parts, join="outer", compat="no_conflicts", combine_attrs="drop")
    if layers:
        # Model order, also where only some layers have Φ or raw parts.
        dataset = dataset.reindex(layer=_labels(layers, "layer"))
    attrs: Dict[str, Any] = {"run": run.id}
    for key, value in run.attrs.items():
        if key in ("config",):
            continue
        attrs[key] = _attr_value(value)
    dataset.attrs = attrs
    return dataset


def _coordinate(column: pd.Series) -> Any:
    """A ``runs`` column as a NumPy array for a coordinate along ``run``; tuples become JSON text."""
    if column.map(lambda v: isinstance(v, tuple)).any():
        return np.array([json.dumps(list(v)) if isinstance(v, tuple) else "" for v in column], dtype=object)
    if str(column.dtype) == "Int64":
        return column.to_numpy(dtype="float64", na_value=np.nan)
    if str(column.dtype) == "boolean":
        return column.to_numpy(dtype=object, na_value=None)
    return column.to_numpy()


# The coordinates along ``bin`` that a run's Φ layers carry. They are set apart while the runs are joined and put
# back by ``_edges``: xarray would otherwise keep them along ``bin`` or spread them along ``run`` depending on which
# runs happen to have Φ.
_EDGES = ("bin_lower", "bin_upper")


def _padded(dataset: Any, template: Dict[str, Any], coordinates: Set[str]) -> Any:
    """``dataset`` with every variable of ``template`` that it lacks, empty (or NaN where it has every dimension).

    A run without AdaNorm has no ``phi_*``, ``phi_step`` or ``bin``; one without raw samples no ``raw_parts``. xarray's
    concat refuses a coordinate that only some datasets have (``'phi_step' not present in all datasets``) and older
    versions drop a variable the first dataset lacks, so every run gets every variable first: a dimension the run
    lacks has length 0 there, and the outer join along ``run`` fills the run's part with NaN.
    """
    missing = [name for name in template if name not in dataset.variables]
    if not missing:
        return dataset
    dims = {dim for name in missing for dim in template[name].dims} - set(dataset.dims)
    # The empty index keeps the other runs' index type (pandas' string dtype for layer names), or the join fails.
    dataset = dataset.assign_coords({dim: template[dim].to_index()[:0] if dim in template else pd.RangeIndex(0)
                                     for dim in dims})
    added_coords, added_data = {}, {}
    for name in missing:
        if name in dataset.variables:
            continue  # an index just added
        variable = template[name]
        shape = tuple(dataset.sizes[dim] for dim in variable.dims)
        values = np.full(shape, np.nan) if all(shape) else np.empty(shape, dtype=variable.dtype)
        (added_coords if name in coordinates else added_data)[name] = (variable.dims, values)
    return dataset.assign_coords(added_coords).assign(added_data)


def _first_seen(pieces: Sequence[Any], dim: str) -> List[Any]:
    """The labels along ``dim`` in the order the runs give them (the outer join sorts a union: layers would lose their
    model order, parts their t, d, c, s order)."""
    return list(dict.fromkeys(label for piece in pieces if dim in piece.dims for label in piece[dim].values.tolist()))


def _edges(xr: Any, found: List[Tuple[str, Any]], dataset: Any) -> Any:
    """One edge coordinate of the runs with Φ: along ``bin`` when they share their bins (every run of a sweep with
    one ``phi_bins``/``phi_range``), else along ``run`` × ``bin``, NaN for the runs without Φ."""
    first = found[0][1]
    if all(value.equals(first) for _, value in found[1:]):
        return first.variable
    joined = xr.concat([value for _, value in found], dim=_labels([run for run, _ in found], "run"),
                       join="outer", coords="minimal", compat="equals", combine_attrs="drop")
    joined = joined.reindex(run=dataset["run"].values, bin=dataset["bin"].values)
    return joined.dims, joined.values


def _join_runs(xr: Any, pieces: List[Any], ids: List[str]) -> Any:
    """The runs' Datasets along a new ``run`` dimension, outer-joined on every other one."""
    edges = {name: [(run, piece[name].reset_coords(drop=True)) for run, piece in zip(ids, pieces)
                    if name in piece.coords] for name in _EDGES}
    pieces = [piece.drop_vars([name for name in _EDGES if name in piece.variables]) for piece in pieces]
    template: Dict[str, Any] = {}
    coordinates: Set[str] = set()
    for piece in pieces:
        coordinates.update(piece.coords)
        for name, variable in piece.variables.items():
            template.setdefault(name, variable)
    padded = [_padded(piece, template, coordinates) for piece in pieces]
    dataset = xr.concat(padded, dim=_labels(ids, "run"), join="outer", data_vars="all", coords="minimal",
                        compat="equals", combine_attrs="drop")
    for dim in ("layer", "part"):
        if dim in dataset.dims:
            dataset = dataset.reindex({dim: _labels(_first_seen(pieces, dim), dim)})
    for name, found in edges.items():
        if found:
            dataset = dataset.assign_coords({name: _edges(xr, found, dataset)})
    return dataset


def _common_attrs(traces: Sequence[Any]) -> Dict[str, Any]:
    """The root attributes every trace has with the same value (all of one trace's), without ``config`` and lists."""
    def plain(trace: Any) -> Dict[str, Any]:
        return {k: v for k, v in trace.attrs.items() if k != "config" and not isinstance(v, tuple)}

    common = plain(traces[0])
    for trace in traces[1:]:
        other = plain(trace)
        common = {k: v for k, v in common.items() if k in other and _same(other[k], v)}
    return common


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(a == b))
    except (TypeError, ValueError):
        return False


def traces_dataset(traces: Sequence[Any], raw: bool = True) -> Any:
    """Every run of ``traces`` (open ``Trace``s: one trace, the shards of a sweep, or traces recorded apart) in one
    Dataset along ``run``, read as ``analyze`` and ``normscope-plot`` read them: a run is its preset, seed and
    settings, not its id, so runs of traces recorded apart that differ in a setting are all kept (named
    ``<file>:<id>`` where ids repeat), and a run given twice is kept once, from the first trace, with a warning."""
    from ._plotdata import identify, run_names
    from ._grouping import run_identity

    xr = _xr()
    runs, frames, origins, seen = [], [], [], {}
    for position, trace in enumerate(traces):
        frame = trace.runs
        kept = []
        for run_id in frame.index:
            run = trace.run(run_id)
            preset, seed, settings, _ = identify(run)
            identity = run_identity(preset, seed, settings)
            if identity in seen and seen[identity][2] != position:
                first_path, first_id, _ = seen[identity]
                warnings.warn(f"{trace.path}: run {run_id} repeats run {first_id} of {first_path} (same preset, "
                              "seed and settings); the first one is kept", stacklevel=3)
                continue
            seen.setdefault(identity, (trace.path, run_id, position))
            kept.append(run_id)
            runs.append(run)
            origins.append((run_id, trace.path, None))
        frames.append(frame.loc[kept])
    if not runs:
        where = ", ".join(trace.path for trace in traces) or "(no trace given)"
        raise TraceError(f"{where}: /runs: holds no runs, nothing to put in a Dataset",
                         path=traces[0].path if len(traces) == 1 else None)
    names = run_names(origins)
    for frame, start in zip(frames, np.cumsum([0] + [len(f) for f in frames[:-1]])):
        frame.index = pd.Index(names[start:start + len(frame)], name=frame.index.name)
    table = frames[0] if len(frames) == 1 else pd.concat(frames)
    ids = names
    dataset = _join_runs(xr, [run_dataset(run, raw=raw) for run in runs], ids)
    for column in table.columns:
        # A setting whose name is taken by a variable or dimension (``width``, the model's width, beside the grad
        # field ``width``, the layer's H) becomes ``run_<name>``.
        name = f"run_{column}" if column in dataset.variables or column in dataset.dims else column
        dataset = dataset.assign_coords({name: ("run", _coordinate(table[column].loc[ids]))})
    dataset.attrs = _common_attrs(traces)
    return dataset
