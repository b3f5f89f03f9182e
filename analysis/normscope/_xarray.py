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
  where one has no value, which makes an integer variable float.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

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
    frame = frame.rename_axis(dim)
    if prefix:
        frame = frame.add_prefix(prefix)
    return xr.Dataset.from_dataframe(frame)


def _layer_concat(xr: Any, pieces: List[Any], names: List[str]) -> Any:
    return xr.concat(pieces, dim=pd.Index(names, name="layer"), join="outer", coords="different",
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
        dataset = dataset.reindex(layer=layers)  # model order, also where only some layers have Φ or raw parts
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


def trace_dataset(trace: Any, raw: bool = True) -> Any:
    xr = _xr()
    runs = trace.runs
    if runs.empty:
        raise TraceError(f"{trace.path}: /runs: holds no runs, nothing to put in a Dataset", path=trace.path)
    pieces = [run_dataset(trace.run(run_id), raw=raw) for run_id in runs.index]
    dataset = xr.concat(pieces, dim=pd.Index(list(runs.index), name="run"), join="outer", coords="different",
                        compat="equals", combine_attrs="drop")
    for column in runs.columns:
        # A setting whose name is taken by a variable or dimension (``width``, the model's width, beside the grad
        # field ``width``, the layer's H) becomes ``run_<name>``.
        name = f"run_{column}" if column in dataset.variables or column in dataset.dims else column
        dataset = dataset.assign_coords({name: ("run", _coordinate(runs[column]))})
    dataset.attrs = {k: v for k, v in trace.attrs.items() if k != "config" and not isinstance(v, tuple)}
    return dataset
