"""What is compared between a group and the baseline group: per run, the values ``normscope analyze`` takes from
its evaluations (Sources/Analysis/RunSummary.swift), and per quantity an Estimate (``_statistics``) — by the one rule
of METHODS.md ("Comparing groups").

The values of a run come from its usable evaluations: both losses finite and, for a diverged run, measured before
the divergence (an evaluation at step e measures the parameters step e + 1 trains on, so it is used only when
e + 1 < the divergence step). The divergence step is the run's ``diverged_step``, or, for a run the file records as
finished, the first step whose loss passed the recorder's threshold (``divergence_loss``, else 1000 × the first
positive loss), as analyze finds it in traces recorded before the recorder checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from . import _statistics
from ._statistics import Estimate

if TYPE_CHECKING:
    from ._plotdata import PlotData

# The quantities analyze compares, in its order. The test split's are compared only where both groups measured
# it; accuracy for classifiers, bits per character when every run of both groups is a language model.
ALWAYS = ("best_valid_loss", "gap_at_best", "gap_last_tenth")
QUANTITIES = ALWAYS + ("test_loss_at_best", "test_accuracy_at_best", "test_bits_per_character_at_best")
FIRST_LOSS_MULTIPLE = 1000.0   # DivergenceThreshold.firstLossMultiple


def divergence_step(status: Optional[str], diverged_step: Optional[int], losses: "pd.Series",
                    divergence_loss: Any = None) -> Optional[int]:
    """The step the run diverged at: for a run not recorded as diverged, the first step whose finite loss
    (``losses``: ``Run.steps["loss"]``, indexed by step) passed the threshold; else its ``diverged_step``; None when
    it did not diverge."""
    if status != "diverged":
        configured = isinstance(divergence_loss, (int, float)) and not isinstance(divergence_loss, bool) \
            and math.isfinite(divergence_loss) and divergence_loss > 0
        limit = float(divergence_loss) if configured else None
        for step, loss in zip(losses.index.tolist(), losses.to_numpy(float).tolist()):
            if not math.isfinite(loss):
                continue   # a non-finite loss is the recorder's own divergence, recorded as such
            if limit is None and loss > 0:
                limit = FIRST_LOSS_MULTIPLE * loss
            if limit is not None and loss > limit:
                return int(step)
    return diverged_step if diverged_step is not None and diverged_step >= 0 else None


def _finite_mean(values: Sequence[float]) -> float:
    """FiniteMean: the non-finite values skipped, the rest summed in order from 0.0; NaN for none."""
    return _statistics.mean(_statistics.finite(values))


def run_values(evals: pd.DataFrame, diverged_at: Optional[int] = None,
               language_model: bool = False) -> Dict[str, float]:
    """A run's value of every quantity of ``QUANTITIES``, NaN where it has none. ``evals`` is ``Run.evals`` (indexed
    by step); ``diverged_at`` is ``divergence_step``'s."""
    steps = np.asarray(evals.index, dtype=float)
    usable = np.isfinite(evals["valid_loss"].to_numpy(float)) & np.isfinite(evals["train_loss"].to_numpy(float))
    if diverged_at is not None:
        usable &= steps + 1 < diverged_at
    rows = evals[usable]
    values = {name: math.nan for name in QUANTITIES}
    if rows.empty:
        return values
    best = rows.iloc[int(np.argmin(rows["valid_loss"].to_numpy(float)))]   # the first lowest
    gaps = rows["gap"].to_numpy(float)
    test_loss = float(best.get("test_loss", math.nan))
    values.update(
        best_valid_loss=float(best["valid_loss"]), gap_at_best=float(best["gap"]),
        gap_last_tenth=_finite_mean(gaps[len(gaps) - max(1, len(gaps) // 10):]),
        test_loss_at_best=test_loss, test_accuracy_at_best=float(best.get("test_accuracy", math.nan)),
        test_bits_per_character_at_best=test_loss / math.log(2) if language_model else math.nan)
    return values


def compare(values: Sequence[Mapping[str, float]], baseline: Sequence[Mapping[str, float]],
            language_models: bool) -> Dict[str, Estimate]:
    """The Estimates of a group's runs (``run_values`` each) against the baseline group's, as analyze's
    GroupComparison makes them: ``ALWAYS``; the test loss, and the test accuracy (classifiers) or bits per character
    (``language_models``: every run of both groups), where both sides have a finite value."""
    test = ("test_loss_at_best",
            "test_bits_per_character_at_best" if language_models else "test_accuracy_at_best")
    out: Dict[str, Estimate] = {}
    for quantity in QUANTITIES:
        a = [v[quantity] for v in values]
        b = [v[quantity] for v in baseline]
        measured = bool(np.isfinite(a).any() and np.isfinite(b).any())
        if quantity in ALWAYS or (quantity in test and measured):
            out[quantity] = _statistics.difference_estimate(a, b)
    return out


def is_language_model(settings: Mapping[str, Any]) -> bool:
    """Whether the run trains the character language model (``model`` = ``char-lm``)."""
    return settings.get("model") == "char-lm"


@dataclass(frozen=True)
class GroupComparison:
    """A group against the baseline preset's group at its settings: an Estimate per quantity compared."""
    group: str
    preset: str
    baseline_group: str
    estimates: Dict[str, Estimate]


def group_comparisons(data: "PlotData", baseline: str) -> List[GroupComparison]:
    """Every group of another preset in ``data`` against its baseline group (``PlotData.baseline_group``), in
    drawing order; the samples in the runs' order as loaded (files as given, runs by id)."""
    values = {id(run): run_values(run.evals, run.diverged_at, is_language_model(run.settings)) for run in data.runs}
    out: List[GroupComparison] = []
    for label in data.group_presets:
        preset, base = data.preset_of(label), data.baseline_group(label, baseline)
        if preset == baseline or base is None:
            continue
        mine = [run for run in data.runs if run.label == label]
        theirs = [run for run in data.runs if run.label == base]
        language_models = all(is_language_model(run.settings) for run in mine + theirs)
        out.append(GroupComparison(label, preset, base, compare([values[id(r)] for r in mine],
                                                                [values[id(r)] for r in theirs], language_models)))
    return out
