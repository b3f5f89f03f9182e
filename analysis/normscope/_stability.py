"""Which runs of a learning-rate grid diverged or stalled, and where each cell stops training: METHODS.md,
"Stability over a learning-rate grid", the rule ``normscope analyze`` follows in its JSON ``stability`` key
(ANALYZE_JSON.md: Stability, StabilityGroup, FrontierCell). The dataclasses carry that key's field names, and
``as_json`` gives its shape, so that the two implementations can be compared value by value.

1. diverged: the run has a divergence step (``RunData.diverged_at``, rule 4 of "Comparing groups");
2. stalled: not diverged, the run attribute ``prior_loss`` finite and > 0, and ``best_valid_loss`` NaN or above
   ``STALL_FRACTION`` × ``prior_loss`` (a run without ``prior_loss`` is never stalled);
3. unfinished runs (any status but completed or diverged) that did not diverge are left out of n;
4. per group: n, diverged, stalled, stable, unfinished, the median divergence step, the stable runs' best
   validation loss as mean ± sample sd;
5. a cell is the groups that agree in every grouping key but ``lr``; its largest stable lr is the largest whose
   n > 0 runs are all stable, at the grid's edge when it is the cell's largest lr.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from . import _comparison, _statistics
from ._grouping import Grouping

if TYPE_CHECKING:
    from ._plotdata import PlotData, RunData

STALL_FRACTION = 0.95
LR = "lr"
FINISHED = ("completed", "diverged")


@dataclass(frozen=True)
class Aggregate:
    mean: Optional[float]
    standard_deviation: Optional[float]   # sample (n − 1); None below 2 values
    count: int


@dataclass(frozen=True)
class StabilityGroup:
    group: str
    preset: str
    settings: Dict[str, Any]
    lr: Optional[float]
    runs: int
    diverged: int
    stalled: int
    stable: int
    unfinished: int
    median_divergence_step: Optional[float]
    stable_best_valid_loss: Aggregate


@dataclass(frozen=True)
class FrontierCell:
    cell: str
    preset: str
    settings: Dict[str, Any]
    learning_rates: List[float]
    stable_learning_rates: List[float]
    largest_stable_lr: Optional[float]
    at_grid_edge: bool


@dataclass(frozen=True)
class Stability:
    stall_fraction: float
    groups: List[StabilityGroup]
    frontier: List[FrontierCell]

    def as_json(self) -> Dict[str, Any]:
        """The shape of analyze's ``stability`` key."""
        return asdict(self)


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)   # numpy scalars
        except (TypeError, ValueError):
            return None
    value = float(value)
    return value if math.isfinite(value) else None


def is_stalled(diverged: bool, best_valid_loss: float, prior_loss: Any) -> bool:
    """Rule 2: learned less than 5% beyond the data's frequencies (never without a usable ``prior_loss``)."""
    prior = _number(prior_loss)
    if diverged or prior is None or prior <= 0:
        return False
    return math.isnan(best_valid_loss) or best_valid_loss > STALL_FRACTION * prior


def _median(values: Sequence[float]) -> Optional[float]:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _aggregate(values: Sequence[float]) -> Aggregate:
    finite = _statistics.finite(values)
    variance = _statistics.sample_variance(finite)
    return Aggregate(_number(_statistics.mean(finite)), math.sqrt(variance) if len(finite) >= 2 else None,
                     len(finite))


def group_stability(label: str, preset: str, settings: Dict[str, Any], runs: Sequence["RunData"]) -> StabilityGroup:
    """Rules 1–4 for one group's runs."""
    diverged = stalled = unfinished = 0
    steps: List[float] = []
    stable_losses: List[float] = []
    for run in runs:
        best = _comparison.run_values(run.evals, run.diverged_at, False)["best_valid_loss"]
        if run.diverged_at is not None or run.status == "diverged":   # a diverged run's step may be unreadable
            diverged += 1
            if run.diverged_at is not None:
                steps.append(float(run.diverged_at))
        elif run.status not in FINISHED:
            unfinished += 1
        elif is_stalled(False, best, run.prior_loss):
            stalled += 1
        else:
            stable_losses.append(best)
    n = len(runs) - unfinished
    return StabilityGroup(label, preset, settings, _number(settings.get(LR)), n, diverged, stalled,
                          n - diverged - stalled, unfinished, _median(steps), _aggregate(stable_losses))


def stability(data: "PlotData") -> Optional[Stability]:
    """The rule over ``data``'s groups, in drawing order; None unless ``lr`` is a grouping key."""
    keys = data.grouping.keys
    if LR not in keys:
        return None
    others = Grouping(tuple(k for k in keys if k != LR))
    groups: List[StabilityGroup] = []
    cells: Dict[str, List[StabilityGroup]] = {}
    cell_settings: Dict[str, Dict[str, Any]] = {}
    for label, runs in data.groups.items():
        run_settings = runs[0].settings
        settings = {k: run_settings.get(k) for k in keys}
        entry = group_stability(label, runs[0].preset, settings, runs)
        groups.append(entry)
        cell = others.label(runs[0].preset, run_settings)
        cells.setdefault(cell, []).append(entry)
        cell_settings.setdefault(cell, {k: run_settings.get(k) for k in others.keys})
    frontier = [_cell(cell, members, cell_settings[cell]) for cell, members in cells.items()]
    return Stability(STALL_FRACTION, groups, frontier)


def _cell(cell: str, members: Sequence[StabilityGroup], settings: Dict[str, Any]) -> FrontierCell:
    rates = sorted({g.lr for g in members if g.lr is not None})
    # One group per lr in a cell: its groups agree in every other grouping key.
    stable = sorted(g.lr for g in members if g.lr is not None and g.runs > 0 and g.stable == g.runs)
    largest = stable[-1] if stable else None
    return FrontierCell(cell, members[0].preset, settings, rates, stable, largest,
                        largest is not None and largest == rates[-1])


def from_json(document: Dict[str, Any]) -> Optional[Stability]:
    """The ``stability`` key of ``normscope analyze --format json`` (None when absent), as this module gives it."""
    raw = document.get("stability")
    if not isinstance(raw, dict):
        return None
    def known(kind, entry: Dict[str, Any]) -> Dict[str, Any]:   # fields analyze may add later are skipped
        return {name: entry.get(name) for name in kind.__dataclass_fields__}

    groups = [StabilityGroup(**{**known(StabilityGroup, g),
                                "stable_best_valid_loss": Aggregate(**known(Aggregate,
                                                                            g.get("stable_best_valid_loss") or {}))})
              for g in raw.get("groups", []) if isinstance(g, dict)]
    frontier = [FrontierCell(**known(FrontierCell, c)) for c in raw.get("frontier", []) if isinstance(c, dict)]
    return Stability(float(raw.get("stall_fraction", STALL_FRACTION)), groups, frontier)
