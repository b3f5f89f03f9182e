"""The trace file a Python recorder writes, with h5py, in the layout of TRACE_FORMAT.md and the declaration of
``schema.json`` (tables, fields, their types), with the Swift writer's guarantees (Sources/Recording/TraceWriter.swift,
TraceFileWriter.swift, RunTables.swift):

- crash consistency: metadata stays in memory between flushes (cache evictions off, no chunk cache) and freed space
  is never reused (file space strategy NONE), so a writer killed at any moment, even by SIGKILL, leaves a file that
  opens with every row up to the last flush;
- a flush (every pending row appended, then ``H5Fflush``) every ``flush_every`` steps or ``flush_interval``
  seconds, whichever comes first (a timer thread flushes rows that wait longer), and when a run begins or ends;
- tables that share a coordinate are appended together, so their lengths agree at every flush;
- HDF5 1.10's formats (readable by Debian 12's HDF5 1.10.8, which the Swift side uses): the earliest format that
  holds the objects, or 1.10's for a live (SWMR) trace.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import h5py
import numpy as np

from .. import _schema

# Rows per chunk of every appendable dataset and the compression of their chunks (TRACE_FORMAT.md, "Storage").
CHUNK_ROWS = 1024
_COMPRESSION = {"compression": "gzip", "compression_opts": 4, "shuffle": True}
# HDF5's metadata cache increment/decrement modes' "off" values (H5C_incr__off, H5C_flash_incr__off, H5C_decr__off).
_CACHE_MODE_OFF = 0


class WriteError(Exception):
    """Writing the trace failed (a full disk, the file removed); one line saying what the file keeps."""


def _row_dtype(table: str) -> np.dtype:
    """The compound type of a declared table: every field 8 bytes, int64 or float64, little-endian, packed."""
    declared = _schema.declared_fields(table)
    kinds = {"int64": "<i8", "float64": "<f8"}
    return np.dtype([(field["name"], kinds[field["type"]]) for field in declared])


STEP_ROW = _row_dtype("steps")
EVAL_ROW = _row_dtype("evals")
GRAD_ROW = _row_dtype("grad")
PHI_ROW = _row_dtype("phi")


def row(dtype: np.dtype, values: Dict[str, Any]) -> np.ndarray:
    """One row of ``dtype`` from field → value; a float field not given is NaN (not available)."""
    record = np.zeros((), dtype=dtype)
    for name in dtype.names or ():
        if name in values:
            record[name] = values[name]
        elif dtype[name].kind == "f":
            record[name] = math.nan
        else:
            raise KeyError(f"the {name} of a row is missing")
    return record


@dataclass(frozen=True)
class LayerLayout:
    """One normalization layer of a run: its group name, width, Φ histogram edges (adaptive layers) and raw rows."""

    name: str
    width: int
    phi_edges: Optional[Tuple[float, ...]] = None
    raw_rows: int = 0


def _access(live: bool) -> h5py.h5p.PropFAID:
    """File access: metadata kept in memory until each flush, no chunk cache (a chunk is written by the write that
    fills it, so a flush writes metadata only), HDF5 1.10's formats at most."""
    access = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    access.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    cache = access.get_mdc_config()
    cache.evictions_enabled = False
    cache.incr_mode = _CACHE_MODE_OFF
    cache.flash_incr_mode = _CACHE_MODE_OFF
    cache.decr_mode = _CACHE_MODE_OFF
    access.set_mdc_config(cache)
    access.set_cache(0, 0, 0, 1.0)
    low = h5py.h5f.LIBVER_V110 if live else h5py.h5f.LIBVER_EARLIEST
    access.set_libver_bounds(low, h5py.h5f.LIBVER_V110)
    return access


def create_file(path: str, live: bool) -> h5py.File:
    creation = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    # Freed space is never reused: a chunk rewritten after a flush lands elsewhere, the flushed copy stays intact.
    creation.set_file_space_strategy(h5py.h5f.FSPACE_STRATEGY_NONE, False, 1)
    return h5py.File(h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=_access(live), fcpl=creation))


def open_file(path: str, locking: bool = True) -> h5py.File:
    """An existing trace, to add a run (its free-space strategy is stored in it) or write live statuses."""
    access = _access(live=False)
    if not locking:
        access.set_file_locking(False, True)
    return h5py.File(h5py.h5f.open(path.encode(), h5py.h5f.ACC_RDWR, fapl=access))


def set_attribute(node: Any, name: str, value: Any, boolean: Any) -> None:
    """An attribute typed as TRACE_FORMAT.md stores settings: booleans of the committed type ``/bool``, integers
    int64, reals float64, text variable-length UTF-8, lists one-dimensional arrays of their one kind."""
    if isinstance(value, (bool, np.bool_)):
        node.attrs.create(name, np.bool_(value), dtype=boolean)
    elif isinstance(value, (int, np.integer)):
        node.attrs.create(name, np.int64(value), dtype=np.int64)
    elif isinstance(value, (float, np.floating)):
        node.attrs.create(name, np.float64(value), dtype=np.float64)
    elif isinstance(value, str):
        node.attrs.create(name, value, dtype=h5py.string_dtype())
    elif isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value) and value:
            node.attrs.create(name, list(value), dtype=h5py.string_dtype())
        elif all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in value):
            node.attrs.create(name, np.asarray(value, dtype=np.int64), dtype=np.int64)
        else:
            node.attrs.create(name, np.asarray(value, dtype=np.float64), dtype=np.float64)
    else:
        raise TypeError(f"attribute {name!r}: cannot store a {type(value).__name__}")


class _Table:
    """One appendable dataset and its rows waiting for the next flush."""

    def __init__(self, group: h5py.Group, name: str, dtype: Any, columns: Tuple[int, ...] = (),
                 chunk_rows: int = CHUNK_ROWS, compressed: bool = True):
        self.dataset = group.create_dataset(name, shape=(0,) + columns, maxshape=(None,) + columns, dtype=dtype,
                                            chunks=(chunk_rows,) + columns, **(_COMPRESSION if compressed else {}))
        self.pending: List[Any] = []

    def write(self) -> None:
        if not self.pending:
            return
        rows = np.stack(self.pending)
        start = self.dataset.shape[0]
        self.dataset.resize(start + len(rows), axis=0)
        self.dataset[start:] = rows
        self.pending = []

    @property
    def rows(self) -> int:
        return self.dataset.shape[0] + len(self.pending)


def _scale(dataset: h5py.Dataset, name: str) -> h5py.Dataset:
    dataset.make_scale(name)
    return dataset


def _attach(scale: h5py.Dataset, dataset: h5py.Dataset, axis: int, label: str) -> None:
    dataset.dims[axis].attach_scale(scale)
    dataset.dims[axis].label = label


class RunTables:
    """The datasets of ``/runs/<id>`` and their pending rows (RunTables.swift): ``steps`` and ``step`` and every
    layer's ``grad`` always appended together, as are ``evals`` and ``eval_step``, and each layer's ``phi``,
    ``phi_hist`` and ``phi_step``."""

    def __init__(self, file: h5py.File, run_id: str, attributes: Dict[str, Any], config_json: str,
                 layers: Sequence[LayerLayout]):
        self.id = run_id
        boolean = file["bool"]
        self.group = group = file.create_group(f"runs/{run_id}")
        for key in sorted(attributes):
            set_attribute(group, key, attributes[key], boolean)
        set_attribute(group, "config", config_json, boolean)
        names = json.dumps([layer.name for layer in layers], separators=(",", ":"))
        set_attribute(group, "norm_layers", names, boolean)
        self.write_outcome("running", 0, -1)
        self.steps = _Table(group, "steps", STEP_ROW)
        self.step = _Table(group, "step", np.int64)
        _attach(_scale(self.step.dataset, "step"), self.steps.dataset, 0, "step")
        self.evals = _Table(group, "evals", EVAL_ROW)
        self.eval_step = _Table(group, "eval_step", np.int64)
        _attach(_scale(self.eval_step.dataset, "eval_step"), self.evals.dataset, 0, "eval_step")
        norms = group.create_group("norms")
        self.grads: List[_Table] = []
        self.phis: List[Optional[Tuple[_Table, _Table, _Table]]] = []
        self.raws: List[Optional[Tuple[_Table, _Table]]] = []
        for index, layer in enumerate(layers):
            layer_group = norms.create_group(layer.name)
            set_attribute(layer_group, "index", index, boolean)
            set_attribute(layer_group, "width", layer.width, boolean)
            grad = _Table(layer_group, "grad", GRAD_ROW)
            _attach(self.step.dataset, grad.dataset, 0, "step")
            self.grads.append(grad)
            self.phis.append(self._phi_tables(layer_group, layer.phi_edges) if layer.phi_edges else None)
            self.raws.append(self._raw_tables(layer_group, layer) if layer.raw_rows > 0 else None)

    @staticmethod
    def _phi_tables(group: h5py.Group, edges: Sequence[float]) -> Tuple[_Table, _Table, _Table]:
        columns = len(edges) + 1
        rows = _Table(group, "phi", PHI_ROW)
        histogram = _Table(group, "phi_hist", np.int64, (columns,))
        steps = _Table(group, "phi_step", np.int64)
        edge_values = np.asarray(edges, dtype=np.float64)
        # A scale of its own, so netCDF readers see a coordinate variable instead of an anonymous dimension.
        _scale(group.create_dataset("phi_edges", data=edge_values), "phi_edges")
        histogram.dataset.attrs.create("phi_edges", edge_values, dtype=np.float64)
        _scale(steps.dataset, "phi_step")
        _attach(steps.dataset, rows.dataset, 0, "phi_step")
        _attach(steps.dataset, histogram.dataset, 0, "phi_step")
        # Axis 1 has bins + 2 columns: its scale holds each column's lower edge, −∞ for "below".
        bins = _scale(group.create_dataset("phi_bin", data=np.concatenate([[-np.inf], edge_values])), "phi_bin")
        _attach(bins, histogram.dataset, 1, "phi_bin")
        return rows, histogram, steps

    @staticmethod
    def _raw_tables(group: h5py.Group, layer: LayerLayout) -> Tuple[_Table, _Table]:
        # One sample per chunk, uncompressed: written as it comes and never rewritten.
        shape = (4, layer.raw_rows, layer.width)
        parts = _Table(group, "raw_parts", np.float32, shape, chunk_rows=1, compressed=False)
        parts.dataset.attrs.create("parts", "total, direct, recentering, rescaling", dtype=h5py.string_dtype())
        steps = _Table(group, "raw_step", np.int64, chunk_rows=1, compressed=False)
        _attach(_scale(steps.dataset, "raw_step"), parts.dataset, 0, "raw_step")
        scales = [group.create_dataset("part", data=list(_schema.RAW_PARTS), dtype=h5py.string_dtype()),
                  group.create_dataset("row", data=np.arange(layer.raw_rows, dtype=np.int64)),
                  group.create_dataset("feature", data=np.arange(layer.width, dtype=np.int64))]
        for axis, scale in enumerate(scales, start=1):
            name = scale.name.rsplit("/", 1)[-1]
            _attach(_scale(scale, name), parts.dataset, axis, name)
        return parts, steps

    def add_step(self, step_row: np.ndarray, grad_rows: Sequence[np.ndarray],
                 phi: Sequence[Tuple[int, np.ndarray, np.ndarray]]) -> None:
        self.steps.pending.append(step_row)
        self.step.pending.append(np.int64(step_row["step"]))
        for table, grad_row in zip(self.grads, grad_rows):
            table.pending.append(grad_row)
        for index, phi_row, counts in phi:
            tables = self.phis[index]
            assert tables is not None, "a Φ record for a layer without Φ"
            tables[0].pending.append(phi_row)
            tables[1].pending.append(np.asarray(counts, dtype=np.int64))
            tables[2].pending.append(np.int64(phi_row["step"]))

    def add_evaluation(self, eval_row: np.ndarray) -> None:
        self.evals.pending.append(eval_row)
        self.eval_step.pending.append(np.int64(eval_row["step"]))

    def add_raw(self, index: int, step: int, values: np.ndarray) -> None:
        tables = self.raws[index]
        assert tables is not None, "a raw sample for a layer without raw rows"
        tables[0].pending.append(values.astype(np.float32))
        tables[1].pending.append(np.int64(step))

    def write_all(self) -> None:
        tables = [self.steps, self.step, *self.grads, self.evals, self.eval_step]
        for extra in (*self.phis, *self.raws):
            tables.extend(extra or ())
        for table in tables:
            table.write()

    @property
    def recorded_steps(self) -> int:
        return self.steps.rows

    def write_outcome(self, status: str, completed_steps: int, diverged_step: int,
                      reason: Optional[str] = None, group: Optional[h5py.Group] = None) -> None:
        assert status in _schema.STATUSES, status
        target = self.group if group is None else group
        boolean = target.file["bool"]
        set_attribute(target, "status", status, boolean)
        set_attribute(target, "completed_steps", completed_steps, boolean)
        set_attribute(target, "diverged_step", diverged_step, boolean)
        if reason is not None:
            set_attribute(target, "diverged_reason", reason, boolean)


class TraceFile:
    """An open trace: its runs' tables, the flush policy, and the identity of the file it must still be."""

    def __init__(self, file: h5py.File, location: str, identity: Tuple[int, int], live: bool, flush_every: int,
                 flush_interval: float):
        self.file = file
        self.location = location
        self.identity = identity
        self.live = live
        self.flush_every = flush_every
        self.flush_interval = flush_interval
        self.runs: List[RunTables] = []
        self._lock = threading.RLock()
        self._steps_since_flush = 0
        self._dirty = False
        self._last_flush = time.monotonic()
        self._failure: Optional[BaseException] = None
        self._closed = threading.Event()
        self._timer: Optional[threading.Thread] = None

    @staticmethod
    def write_root(file: h5py.File, attributes: Dict[str, Any]) -> None:
        """The committed boolean type, the root attributes and the empty ``/runs``."""
        file["bool"] = np.dtype(bool)
        for key in sorted(attributes):
            set_attribute(file, key, attributes[key], file["bool"])
        file.create_group("runs")

    def start_timer(self) -> None:
        """Flushes rows that wait longer than ``flush_interval`` even when no further step comes."""
        self._timer = threading.Thread(target=self._interval_flushes, name="normscope.torch-flush", daemon=True)
        self._timer.start()

    def _interval_flushes(self) -> None:
        while not self._closed.wait(timeout=max(0.05, self.flush_interval / 4)):
            with self._lock:
                if self._closed.is_set() or self._failure is not None:
                    return
                if self._dirty and time.monotonic() - self._last_flush >= self.flush_interval:
                    try:
                        self.flush()
                    except WriteError as error:
                        self._failure = error
                        return

    def check(self) -> None:
        """Raises the failure the timer thread met, if it met one."""
        if self._failure is not None:
            raise self._failure

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def step_done(self) -> None:
        self._steps_since_flush += 1
        self._dirty = True
        if (self._steps_since_flush >= self.flush_every
                or time.monotonic() - self._last_flush >= self.flush_interval):
            self.flush()

    def mark_dirty(self) -> None:
        self._dirty = True

    def flush(self) -> None:
        """Appends every pending row of every run, then ``H5Fflush``: after this, a writer killed at any moment
        leaves a file holding all of it. The file must still be the one this writer claimed."""
        try:
            status = os.stat(self.location)
        except OSError:
            status = None
        if status is None or (status.st_dev, status.st_ino) != self.identity:
            self._failure = WriteError(f"{self.location}: the file was removed or replaced while being written (or "
                                       "its folder was); it keeps every step up to its last flush")
            raise self._failure
        try:
            for run in self.runs:
                run.write_all()
            self.file.flush()
        except (OSError, RuntimeError, ValueError) as error:
            # Sticky, as the Swift writer's failures are: every later call says it again.
            self._failure = WriteError(f"{self.location}: recording stopped while flushing: "
                                       f"{' '.join(str(error).split())}; the file keeps every step up to its last "
                                       "flush")
            raise self._failure from None
        self._steps_since_flush = 0
        self._dirty = False
        self._last_flush = time.monotonic()

    def stop_timer(self) -> None:
        self._closed.set()
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.join()
