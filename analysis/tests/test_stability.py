"""METHODS.md, "Stability over a learning-rate grid", on constructed runs (``normscope._stability``): each case of
the rule, and the frontier per cell. The field names are analyze's JSON ``stability`` key's (ANALYZE_JSON.md)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from normscope import _palette, _stability
from normscope._grouping import Grouping
from normscope._plotdata import PlotData, RunData

KEYS = ("layers", "lr")


def run(preset="layernorm", layers=6, lr=1e-3, seed=0, best=1.0, status="completed", diverged_at=None,
        prior_loss=2.0) -> RunData:
    """A run whose best usable evaluation has validation loss ``best`` (NaN: no usable evaluation)."""
    evals = pd.DataFrame({"step": [10, 20], "train_loss": [best + 0.5, best], "valid_loss": [best + 0.5, best],
                          "gap": [0.0, 0.0]}).set_index("step")
    settings = {"layers": layers, "lr": lr, "seed": seed}
    r = RunData("t.h5", f"{preset}-{layers}-{lr}-s{seed}", preset, seed, ["n0"], evals, {}, settings=settings,
                status=status, diverged_at=diverged_at, prior_loss=prior_loss)
    r.group = Grouping(KEYS).label(preset, settings)
    return r


def data(*runs: RunData) -> PlotData:
    return PlotData(list(runs), _palette.preset_colours(r.preset for r in runs), grouping=Grouping(KEYS))


def only_group(*runs: RunData) -> _stability.StabilityGroup:
    result = _stability.stability(data(*runs))
    assert len(result.groups) == 1
    return result.groups[0]


def test_diverged_stalled_stable_and_unfinished():
    g = only_group(run(seed=0, best=1.0),                                 # stable: 1.0 ≤ 0.95 × 2
                   run(seed=1, best=1.9),                                 # stable: exactly 0.95 × prior is not above
                   run(seed=2, best=1.95),                                # stalled: above 0.95 × prior
                   run(seed=3, best=math.nan),                            # stalled: no usable evaluation
                   run(seed=4, status="diverged", diverged_at=20),        # diverged
                   run(seed=5, status="completed", diverged_at=10),       # diverged (found by analysis)
                   run(seed=6, status="running"),                         # unfinished: left out of n
                   run(seed=7, status="interrupted", diverged_at=30))     # diverged although unfinished
    assert (g.runs, g.diverged, g.stalled, g.stable, g.unfinished) == (7, 3, 2, 2, 1)
    assert g.median_divergence_step == 20
    assert g.stable_best_valid_loss == _stability.Aggregate(1.45, math.sqrt(0.405), 2)
    assert g.lr == 1e-3 and g.settings == {"layers": 6, "lr": 1e-3}


@pytest.mark.parametrize("prior", [None, 0.0, -1.0, math.nan, math.inf, "2.0?"])
def test_without_a_usable_prior_loss_no_run_is_stalled(prior):
    g = only_group(run(seed=0, best=5.0, prior_loss=prior), run(seed=1, best=math.nan, prior_loss=prior))
    assert (g.runs, g.stalled, g.stable) == (2, 0, 2)


def test_median_of_an_even_count_and_no_divergence():
    g = only_group(run(seed=0, status="diverged", diverged_at=10), run(seed=1, status="diverged", diverged_at=25))
    assert g.median_divergence_step == 17.5 and g.stable == 0
    assert g.stable_best_valid_loss == _stability.Aggregate(None, None, 0)
    assert only_group(run()).median_divergence_step is None


def test_frontier_per_cell():
    runs = [
        # depth 6: stable at 1e-3 and 3e-3, diverged at 1e-2: frontier 3e-3, inside the grid
        run(layers=6, lr=1e-3), run(layers=6, lr=3e-3), run(layers=6, lr=1e-2, status="diverged", diverged_at=5),
        # depth 12: a stalled run at the lowest rate, stable above it (shown, not hidden), stable at the grid's edge
        run(layers=12, lr=1e-3, best=1.99), run(layers=12, lr=3e-3), run(layers=12, lr=1e-2),
        # depth 24: nothing stable; the highest rate only unfinished runs (n = 0, not stable)
        run(layers=24, lr=1e-3, status="diverged", diverged_at=3), run(layers=24, lr=1e-2, status="running"),
        # another preset's cell at depth 6
        run(preset="rmsnorm", layers=6, lr=1e-3), run(preset="rmsnorm", layers=6, lr=1e-2, seed=1, best=1.95),
        run(preset="rmsnorm", layers=6, lr=1e-2, seed=0),
    ]
    result = _stability.stability(data(*runs))
    cells = {c.cell: c for c in result.frontier}
    assert list(cells) == ["layernorm layers=6", "layernorm layers=12", "layernorm layers=24", "rmsnorm layers=6"]
    six, twelve, deep, rms = cells.values()
    assert (six.learning_rates, six.stable_learning_rates, six.largest_stable_lr, six.at_grid_edge) == (
        [1e-3, 3e-3, 1e-2], [1e-3, 3e-3], 3e-3, False)
    assert (twelve.stable_learning_rates, twelve.largest_stable_lr, twelve.at_grid_edge) == ([3e-3, 1e-2], 1e-2, True)
    assert (deep.learning_rates, deep.stable_learning_rates, deep.largest_stable_lr, deep.at_grid_edge) == (
        [1e-3, 1e-2], [], None, False)
    assert (rms.largest_stable_lr, rms.settings) == (1e-3, {"layers": 6})
    assert [g.group for g in result.groups][:3] == ["layernorm layers=6 lr=0.001", "layernorm layers=6 lr=0.003",
                                                    "layernorm layers=6 lr=0.01"]
    # analyze's JSON shape round-trips: what the frontier figure reads from --analysis
    assert _stability.from_json({"stability": result.as_json()}) == result


def test_no_stability_without_an_lr_key():
    plain = PlotData([run()], {"layernorm": "#0072b2"}, grouping=Grouping(("layers",)))
    assert _stability.stability(plain) is None


def test_python_rule_equals_analyze_on_a_recorded_grid(cli, tmp_path):
    """One rule, two implementations: the Swift `analyze` and this package agree on every group and cell of a real
    grid that holds a stable, a stalled (lr 1e-7 stays at the prior) and a diverged (lr 1e30) learning rate."""
    import json
    import subprocess

    from conftest import record
    from normscope import _figures, _stability

    trace = record(cli, tmp_path / "grid.h5", {"hidden": [16], "steps": 20, "eval_every": 5, "seeds": 2,
                                               "presets": ["layernorm", "none"],
                                               "grid": {"lr": [1e-7, 0.01, 1e30]}})
    result = subprocess.run([cli, "analyze", str(trace), "--format", "json"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    theirs = _stability.from_json(json.loads(result.stdout))
    mine = _stability.stability(_figures.load([trace]))
    assert theirs is not None and mine is not None
    assert {(g.stalled, g.diverged, g.stable) for g in mine.groups} >= {(2, 0, 0), (0, 2, 0), (0, 0, 2)}
    # The order is each tool's own (analyze: first appearance, runs by id; the figures: by setting values).
    def keyed(document):
        return ({g["group"]: g for g in document["groups"]}, {c["cell"]: c for c in document["frontier"]},
                document["stall_fraction"])

    assert keyed(mine.as_json()) == keyed(theirs.as_json())
