"""The Python package against the conformance fixtures (analysis/tests/conformance): the groups, their runs, and
per comparison the difference, interval, Welch's test and verdict that ``normscope analyze`` gives — one rule,
METHODS.md "Comparing groups". ConformanceTests (AnalysisTests) holds the Swift library to the same files.

Everything is compared exactly but Welch's p, to 1e-12 relative: CPython's ``math.lgamma`` is its own, not the C
library's that Swift calls, so p may differ in its last digits. The fixtures' own numbers are checked by hand
(two-seeds) and, for a bootstrap of three runs a side, by an independent pure-Python bootstrap."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from conftest import REPO

FIXTURES = REPO / "analysis" / "tests" / "conformance"
CASES = [(folder.name, index) for folder in sorted(FIXTURES.iterdir()) if (folder / "expected.json").is_file()
         for index in range(len(json.loads((folder / "expected.json").read_text())["analyses"]))]


def expected(name: str) -> dict:
    return json.loads((FIXTURES / name / "expected.json").read_text())


def estimate_as_expected(estimate) -> dict:
    interval, welch = estimate.interval, estimate.welch
    return {"difference": estimate.difference, "mean": estimate.mean, "baseline_mean": estimate.baseline_mean,
            "count": estimate.count, "baseline_count": estimate.baseline_count, "verdict": estimate.verdict,
            "interval": {"lower": interval.lower, "upper": interval.upper, "reason": interval.reason},
            "welch": {"t": welch.t, "degrees_of_freedom": welch.degrees_of_freedom, "p": welch.p,
                      "reason": welch.reason}}


def assert_same(mine: dict, theirs: dict, where: str) -> None:
    """Equal, p to 1e-12 relative; JSON's null is None, and NaN (a mean of nothing) is null."""
    mine_p, theirs_p = mine["welch"].pop("p"), theirs["welch"].pop("p")
    assert (mine_p is None) == (theirs_p is None), where
    if mine_p is not None:
        assert mine_p == pytest.approx(theirs_p, rel=1e-12, abs=0), where
    for key in ("difference", "mean", "baseline_mean"):
        if isinstance(mine[key], float) and math.isnan(mine[key]):
            mine[key] = None
    assert mine == theirs, where


@pytest.mark.parametrize("name,index", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_python_follows_the_rule(name, index):
    from normscope import _figures
    from normscope._comparison import group_comparisons
    from normscope.plot import uncompared_groups

    doc = expected(name)
    case = doc["analyses"][index]
    data = _figures.load([FIXTURES / name / trace for trace in doc["traces"]], group_by=case["group_by"])
    assert list(data.grouping.keys) == case["keys"]
    groups = {label: {"preset": data.preset_of(label), "runs": [r.name for r in data.runs if r.label == label]}
              for label in data.group_presets}
    assert groups == case["groups"]
    compared = {c.group: c for c in group_comparisons(data, doc["baseline"])}
    assert set(compared) == set(case["comparisons"])
    for group, theirs in case["comparisons"].items():
        mine = compared[group]
        assert mine.baseline_group == theirs["baseline_group"]
        assert list(mine.estimates) == list(theirs["estimates"]), group
        for quantity, estimate in mine.estimates.items():
            assert_same(estimate_as_expected(estimate), dict(theirs["estimates"][quantity], welch=dict(
                theirs["estimates"][quantity]["welch"])), f"{name} {group} {quantity}")
    assert sorted(uncompared_groups(data, None, doc["baseline"])) == sorted(case["uncompared_groups"])


# two-seeds by hand: per quantity, AdaNorm C = 1's two runs (a) and LayerNorm's (b), as make_fixtures.py wrote them.
HAND = {
    "best_valid_loss": ([2.0, 2.5], [1.0, 1.5]),
    "gap_at_best": ([0.25, 0.3125], [0.5, 0.5625]),
    "gap_last_tenth": ([0.25, 0.25], [0.125, 0.125]),
    "test_loss_at_best": ([2.125, 2.625], [1.125, 1.625]),
    "test_accuracy_at_best": ([0.625, 0.75], [0.75, 0.875]),
}


def test_two_seeds_is_right_by_hand():
    """With two runs a side every number has a closed form. The difference is of two means of two binary fractions.
    The interval: a resampled pair of two values is both the lower one with probability 1/4, so the smallest
    difference min(a) − max(b) has probability 1/16 = 6.25% of the 4000 resamples (about 250; its 2.5% quantile needs
    101), and likewise the largest: the 95% interval is [min(a) − max(b), max(a) − min(b)]. Welch with equal spreads
    has ν = 2, where Student's two-sided p is 1 − |t|/√(2 + t²)."""
    case = expected("two-seeds")["analyses"][0]
    estimates = case["comparisons"]["adanorm adanorm_scale=1"]["estimates"]
    assert case["comparisons"]["adanorm adanorm_scale=1"]["baseline_group"] == "layernorm"
    assert list(estimates) == list(HAND)
    for quantity, (a, b) in HAND.items():
        e = estimates[quantity]
        assert (e["count"], e["baseline_count"]) == (2, 2)
        assert e["difference"] == sum(a) / 2 - sum(b) / 2, quantity
        assert (e["interval"]["lower"], e["interval"]["upper"]) == (min(a) - max(b), max(a) - min(b)), quantity
        if quantity == "gap_last_tenth":   # each side constant: the point interval, and no test
            assert e["welch"]["p"] is None and e["welch"]["reason"].startswith("zero variance")
            assert e["verdict"] == "no test at n = 2/2 (zero variance)"
            continue
        spread = (a[1] - a[0]) ** 2 / 2 / 2 + (b[1] - b[0]) ** 2 / 2 / 2   # s²/n a side, s² = d²/2
        t = (sum(a) / 2 - sum(b) / 2) / math.sqrt(spread)
        assert e["welch"]["t"] == pytest.approx(t, rel=1e-15) and e["welch"]["degrees_of_freedom"] == 2
        assert e["welch"]["p"] == pytest.approx(1 - abs(t) / math.sqrt(2 + t * t), rel=1e-12), quantity
    verdicts = {q: e["verdict"] for q, e in estimates.items()}
    # best valid loss: the interval [0.5, 1.5] excludes 0 but p = 0.106, so no direction; the gap at best: both agree.
    assert verdicts == {"best_valid_loss": "not distinguishable at n = 2/2", "gap_at_best": "lower",
                        "gap_last_tenth": "no test at n = 2/2 (zero variance)",
                        "test_loss_at_best": "not distinguishable at n = 2/2",
                        "test_accuracy_at_best": "not distinguishable at n = 2/2"}


def _splitmix64(seed: int):
    """SplitMix64, one output at a time, in Python's integers (the rule, written out again without NumPy)."""
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) % 2 ** 64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2 ** 64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2 ** 64
        yield z ^ (z >> 31)


def test_three_runs_a_side_by_an_independent_bootstrap():
    """apart-diverged grouped by preset (three runs a side): the interval, drawn again one output at a time."""
    from normscope import _figures
    from normscope._comparison import run_values

    doc = expected("apart-diverged")
    case = doc["analyses"][1]
    data = _figures.load([FIXTURES / "apart-diverged" / t for t in doc["traces"]], group_by=["preset"])
    samples = {label: [run_values(r.evals, r.diverged_at)["best_valid_loss"] for r in data.runs if r.label == label]
               for label in ("rmsnorm", "layernorm")}
    a, b = samples["rmsnorm"], samples["layernorm"]
    assert (len(a), len(b)) == (3, 3)
    draws = _splitmix64(20191107)
    thetas = []
    for _ in range(4000):
        means = []
        for values in (a, b):
            total = 0.0
            for _ in values:
                total += values[(next(draws) * len(values)) >> 64]
            means.append(total / len(values))
        thetas.append(means[0] - means[1])
    thetas.sort()

    def quantile(p):
        h = (len(thetas) - 1) * p
        k = math.floor(h)
        return thetas[k] + (h - k) * (thetas[k + 1] - thetas[k])

    interval = case["comparisons"]["rmsnorm"]["estimates"]["best_valid_loss"]["interval"]
    alpha = 1 - 0.95
    assert (interval["lower"], interval["upper"]) == (quantile(alpha / 2), quantile(1 - alpha / 2))


def test_the_fixtures_are_small_and_described():
    """Each fixture folder holds its traces and expected.json, a few tens of KB each, and says how it was made."""
    for folder in (p for p in FIXTURES.iterdir() if p.is_dir()):
        doc = expected(folder.name)
        assert sorted(p.name for p in folder.iterdir()) == sorted(doc["traces"] + ["expected.json"])
        assert all((folder / t).stat().st_size < 100_000 for t in doc["traces"]), folder
        assert set(doc["recorded_with"]) == set(doc["traces"])
