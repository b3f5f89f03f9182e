"""``Recorder``: records one run of a PyTorch model into a NormScope trace (TRACE_FORMAT.md), step by step.

Per step, one small transfer from each device the model is on: the loss, the gradient norm's square and every
instrumented layer's accumulated statistics go over in one ``torch.cat(...).cpu()``; no layer synchronises on its
own. The file follows the Swift writer's rules: created under a unique hidden name beside its path and renamed into
place, whole, before the first step (an existing file only with ``force=True``), one writer per path and per file
(the lock convention of WriterLock.swift and TraceFileLock.swift), durable every ``flush_every`` steps and every
``flush_interval`` seconds.
"""

from __future__ import annotations

import math
import os
import sys
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple

import h5py
import numpy as np
import torch

from .. import __version__, _schema
from .._output import OutputError, OutputFile
from ..trace import _open_error
from ._divergence import DivergenceThreshold
from ._locks import FileLock, LockError, PathLock
from ._modules import InstrumentedNorm, instrumented_layers
from ._run import RunSettings, SettingsError, layouts
from ._statistics import Piece
from ._writer import EVAL_ROW, GRAD_ROW, PHI_ROW, STEP_ROW, RunTables, TraceFile, WriteError, create_file, \
    open_file, row


class RecorderError(Exception):
    """A recording that cannot go on as asked: a bad argument, a path it may not write, a trace another recorder
    writes, a failed write. ``str()`` is one line naming the file or the argument and what to do."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def _run_id_problem(run: Any) -> Optional[str]:
    """Why ``run`` cannot be a run group's name (RunDescription.nameProblem), or None."""
    if not isinstance(run, str) or not run:
        return f"run must be a non-empty string (the run's group name), got {run!r}"
    if "/" in run:
        return f"run {run!r} contains '/', which HDF5 reads as a group separator"
    if run in (".", ".."):
        return f"run {run!r} is not a usable group name"
    return None


# The run attribute of the data's prior loss (METHODS.md, "Stability over a learning-rate grid").
PRIOR_LOSS = "prior_loss"


def _prior_loss(value: Any) -> float:
    """``prior_loss=`` checked: a finite number of nats > 0 (as a setting it is refused: a declared run attribute)."""
    loss = _scalar("prior_loss", value)
    if not (math.isfinite(loss) and loss > 0):
        raise RecorderError(f"prior_loss must be a finite loss in nats > 0, got {loss!r}")
    return loss


def _scalar(name: str, value: Any) -> float:
    """A number given as a Python or NumPy number or a one-element tensor, as a float (a tensor synchronises)."""
    if torch.is_tensor(value):
        if value.numel() != 1:
            raise RecorderError(f"{name} must be a single number, got a tensor of shape {tuple(value.shape)}")
        return float(value.detach().reshape(()).to(torch.float64).item())
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise RecorderError(f"{name} must be a number, got {value!r}")
    return float(value)


class Recorder:
    """Records one run of ``model`` (instrumented with ``instrument()``) into the trace at ``path``.

    ``Recorder(path, model, run="adanorm-s0", settings={"seed": 0, "lr": 0.1}, optimizer=optimizer)`` is a
    context manager: ``rec.step(loss=loss)`` after ``loss.backward()`` (before clipping and ``optimizer.step()``)
    records the step's loss, learning rate (the optimizer's first parameter group's, or ``learning_rate=``), the
    gradient norm and every instrumented layer's statistics, and returns False once the run has diverged (then
    stop); ``rec.evaluate(train_loss=…, valid_loss=…, …)`` records an evaluation after the last step. Leaving
    the block marks the run ``completed``; an exception (KeyboardInterrupt too) marks it ``interrupted``.

    ``settings`` are the run's settings, stored typed (the declared ones by their declared kinds) and as the run's
    ``config``; ``preset``, its overrides and the ``norm_*`` settings are read from the model. ``prior_loss`` (nats,
    finite and > 0) is the loss of predicting the training split's add-one frequencies, measured on the validation
    split (METHODS.md, "Stability over a learning-rate grid"): stored as the run attribute ``prior_loss``, it lets
    ``analyze`` count a run that learned less than that as stalled. ``force=True``
    replaces an existing file; ``append=True`` adds the run to an existing trace instead (one file for several
    runs); ``live=True`` writes it for readers following it (h5py ``swmr=True``). Nothing is written when an
    argument is refused.
    """

    def __init__(self, path: "str | os.PathLike[str]", model: torch.nn.Module, run: str,
                 settings: Optional[Mapping[str, Any]] = None, *, optimizer: Any = None, force: bool = False,
                 append: bool = False, live: bool = False, flush_every: int = 100, flush_interval: float = 10.0,
                 prior_loss: Optional[float] = None):
        self._closed = True  # until the file is open: __del__ of a refused recorder does nothing
        self.path = os.fspath(path)
        self.run = run
        self._steps = 0
        problem = _run_id_problem(run)
        if problem:
            raise RecorderError(problem)
        if not isinstance(model, torch.nn.Module):
            raise RecorderError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        self.layers: List[Tuple[str, InstrumentedNorm]] = instrumented_layers(model)
        if not self.layers:
            raise RecorderError("the model has no instrumented normalization layer: call "
                                "normscope.torch.instrument(model) first")
        if any(layer.probe.recording for _, layer in self.layers):
            raise RecorderError("the model is being recorded by another Recorder; close that one first")
        if optimizer is not None and not hasattr(optimizer, "param_groups"):
            raise RecorderError(f"optimizer must be a torch optimizer (with param_groups), got "
                                f"{type(optimizer).__name__}")
        for name, value in (("flush_every", flush_every),):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RecorderError(f"{name} must be a whole number of steps ≥ 1, got {value!r}")
        if isinstance(flush_interval, bool) or not isinstance(flush_interval, (int, float)) \
                or not flush_interval > 0 or not math.isfinite(flush_interval):
            raise RecorderError(f"flush_interval must be a positive number of seconds, got {flush_interval!r}")
        if append and (force or live):
            raise RecorderError("append=True adds a run to an existing trace; it takes neither force=True nor "
                                "live=True")
        try:
            self.settings = RunSettings(settings, self.layers, type(model).__name__, torch.initial_seed())
        except SettingsError as error:
            raise RecorderError(str(error)) from None
        self._run_attributes = dict(self.settings.attributes)
        if prior_loss is not None:
            self._run_attributes[PRIOR_LOSS] = _prior_loss(prior_loss)
        self.run = run
        self.model = model
        self.optimizer = optimizer
        self.live = live
        self._layouts = layouts(self.layers, self.settings.raw_rows if self.settings.raw_every > 0 else 0)
        self._threshold = DivergenceThreshold(self.settings.divergence_loss)
        self._steps = 0
        self._diverged: Optional[Tuple[int, str]] = None
        self._open(force, append, live, flush_every, float(flush_interval))
        self._closed = False
        self._start = time.monotonic()
        for _, layer in self.layers:
            layer.probe.reset()
            layer.probe.recording = True
        self._prepare(0)

    # -- the file --------------------------------------------------------------------------------------------------

    def _open(self, force: bool, append: bool, live: bool, flush_every: int, flush_interval: float) -> None:
        try:
            output = OutputFile(self.path, "", force=force or append, example="trace.h5")
        except OutputError as error:
            raise RecorderError(str(error).replace("add --force", "pass force=True")) from None
        if append and not output.replaces:
            raise RecorderError(f"{self.path}: no such trace to add the run to (append=True); leave append out to "
                                "create it")
        try:
            self._path_lock = PathLock(output.destination, self.path)
        except LockError as error:
            raise RecorderError(str(error)) from None
        self._file_lock: Optional[FileLock] = None
        try:
            if append:
                self.trace = self._open_existing(output.destination, flush_every, flush_interval)
            else:
                self.trace = self._create(output, live, flush_every, flush_interval)
        except BaseException:
            if self._file_lock is not None:
                self._file_lock.release()
            self._path_lock.release()
            raise
        self.trace.start_timer()

    def _root_attributes(self) -> Dict[str, Any]:
        argv = [os.path.basename(sys.executable or "python")] + list(sys.argv)
        return {"format": _schema.FORMAT, "format_version": _schema.FORMAT_VERSION,
                "tool_version": __version__, "hdf5_version": h5py.version.hdf5_version,
                "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "command_line": " ".join(argv), "config": self.settings.config_json,
                "recorder": f"normscope.torch {__version__} (PyTorch {torch.__version__})"}

    def _create(self, output: OutputFile, live: bool, flush_every: int, flush_interval: float) -> TraceFile:
        """A new trace: written aside (root, the run, flushed), then renamed into place before the first step."""
        made: Dict[str, Any] = {}

        def fill(temporary: str) -> None:
            self._file_lock = lock = FileLock(temporary, self.path)
            file = create_file(temporary, live)
            try:
                TraceFile.write_root(file, self._root_attributes())
                trace = TraceFile(file, temporary, lock.identity, live, flush_every, flush_interval)
                trace.runs.append(RunTables(file, self.run, self._run_attributes, self.settings.config_json,
                                            self._layouts))
                if live:
                    # Every object exists now; from here on only appends (HDF5's SWMR rule).
                    file.swmr_mode = True
                trace.flush()
            except BaseException:
                file.close()
                raise
            made["trace"] = trace
        try:
            output.write(fill)
        except LockError as error:
            raise RecorderError(str(error)) from None
        except OutputError as error:
            raise RecorderError(str(error).replace("add --force", "pass force=True")) from None
        except (OSError, RuntimeError, ValueError, WriteError) as error:
            raise RecorderError(f"{self.path}: the trace could not be created "
                                f"({' '.join(str(error).split())}); nothing was written") from None
        trace = made["trace"]
        trace.location = output.destination
        return trace

    def _open_existing(self, destination: str, flush_every: int, flush_interval: float) -> TraceFile:
        """An existing trace, opened in place under its locks, checked, and given the run."""
        try:
            self._file_lock = lock = FileLock(destination, self.path)
        except LockError as error:
            raise RecorderError(str(error)) from None
        try:
            file = open_file(destination)
        except (OSError, RuntimeError) as error:
            # The reader's words for a file that does not open (no HDF5 signature, truncated, a live trace …).
            reason = str(_open_error(self.path, error)).replace("expected a NormScope trace (.h5)",
                                                                "expected a NormScope trace")
            raise RecorderError(f"{reason}; cannot add a run to it (append=True), it is unchanged") from None
        try:
            attributes = file.attrs
            if attributes.get("format") != _schema.FORMAT or "runs" not in file or "bool" not in file:
                raise RecorderError(f"{self.path}: is not a NormScope trace a run can be added to (expected format "
                                    f"= '{_schema.FORMAT}', /runs and /bool); it is unchanged")
            version = attributes.get("format_version")
            if version != _schema.FORMAT_VERSION:
                raise RecorderError(f"{self.path}: is a trace of format version {version}; runs can be added to "
                                    f"version {_schema.FORMAT_VERSION} only; it is unchanged")
            if self.run in file["runs"]:
                raise RecorderError(f"{self.path}: run {self.run!r} exists already in this trace; choose another "
                                    "run id")
            trace = TraceFile(file, destination, lock.identity, False, flush_every, flush_interval)
            trace.runs.append(RunTables(file, self.run, self._run_attributes, self.settings.config_json,
                                        self._layouts))
            trace.flush()
            return trace
        except BaseException:
            file.close()
            raise

    # -- steps -----------------------------------------------------------------------------------------------------

    def _check_writable(self, what: str) -> None:
        if self._diverged is not None:
            step, reason = self._diverged
            raise RecorderError(f"{self.path}: run {self.run!r} diverged at step {step} ({reason}); it takes no "
                                "more rows")
        if self._closed:
            raise RecorderError(f"{self.path}: the recorder of run {self.run!r} is closed; {what} comes before "
                                "close()")

    def _prepare(self, step: int) -> None:
        """Tells the probes what the next step collects: Φ's histogram every phi_every steps, raw rows every
        raw_every steps."""
        settings = self.settings
        raw = settings.raw_rows if settings.raw_every > 0 and step % settings.raw_every == 0 else 0
        for _, layer in self.layers:
            layer.probe.phi_wanted = step % settings.phi_every == 0
            layer.probe.raw_rows = raw

    def _learning_rate(self, given: Any) -> float:
        if given is not None:
            rate = _scalar("learning_rate", given)
        elif self.optimizer is not None:
            rate = _scalar("the optimizer's learning rate", self.optimizer.param_groups[0]["lr"])
        else:
            raise RecorderError("step() has no learning rate: pass optimizer= to the Recorder or learning_rate= "
                                "to step()")
        if not (math.isfinite(rate) and rate >= 0):
            raise RecorderError(f"the learning rate is {rate}; a trace records a finite rate ≥ 0")
        return rate

    def _hand_over(self, loss: Any) -> Tuple[float, float, List[Tuple[Optional[np.ndarray], List[Piece]]]]:
        """The loss, the gradient norm and every layer's pending statistics, moved to the host in one transfer
        per device."""
        by_device: Dict[torch.device, List[torch.Tensor]] = {}
        places: List[Tuple[torch.device, int, int]] = []

        def put(tensor: torch.Tensor) -> int:
            parts = by_device.setdefault(tensor.device, [])
            offset = sum(t.numel() for t in parts)
            parts.append(tensor.reshape(-1).to(torch.float64))
            places.append((tensor.device, offset, tensor.numel()))
            return len(places) - 1

        loss_place = None
        if torch.is_tensor(loss):
            if loss.numel() != 1:
                raise RecorderError(f"loss must be a single number, got a tensor of shape {tuple(loss.shape)}")
            loss_place = put(loss.detach())
        squares: Dict[torch.device, List[torch.Tensor]] = {}
        for parameter in self.model.parameters():
            grad = parameter.grad
            if grad is None:
                continue
            values = grad.detach().coalesce().values() if grad.is_sparse else grad.detach()
            squares.setdefault(values.device, []).append(
                torch.linalg.vector_norm(values, dtype=torch.float64).square())
        square_places = [put(torch.stack(values).sum()) for values in squares.values()]
        layer_places: List[Tuple[Optional[int], List[Piece]]] = []
        for _, layer in self.layers:
            vector, pieces = layer.probe.pending()
            layer_places.append((put(vector) if vector is not None else None, pieces))
        host = {device: torch.cat(parts).cpu().numpy() for device, parts in by_device.items()}

        def value(index: int) -> np.ndarray:
            device, offset, length = places[index]
            return host[device][offset:offset + length]
        loss_value = float(value(loss_place)[0]) if loss_place is not None else _scalar("loss", loss)
        gradient_norm = math.sqrt(sum(float(value(i)[0]) for i in square_places))
        return loss_value, gradient_norm, [(value(i) if i is not None else None, pieces)
                                           for i, pieces in layer_places]

    def step(self, loss: Any, learning_rate: Any = None) -> bool:
        """Records the step that just ran its backward pass: returns True, or False when the run diverged at it
        (a loss or gradient norm that is not finite, or a loss above the divergence threshold), which ends the run
        as ``diverged``."""
        self._check_writable("step()")
        rate = self._learning_rate(learning_rate)
        index = self._steps
        with self.trace.lock:
            self._raise_failure()
            loss_value, gradient_norm, handed = self._hand_over(loss)
            if loss_value < 0:
                raise RecorderError(f"the loss is {loss_value}; a trace records a loss ≥ 0 (a cross-entropy)")
            records = [layer.probe.record(index, values if values is not None else np.zeros(0), pieces)
                       for (_, layer), (values, pieces) in zip(self.layers, handed)]
            step_row = row(STEP_ROW, {"step": index, "loss": loss_value, "learning_rate": rate,
                                      "grad_norm": gradient_norm, "seconds": time.monotonic() - self._start})
            tables = self.trace.runs[0]
            tables.add_step(step_row, [row(GRAD_ROW, record.grad) for record in records],
                            [(i, row(PHI_ROW, record.phi[0]), record.phi[1])
                             for i, record in enumerate(records) if record.phi is not None])
            if math.isfinite(loss_value):
                for i, record in enumerate(records):
                    if record.raw is not None:
                        tables.add_raw(i, index, record.raw)
            self._steps = index + 1
            reason = self._threshold.reason(loss_value, gradient_norm)
            self._write(self.trace.step_done)
        self._prepare(index + 1)
        if reason is not None:
            self._diverged = (index, reason)
            self._finish("diverged", completed_steps=index, diverged_step=index, reason=reason)
            return False
        return True

    def evaluate(self, *, train_loss: Any = None, valid_loss: Any = None, test_loss: Any = None,
                 train_accuracy: Any = None, valid_accuracy: Any = None, test_accuracy: Any = None) -> None:
        """Records an evaluation after the last recorded step (TRACE_FORMAT.md, ``evals``); a value not given is
        recorded as missing (NaN), the gap as valid_loss − train_loss."""
        self._check_writable("evaluate()")
        if self._steps == 0:
            raise RecorderError("evaluate() records an evaluation after a step; call step() first")
        values: Dict[str, float] = {}
        for name, given, accuracy in (("train_loss", train_loss, False), ("valid_loss", valid_loss, False),
                                      ("test_loss", test_loss, False), ("train_accuracy", train_accuracy, True),
                                      ("valid_accuracy", valid_accuracy, True),
                                      ("test_accuracy", test_accuracy, True)):
            number = math.nan if given is None else _scalar(name, given)
            if not math.isnan(number):
                if accuracy and not 0 <= number <= 1:
                    raise RecorderError(f"{name} is {number}; an accuracy is a share between 0 and 1")
                if not accuracy and not (math.isfinite(number) and number >= 0):
                    raise RecorderError(f"{name} is {number}; a trace records a finite loss ≥ 0")
            values[name] = number
        values["gap"] = values["valid_loss"] - values["train_loss"]
        values["step"] = self._steps - 1
        with self.trace.lock:
            self._raise_failure()
            self.trace.runs[0].add_evaluation(row(EVAL_ROW, values))
            self.trace.mark_dirty()

    def flush(self) -> None:
        """Makes every row recorded so far durable now."""
        self._check_writable("flush()")
        with self.trace.lock:
            self._raise_failure()
            self._write(self.trace.flush)

    @property
    def steps(self) -> int:
        """Steps recorded so far."""
        return self._steps

    @property
    def diverged(self) -> bool:
        return self._diverged is not None

    def _raise_failure(self) -> None:
        try:
            self.trace.check()
        except WriteError as error:
            raise RecorderError(str(error)) from None

    def _write(self, action: Any) -> None:
        try:
            action()
        except WriteError as error:
            raise RecorderError(str(error)) from None

    # -- the end ---------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Marks the run ``completed`` (unless it diverged), makes it durable and closes the trace."""
        if not self._closed:
            self._finish("completed", completed_steps=self._steps)

    def _finish(self, status: str, completed_steps: int, diverged_step: int = -1,
                reason: Optional[str] = None) -> None:
        """Writes the run's outcome and closes the file; the locks go last. Errors are raised after everything
        was released."""
        if self._closed:
            return
        self._closed = True
        for _, layer in self.layers:
            layer.probe.recording = False
            layer.probe.reset()
        trace = self.trace
        trace.stop_timer()
        failure: Optional[BaseException] = None
        tables = trace.runs[0]
        try:
            with trace.lock:
                trace.check()
                if not self.live:
                    tables.write_outcome(status, completed_steps, diverged_step, reason)
                trace.flush()
        except (WriteError, OSError, RuntimeError, ValueError) as error:
            failure = error
        try:
            trace.file.close()
            if self.live and failure is None:
                # SWMR forbids changing attributes: the outcome is written by reopening the closed file. A
                # reader following it holds HDF5's shared lock; this writer's own locks keep other writers out.
                with open_file(trace.location, locking=False) as file:
                    tables.write_outcome(status, completed_steps, diverged_step, reason,
                                         group=file[f"runs/{self.run}"])
        except (OSError, RuntimeError, ValueError) as error:
            failure = failure or error
        finally:
            if self._file_lock is not None:
                self._file_lock.release()
            self._path_lock.release()
        if failure is not None:
            raise RecorderError(f"{self.path}: closing the trace failed ({' '.join(str(failure).split())}); it "
                                "keeps every step up to its last flush")

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if kind is None:
            self.close()
        elif not self._closed:
            try:
                self._finish("interrupted", completed_steps=self._steps)
            except RecorderError:
                pass  # the exception that ended the block is the one to see

    def __del__(self) -> None:
        if getattr(self, "_closed", True):
            return
        try:
            self._finish("interrupted", completed_steps=self._steps)
        except Exception:
            pass

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{self._steps} steps"
        return f"<normscope.torch.Recorder {self.path} run {self.run!r}, {state}>"
