"""The study's analyze documents (`normscope analyze --format json`, one per part and baseline, as run-study.sh
writes them) and what every table takes from them: a part's groups, comparisons and estimates, formatted, and the
verdict of a claim. tables.py, frontier_tables.py and claim_tables.py lay them out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional

TASKS = ("digits-mlp", "char-lm", "deep-post-lm")
TITLES = {
    "digits-mlp": "digits MLP (3 hidden layers of 128: linear, norm, ReLU)",
    "char-lm": "char-LM (2 pre-norm blocks, width 64)",
    "deep-post-lm": "deep char-LM (6 post-norm blocks, width 64)",
    "frontier": "char-LM frontier (6, 12, 24 blocks of width 32, post- and pre-norm, no warm-up)",
    "torch-twin": "digits MLP trained by PyTorch (normscope.torch)",
}
PAPER = {
    "MNIST": {"none": "99.14", "layernorm": "99.13", "layernorm-simple": "99.09", "detachnorm": "99.10",
              "adanorm": "99.35"},
    "Enwiki8": {"none": "1.04", "layernorm": "1.07", "layernorm-simple": "1.07", "detachnorm": "1.12",
                "adanorm": "1.07"},
}
NAMES = {
    "none": "w/o Norm", "layernorm": "LayerNorm", "layernorm-simple": "LayerNorm-simple", "detachnorm": "DetachNorm",
    "detach-mean": "detach mean", "detach-std": "detach variance", "rmsnorm": "RMSNorm",
    "adanorm adanorm_scale=1": "AdaNorm C = 1", "adanorm adanorm_scale=2": "AdaNorm C = 2", "adanorm": "AdaNorm",
    "scalenorm": "ScaleNorm", "dyt": "DyT",
}


class StudyError(Exception):
    """An analysis file that cannot be read: one line naming it."""


def load(path: Path) -> dict:
    """An analyze document, or ``StudyError`` naming the file (a damaged one fails here, not as a traceback)."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StudyError(f"{path}: cannot be read as normscope analyze --format json ({error}); analyze the "
                         "trace again") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise StudyError(f"{path}: is not normscope analyze --format json output (no groups); analyze the trace "
                         "again")
    return doc


class Task:
    """One task's analyze documents, by baseline."""

    def __init__(self, out: Path, name: str):
        self.name = name
        self.docs: Dict[str, dict] = {}
        for path in sorted(out.glob(f"{name}.vs-*.json")):
            self.docs[path.stem.split(".vs-")[1]] = load(path)
        self.main = self.docs["layernorm"]
        self.groups = {g["group"]: g for g in self.main["groups"]}
        # A group's preset from its `preset` field (a group's name also holds its settings: `adanorm adanorm_scale=1`).
        self.presets = {name: g.get("preset", name) for name, g in self.groups.items()}
        self.language_model = any(r.get("is_language_model") for r in self.main["runs"])
        self.metric = "test_bits_per_character_at_best" if self.language_model else "test_accuracy_at_best"
        tuning = out / f"{name}-lr.analysis.json"
        self.tuning = load(tuning) if tuning.exists() else None

    def aggregate(self, group: str, quantity: Optional[str] = None) -> Optional[dict]:
        value = self.groups.get(group, {}).get(quantity or self.metric)
        return value if value and value.get("count") else None

    def comparison(self, group: str, baseline: str) -> Optional[dict]:
        doc = self.docs.get(baseline)
        if not doc:
            return None
        return next((c for c in doc["comparisons"] if c["group"] == group), None)

    def estimate(self, group: str, baseline: str, quantity: Optional[str] = None) -> Optional[dict]:
        comparison = self.comparison(group, baseline)
        return comparison.get(quantity or self.metric) if comparison else None

    @property
    def percent(self) -> float:
        return 1.0 if self.language_model else 100.0

    def units(self, quantity: Optional[str], digits: int) -> tuple:
        """The test metric in % for a classifier; bpc and other quantities of a language model with 3 digits."""
        scale = self.percent if (quantity or self.metric) == self.metric else 1.0
        return scale, 3 if self.language_model and scale == 1.0 else digits

    def cell(self, group: str, quantity: Optional[str] = None, digits: int = 2) -> str:
        a = self.aggregate(group, quantity)
        if a is None:
            return "—"
        scale, digits = self.units(quantity, digits)
        sd = a.get("standard_deviation")
        spread = f" ± {sd * scale:.{digits}f}" if sd is not None else ""
        return f"{a['mean'] * scale:.{digits}f}{spread} ({a['count']})"

    def delta(self, group: str, baseline: str, quantity: Optional[str] = None, digits: int = 2) -> str:
        e = self.estimate(group, baseline, quantity)
        if e is None or "difference" not in e:
            return "—"
        scale, digits = self.units(quantity, digits)
        interval = e.get("interval", {})
        bounds = (f" [{interval['lower'] * scale:+.{digits}f}, {interval['upper'] * scale:+.{digits}f}]"
                  if interval.get("lower") is not None and interval.get("upper") is not None else "")
        return f"{e['difference'] * scale:+.{digits}f}{bounds}, {e['verdict']}"


def better(task: Task, estimate: Optional[dict]) -> Optional[bool]:
    """True when the interval shows the group better on the test metric, False worse, None not distinguishable."""
    if not estimate:
        return None
    verdict = estimate.get("verdict", "")
    if verdict not in ("lower", "higher"):
        return None
    return (verdict == "lower") == task.language_model


def n_of(estimate: Optional[dict]) -> str:
    if not estimate:
        return "n = 0"
    return f"n = {estimate.get('count', 0)}/{estimate.get('baseline_count', 0)}"


def verdict(outcome: Optional[bool], estimate: Optional[dict]) -> str:
    if outcome is None:
        return f"**not distinguishable at {n_of(estimate)}**"
    return "**holds**" if outcome else "**does not hold**"


def figure(out: Path, relative: str) -> str:
    """The figure a row rests on, named whether or not this run drew it (then said so)."""
    return f"`{relative}`" if (out / relative).exists() else f"`{relative}` (not drawn in this run)"


def mean_or_dash(aggregate: Optional[dict], digits: int = 4) -> str:
    """An Aggregate's mean, or — when it holds no value (analyze's count 0)."""
    return f"{aggregate['mean']:.{digits}f}" if aggregate and aggregate.get("count") else "—"


def metric_name(task: Task) -> str:
    return "test bpc (lower is better)" if task.language_model else "test accuracy, % (higher is better)"
