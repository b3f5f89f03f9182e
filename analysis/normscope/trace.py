"""Reading a NormScope trace: ``open_trace(path) -> Trace``, ``Trace.run(id) -> Run``.

Decisions (see also PYTHON.md):

- Objects are found by their documented names (TRACE_FORMAT.md), never by position: ``/runs/<id>/steps``,
  ``…/norms/<layer>/grad`` and so on. Unknown attributes and datasets are ignored, as the format asks of readers.
- The format version is the root attribute ``format_version``: 1 and 2 are read, anything newer is refused with
  one line (a reader cannot know what a newer version changed). Format 1's text settings are parsed into the same
  types format 2 stores (``_settings``).
- Tables are read when asked for and not cached: each ``run.steps`` reads the dataset again, so on a live trace
  opened with ``swmr=True`` (where every dataset is refreshed before it is read) it holds the rows flushed so far.
  Attributes (settings, status) are read once per ``Run``; a live recorder writes final statuses only when it
  closes the file.
- Tables are DataFrames indexed by their ``step`` field (named ``step`` also for ``evals`` and ``phi``, whose HDF5
  coordinates are ``eval_step`` and ``phi_step``); every other field is a column with the stored dtype. Missing
  quantities are NaN in the file and stay NaN.
- Layers are listed in model order: the run attribute ``norm_layers``, or, where it is missing, the layer groups
  sorted by their ``index`` attribute.
- Every failure is a ``TraceError`` with a one-line message naming the file and the object. What this reader does
  not do is defend HDF5 itself against corrupted metadata that makes the C library crash or hang (``normscope
  inspect`` and ``analyze`` walk a file in a child process first for that); damage that HDF5 reports as an error
  becomes a ``TraceError``.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import h5py
import numpy as np
import pandas as pd

from . import _schema, _settings
from ._errors import TraceError

FORMAT = _schema.FORMAT
SUPPORTED_VERSIONS = _schema.SUPPORTED_VERSIONS

# Each table's fields, from the trace format's one declaration (schema.json, exported by `normscope schema`).
# Fields added after traces were first written are read as NaN from a table that lacks them (not measured).
STEP_FIELDS = _schema.required_fields("steps")
EVAL_FIELDS = _schema.required_fields("evals")
EVAL_LATER_FIELDS = _schema.later_fields("evals")
GRAD_FIELDS = _schema.required_fields("grad")
GRAD_LATER_FIELDS = _schema.later_fields("grad")
PHI_FIELDS = _schema.required_fields("phi")
RAW_PARTS = _schema.RAW_PARTS

# The run attributes that come first in ``Trace.runs``; the rest follow in name order.
_LEADING_COLUMNS = ("preset", "seed", "status", "completed_steps", "diverged_step", "diverged_reason", "model",
                    "dataset", "steps", "lr")


class PhiHistogram(NamedTuple):
    """AdaNorm's Φ(y) histogram of one layer: ``counts, edges, steps = run.phi_histogram(layer)``.

    ``counts`` is int64 ``[len(steps), bins + 2]`` as stored: column 0 counts Φ < ``edges[0]``, column i (1 … bins)
    counts ``edges[i-1] <= Φ < edges[i]``, the last column counts Φ ≥ ``edges[-1]``, so a row sums to the R·H
    elements of that step. ``edges`` is float64 ``[bins + 1]``; ``steps`` int64 ``[len(steps)]``.
    """

    counts: np.ndarray
    edges: np.ndarray
    steps: np.ndarray

    @property
    def inner(self) -> np.ndarray:
        """The counts of the ``bins`` bins between the edges, without the two outside columns."""
        return self.counts[:, 1:-1]

    @property
    def underflow(self) -> np.ndarray:
        """Per step, the elements below ``edges[0]``."""
        return self.counts[:, 0]

    @property
    def overflow(self) -> np.ndarray:
        """Per step, the elements at or above ``edges[-1]``."""
        return self.counts[:, -1]

    @property
    def bin_lower(self) -> np.ndarray:
        """The lower edge of each column of ``counts``: ``[-inf, edges[0], …, edges[-1]]`` (the file's ``phi_bin``)."""
        return np.concatenate([[-np.inf], self.edges])


class RawParts(NamedTuple):
    """The raw gradient rows of one layer, sampled every ``raw_every`` steps: ``values, steps, parts``.

    ``values`` is float32 ``[len(steps), 4, rows, H]``; axis 1 is ``parts`` = ``("total", "direct", "recenter",
    "rescale")``, so ``values[:, 0] ≈ values[:, 1:].sum(axis=1)`` (t = d + c + s) row by row.
    """

    values: np.ndarray
    steps: np.ndarray
    parts: Tuple[str, ...]

    def part(self, name: str) -> np.ndarray:
        """``values[:, i]`` of the part called ``name`` (``[len(steps), rows, H]``)."""
        try:
            return self.values[:, self.parts.index(name)]
        except ValueError:
            raise KeyError(f"no raw part {name!r} (the parts are {', '.join(self.parts)})") from None


def _h5_reason(error: BaseException) -> str:
    """HDF5's reason without h5py's boilerplate: 'Unable to synchronously open file (file signature not found)'
    gives 'file signature not found'."""
    text = " ".join(str(error).split())
    found = re.findall(r"\(([^()]*)\)", text)
    return found[-1] if found else (text or type(error).__name__)


def _open_error(path: str, error: BaseException) -> TraceError:
    reason = _h5_reason(error)
    text = " ".join(str(error).split())
    if "truncated file" in text:
        numbers = dict(re.findall(r"(\w+) = (\d+)", text))
        if "eof" in numbers and "stored_eof" in numbers:
            message = (f"{path}: is truncated ({numbers['eof']} of the {numbers['stored_eof']} bytes its HDF5 header "
                       "records): an incomplete copy or download? copy it again")
        else:
            message = f"{path}: is truncated ({reason})"
    elif "signature not found" in text:
        message = f"{path}: is not an HDF5 file (no HDF5 signature); expected a NormScope trace (.h5)"
    elif "already open for write" in text or "h5clear" in text:
        message = (f"{path}: is a live trace still open for writing, or its recorder died: open it with "
                   "open_trace(path, swmr=True), or clear it with h5clear -s")
    elif "lock" in text:
        message = (f"{path}: is locked by a program writing it; wait for the recorder to finish (a trace recorded "
                   "with --live opens with swmr=True while it is written)")
    elif isinstance(error, PermissionError) or "Permission denied" in str(error):
        message = f"{path}: cannot be read (permission denied)"
    else:
        message = f"{path}: cannot be opened as HDF5 ({reason})"
    return TraceError(message, path=path)


def open_trace(path: "str | os.PathLike[str]", swmr: bool = False) -> "Trace":
    """Opens a NormScope trace (format 1 or 2) for reading.

    ``swmr=True`` opens it as an HDF5 single-writer/multiple-reader reader: the way to read a trace recorded with
    ``normscope record --live`` while it is written (or after its recorder died), and harmless on any other
    trace. Use it as a context manager (``with open_trace(p) as trace:``) or call ``close()``.

    Raises ``TraceError`` (one line) if the file is missing, not HDF5, truncated, not a NormScope trace, of a newer
    format version, or its root attributes are damaged.
    """
    return Trace(path, swmr=swmr)


def to_xarray(traces: "Sequence[str | os.PathLike[str] | Trace]", raw: bool = True, swmr: bool = False) -> Any:
    """Every run of several traces (the shards of one sweep, ``record --shard i/n``; or traces to compare) in one
    ``xarray.Dataset`` along ``run``, as ``Trace.to_xarray`` gives one trace's. Shards are merged by run: a run id met
    again in a later trace is left out, with a warning. Paths are opened (with ``swmr``) and closed again; open
    ``Trace``s are read and left open. Needs ``pip install "normscope[xarray]"``."""
    from ._xarray import traces_dataset

    traces = [traces] if isinstance(traces, (str, os.PathLike, Trace)) else list(traces)
    opened: List[Trace] = []
    try:
        for item in traces:
            opened.append(item if isinstance(item, Trace) else Trace(item, swmr=swmr))
        return traces_dataset(opened, raw=raw)
    finally:
        for item, trace in zip(traces, opened):
            if trace is not item:
                trace.close()


class Trace:
    """An open trace. ``runs`` is the table of runs; ``run(id)`` one run; ``to_xarray()`` everything labelled."""

    def __init__(self, path: "str | os.PathLike[str]", swmr: bool = False):
        self.path = os.fspath(path)
        self.swmr = bool(swmr)
        self._file: Optional[h5py.File] = None
        if not os.path.lexists(self.path):
            raise TraceError(f"{self.path}: no such file", path=self.path)
        if os.path.isdir(self.path):
            raise TraceError(f"{self.path}: is a directory, expected a NormScope trace file", path=self.path)
        try:
            if self.swmr:
                self._file = h5py.File(self.path, "r", libver="latest", swmr=True)
            else:
                self._file = h5py.File(self.path, "r")
        except (OSError, ValueError, RuntimeError) as error:
            raise _open_error(self.path, error) from None
        try:
            self._check_root()
        except BaseException:
            self.close()
            raise

    # -- life cycle -----------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the file; reading afterwards raises ``TraceError``. Closing twice is harmless."""
        if self._file is not None:
            try:
                self._file.close()
            finally:
                self._file = None

    def __enter__(self) -> "Trace":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._file is None else f"format {self.format_version}, {len(self.run_ids)} run(s)"
        return f"<normscope.Trace {self.path!r} ({state})>"

    # -- low-level access -----------------------------------------------------------------------------------------

    def _error(self, obj: str, what: str) -> TraceError:
        return TraceError(f"{self.path}: {obj}: {what}", path=self.path, object=obj)

    @property
    def h5(self) -> h5py.File:
        """The underlying ``h5py.File``, for what this package does not cover."""
        if self._file is None:
            raise TraceError(f"{self.path}: the trace is closed", path=self.path)
        return self._file

    def _node(self, obj: str, kind: type) -> Any:
        f = self.h5
        try:
            node = f.get(obj)
        except (OSError, KeyError, ValueError, RuntimeError) as error:
            raise self._error(obj, f"cannot be read ({_h5_reason(error)})") from None
        if node is None:
            return None
        if not isinstance(node, kind):
            expected = "a group" if kind is h5py.Group else "a dataset"
            raise self._error(obj, f"is not {expected}")
        return node

    def _attrs(self, obj: str, node: Any) -> Dict[str, Any]:
        try:
            return {name: node.attrs[name] for name in node.attrs.keys()}
        except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
            raise self._error(obj, f"its attributes cannot be read ({_h5_reason(error)})") from None

    def _read(self, obj: str, shape_rank: Optional[int] = None) -> np.ndarray:
        ds = self._node(obj, h5py.Dataset)
        if ds is None:
            raise self._error(obj, "is missing")
        try:
            if self.swmr:
                ds.refresh()
            if shape_rank is not None and ds.ndim != shape_rank:
                raise self._error(obj, f"has {ds.ndim} dimension(s), expected {shape_rank}")
            return ds[()]
        except TraceError:
            raise
        except (OSError, KeyError, ValueError, RuntimeError, TypeError) as error:
            raise self._error(obj, f"cannot be read ({_h5_reason(error)})") from None

    def _table(self, obj: str, fields: Sequence[str], later: Sequence[str] = ()) -> pd.DataFrame:
        ds = self._node(obj, h5py.Dataset)
        if ds is None:
            raise self._error(obj, "is missing")
        names = ds.dtype.names or ()
        missing = [name for name in fields if name not in names]
        if missing:
            found = "fields " + ", ".join(names) if names else f"{ds.dtype}"
            raise self._error(obj, f"holds {found}, expected a table with the fields {', '.join(fields)} "
                                   f"(missing {', '.join(missing)})")
        rows = self._read(obj, shape_rank=1)
        frame = pd.DataFrame(rows)
        for name in later:
            if name not in frame.columns:
                frame[name] = np.nan
        # The declared order, whatever order the file stores them in; columns a caller added follow.
        declared = list(fields) + list(later)
        frame = frame[declared + [name for name in frame.columns if name not in declared]]
        return frame.set_index("step")

    # -- the root ---------------------------------------------------------------------------------------------------

    def _check_root(self) -> None:
        attrs = self._attrs("/", self.h5)
        fmt = attrs.get("format")
        if isinstance(fmt, bytes):
            fmt = fmt.decode("utf-8", "replace")
        if fmt != FORMAT:
            found = "no root attribute 'format'" if fmt is None else f"root attribute format = {str(fmt)[:40]!r}"
            raise TraceError(f"{self.path}: is not a NormScope trace ({found}, expected format = '{FORMAT}')",
                             path=self.path, object="/")
        version = attrs.get("format_version")
        if not isinstance(version, (int, np.integer)) or isinstance(version, (bool, np.bool_)):
            raise TraceError(f"{self.path}: root attribute format_version holds {version!r}, expected an integer",
                             path=self.path, object="/")
        version = int(version)
        if version not in SUPPORTED_VERSIONS:
            newer = "newer than" if version > max(SUPPORTED_VERSIONS) else "not one of"
            raise TraceError(f"{self.path}: trace format version {version} is {newer} the versions this reader "
                             f"knows (1, 2); upgrade the normscope Python package", path=self.path, object="/")
        self.format_version = version
        self.attrs = {name: _settings._plain(value) for name, value in attrs.items()}
        if self._node("/runs", h5py.Group) is None:
            raise TraceError(f"{self.path}: /runs: is missing (a NormScope trace holds its runs there)",
                             path=self.path, object="/runs")

    @property
    def tool_version(self) -> Optional[str]:
        """The NormScope version that wrote the file."""
        return self.attrs.get("tool_version")

    @property
    def created(self) -> Optional[pd.Timestamp]:
        """When the file was created (UTC), or None if the attribute is missing."""
        text = self.attrs.get("created")
        return pd.Timestamp(text) if text else None

    @property
    def command_line(self) -> Optional[str]:
        return self.attrs.get("command_line")

    @property
    def config(self) -> Dict[str, Any]:
        """The sweep configuration the trace was recorded with (the root attribute ``config``, parsed)."""
        return self._json("/", self.attrs.get("config"), "config")

    def _json(self, obj: str, text: Any, name: str) -> Any:
        if text is None:
            raise self._error(obj, f"attribute '{name}' is missing")
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            raise self._error(obj, f"attribute '{name}' is not JSON text") from None

    # -- runs -------------------------------------------------------------------------------------------------------

    @property
    def run_ids(self) -> List[str]:
        """The run ids, in HDF5's (name) order."""
        group = self._node("/runs", h5py.Group)
        try:
            return [name for name in group.keys()]
        except (OSError, RuntimeError, ValueError) as error:
            raise self._error("/runs", f"cannot be listed ({_h5_reason(error)})") from None

    def __contains__(self, run_id: str) -> bool:
        return run_id in self.run_ids

    def __iter__(self) -> Iterator["Run"]:
        for run_id in self.run_ids:
            yield self.run(run_id)

    def run(self, run_id: str) -> "Run":
        """The run ``run_id`` (e.g. ``adanorm-s0``); ``TraceError`` naming the runs there are if it is not one."""
        obj = f"/runs/{run_id}"
        group = self._node(obj, h5py.Group) if "/" not in run_id else None
        if group is None:
            ids = self.run_ids
            listed = ", ".join(ids[:8]) + (f", … ({len(ids)} in all)" if len(ids) > 8 else "")
            raise self._error(obj, f"no such run (the trace has {listed or 'no runs'})")
        return Run(self, run_id)

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run, indexed by run id: every setting (typed as TRACE_FORMAT.md lists them, in both formats),
        ``status``, ``completed_steps``, ``diverged_step``, ``diverged_reason`` (format 2, diverged runs) and
        ``norm_layers`` (a tuple). The run's JSON ``config`` is left out (``trace.run(id).config``).

        Column dtypes: int64 (nullable ``Int64`` where some run lacks the setting), float64 (NaN where missing),
        bool (nullable ``boolean`` where missing), strings as objects, lists as tuples.
        """
        records = []
        for run_id in self.run_ids:
            attrs = dict(self.run(run_id).attrs)
            attrs.pop("config", None)
            records.append(attrs)
        frame = pd.DataFrame.from_records(records, index=pd.Index(self.run_ids, name="run"))
        for column in frame.columns:
            kind = _settings.SETTING_TYPES.get(column) or _settings.STATE_TYPES.get(column)
            values = frame[column]
            missing = values.isna().any() if kind in (_settings.INT, _settings.FLOAT, _settings.BOOL) else False
            if kind == _settings.INT:
                frame[column] = values.astype("Int64" if missing else "int64")
            elif kind == _settings.FLOAT:
                frame[column] = values.astype("float64")
            elif kind == _settings.BOOL:
                frame[column] = values.astype("boolean" if missing else "bool")
        leading = [c for c in _LEADING_COLUMNS if c in frame.columns]
        rest = sorted(c for c in frame.columns if c not in leading)
        return frame[leading + rest]

    def to_xarray(self, raw: bool = True) -> Any:
        """Every run in one ``xarray.Dataset`` with a ``run`` dimension (runs of different lengths or layers are
        aligned on ``step`` and ``layer``, NaN where a run has no value); the scalar settings are coordinates along
        ``run``. See ``Run.to_xarray`` for the variables. Needs ``pip install "normscope[xarray]"``."""
        from ._xarray import traces_dataset

        return traces_dataset([self], raw=raw)


class Run:
    """One run of a trace: its settings, its tables, its layers. Made by ``Trace.run(id)``."""

    def __init__(self, trace: Trace, run_id: str):
        self.trace = trace
        self.id = run_id
        self._obj = f"/runs/{run_id}"
        raw = trace._attrs(self._obj, trace._node(self._obj, h5py.Group))
        version = trace.format_version
        where = lambda: f"{trace.path}: {self._obj}"  # noqa: E731
        self.attrs: Dict[str, Any] = {}
        for name, value in raw.items():
            converted = _settings.read_attribute(name, value, version, where)
            if name == "norm_layers":
                converted = tuple(self._layer_names(converted))
            if converted is None:
                continue  # format 1's '' for a setting that does not exist: not set, as format 2 leaves it out
            self.attrs[name] = converted

    def __repr__(self) -> str:
        return f"<normscope.Run {self.id!r} ({self.status}, {self.completed_steps} steps)>"

    def _layer_names(self, text: Any) -> List[str]:
        try:
            names = json.loads(text)
        except (TypeError, ValueError):
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise self.trace._error(self._obj, f"attribute 'norm_layers' holds {str(text)[:40]!r}, expected a JSON "
                                               "array of layer names")
        return names

    # -- attributes -------------------------------------------------------------------------------------------------

    @property
    def settings(self) -> Dict[str, Any]:
        """Every setting of the run (the attributes without ``config``, ``status`` and the other run state)."""
        state = set(_settings.STATE_TYPES) | {"config", "norm_layers"}
        return {k: v for k, v in self.attrs.items() if k not in state}

    @property
    def config(self) -> Dict[str, Any]:
        """The run's full configuration (its JSON attribute ``config``, parsed)."""
        return self.trace._json(self._obj, self.attrs.get("config"), "config")

    @property
    def status(self) -> Optional[str]:
        """``running``, ``completed``, ``diverged`` or ``interrupted``."""
        return self.attrs.get("status")

    @property
    def completed_steps(self) -> Optional[int]:
        return self.attrs.get("completed_steps")

    @property
    def diverged_step(self) -> Optional[int]:
        """The step whose loss or gradient was not finite (or passed the threshold); None if the run did not."""
        step = self.attrs.get("diverged_step")
        return None if step is None or step < 0 else step

    @property
    def layers(self) -> List[str]:
        """The normalization layers' names in model order."""
        names = self.attrs.get("norm_layers")
        if names is not None:
            return list(names)
        norms = self.trace._node(f"{self._obj}/norms", h5py.Group)
        if norms is None:
            return []
        found = []
        for name in norms.keys():
            index = self.trace._attrs(f"{self._obj}/norms/{name}", norms[name]).get("index", 0)
            found.append((int(index), name))
        return [name for _, name in sorted(found)]

    def _layer(self, layer: str) -> str:
        obj = f"{self._obj}/norms/{layer}"
        if layer not in self.layers or "/" in layer or self.trace._node(obj, h5py.Group) is None:
            raise self.trace._error(obj, f"no such layer (the run has {', '.join(self.layers) or 'none'})")
        return obj

    def layer_attrs(self, layer: str) -> Dict[str, Any]:
        """The layer group's attributes: ``index`` (model position) and ``width`` (H)."""
        obj = self._layer(layer)
        return {k: _settings._plain(v) for k, v in self.trace._attrs(obj, self.trace._node(obj, h5py.Group)).items()}

    # -- tables -----------------------------------------------------------------------------------------------------

    @property
    def steps(self) -> pd.DataFrame:
        """One row per optimizer step, indexed by ``step``: loss, learning_rate, grad_norm, seconds."""
        return self.trace._table(f"{self._obj}/steps", STEP_FIELDS)

    @property
    def evals(self) -> pd.DataFrame:
        """One row per evaluation, indexed by ``step``: train/valid/test loss and accuracy, gap (test NaN in traces
        from before the test split was measured)."""
        return self.trace._table(f"{self._obj}/evals", EVAL_FIELDS, EVAL_LATER_FIELDS)

    def grad(self, layer: str) -> pd.DataFrame:
        """The layer's gradient statistics, one row per step, indexed by ``step`` (METHODS.md's fields)."""
        return self.trace._table(f"{self._layer(layer)}/grad", GRAD_FIELDS, GRAD_LATER_FIELDS)

    @property
    def grads(self) -> Dict[str, pd.DataFrame]:
        """``grad(layer)`` of every layer, in model order."""
        return {layer: self.grad(layer) for layer in self.layers}

    def has_phi(self, layer: str) -> bool:
        """Whether the layer has Φ tables (adaptive layers: AdaNorm)."""
        return self.trace._node(f"{self._layer(layer)}/phi", h5py.Dataset) is not None

    def _require(self, layer: str, name: str, why: str) -> str:
        obj = f"{self._layer(layer)}/{name}"
        if self.trace._node(obj, h5py.Dataset) is None:
            raise self.trace._error(obj, f"is missing ({why})")
        return obj

    def phi(self, layer: str) -> pd.DataFrame:
        """Φ(y)'s statistics every ``phi_every`` steps, indexed by ``step``: mean, sd, min, max,
        fraction_nonpositive, q01 … q99. Only adaptive (AdaNorm) layers have them."""
        obj = self._require(layer, "phi", f"only adaptive layers have Φ tables; norm_adaptive is "
                                          f"{self.attrs.get('norm_adaptive', 'not recorded')!r}")
        return self.trace._table(obj, PHI_FIELDS)

    def phi_histogram(self, layer: str) -> PhiHistogram:
        """Φ(y)'s histogram: ``counts [steps, bins + 2]``, ``edges [bins + 1]``, ``steps`` (see ``PhiHistogram``)."""
        why = "only adaptive layers have Φ tables"
        counts = self.trace._read(self._require(layer, "phi_hist", why), shape_rank=2)
        edges = self.trace._read(self._require(layer, "phi_edges", why), shape_rank=1)
        steps = self.trace._read(self._require(layer, "phi_step", why), shape_rank=1)
        base = self._layer(layer)
        if counts.shape[1] != edges.shape[0] + 1:
            raise self.trace._error(f"{base}/phi_hist", f"has {counts.shape[1]} columns, expected bins + 2 = "
                                                        f"{edges.shape[0] + 1} for the {edges.shape[0]} edges")
        rows = min(counts.shape[0], steps.shape[0])  # a live trace may be read between two appends
        return PhiHistogram(counts[:rows].astype(np.int64, copy=False), edges.astype(np.float64, copy=False),
                            steps[:rows].astype(np.int64, copy=False))

    def has_raw_parts(self, layer: str) -> bool:
        """Whether the layer has raw gradient samples (recorded with ``raw_every`` > 0)."""
        return self.trace._node(f"{self._layer(layer)}/raw_parts", h5py.Dataset) is not None

    def raw_parts(self, layer: str) -> RawParts:
        """The raw total/direct/re-centering/re-scaling rows sampled every ``raw_every`` steps (see ``RawParts``)."""
        why = f"recorded with raw_every = {self.attrs.get('raw_every', 0)}; raw samples need raw_every > 0"
        values = self.trace._read(self._require(layer, "raw_parts", why), shape_rank=4)
        steps = self.trace._read(self._require(layer, "raw_step", why), shape_rank=1)
        base = self._layer(layer)
        parts: Tuple[str, ...] = RAW_PARTS
        if self.trace._node(f"{base}/part", h5py.Dataset) is not None:  # format 2 labels axis 1
            parts = tuple(p.decode("utf-8") if isinstance(p, bytes) else str(p)
                          for p in self.trace._read(f"{base}/part", shape_rank=1))
        if values.shape[1] != len(parts):
            raise self.trace._error(f"{base}/raw_parts", f"has {values.shape[1]} parts on axis 1, expected "
                                                         f"{len(parts)} ({', '.join(parts)})")
        rows = min(values.shape[0], steps.shape[0])
        return RawParts(values[:rows], steps[:rows].astype(np.int64, copy=False), parts)

    def to_xarray(self, raw: bool = True) -> Any:
        """The run as one labelled ``xarray.Dataset`` (``pip install "normscope[xarray]"``).

        Dimensions: ``step`` (the ``steps`` fields and, along ``layer``, every ``grad`` field), ``eval_step``
        (the ``evals`` fields), ``layer`` (model order), and for adaptive layers ``phi_step`` (``phi_<field>`` and
        ``phi_hist``), ``bin`` (``phi_hist``'s columns, with the coordinates ``bin_lower`` and ``bin_upper``), and
        with ``raw=True`` and raw samples ``raw_step``, ``part``, ``row``, ``feature`` (``raw_parts``). The run's
        scalar settings and state are the Dataset's attributes.
        """
        from ._xarray import run_dataset

        return run_dataset(self, raw=raw)
