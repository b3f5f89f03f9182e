"""Writes the conformance fixtures: small traces recorded by ``normscope record`` and, beside each, ``expected.json``
with what ``normscope analyze`` makes of them — the groups and their runs, and per comparison the difference, the
interval, Welch's test and the verdict (METHODS.md, "Comparing groups").

    python3 analysis/tests/conformance/make_fixtures.py path/to/normscope      (needs h5py and HDF5's h5repack)

The numbers are analyze's; the tests check the Swift library and the Python package against them, and the
``two-seeds`` fixture's against values worked out by hand (its evaluations are written here, with exact binary
fractions, so that every mean, bound and t is exact). Run it again only when the rule changes, and say why in the
commit: the fixtures are the rule's record.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
BASELINE = "layernorm"
ESTIMATE_KEYS = ("difference", "mean", "baseline_mean", "count", "baseline_count", "verdict")

# two-seeds: per run (preset, seed), the values at the best evaluation (row 10 of 20) and the mean gap of the last two
# rows (the last tenth): best valid loss, gap at best, gap of the last tenth, test accuracy at best.
HAND = {
    ("layernorm", 0): (1.0, 0.5, 0.125, 0.75),
    ("layernorm", 1): (1.5, 0.5625, 0.125, 0.875),
    ("adanorm", 0): (2.0, 0.25, 0.25, 0.625),
    ("adanorm", 1): (2.5, 0.3125, 0.25, 0.75),
}
BEST_ROW, ROWS = 10, 20

FIXTURES: Dict[str, Dict[str, Any]] = {
    # Two seeds a side, values by hand: AdaNorm at C = 1 paired with LayerNorm (which has no C).
    "two-seeds": {
        "traces": {"trace.h5": {"steps": ROWS, "eval_every": 1, "hidden": [4], "seeds": 2,
                                "presets": ["layernorm", {"preset": "adanorm", "adanorm_scale": 1}]}},
        "analyses": [None],
    },
    # Two files recorded apart, grouped by lr: a run given in both is counted once; rmsnorm-s0 at lr 10 passes
    # divergence_loss at step 3, so only its evaluations at steps 0 and 1 count; at lr 0.01 one run a side.
    # Grouped by preset as well: three runs a side, lr pooled on purpose.
    "apart-diverged": {
        "traces": {
            "a.h5": {"steps": 12, "eval_every": 1, "hidden": [4], "seeds": 2, "presets": ["layernorm", "rmsnorm"],
                     "lr": 10, "divergence_loss": 200},
            "b.h5": {"steps": 12, "eval_every": 1, "hidden": [4], "seeds": 1, "presets": ["layernorm", "rmsnorm"],
                     "grid": {"lr": [10, 0.01]}, "divergence_loss": 200},
        },
        "analyses": [None, ["preset"]],
    },
}


def record(cli: str, config: Dict[str, Any], out: Path, scratch: Path) -> None:
    sweep = scratch / (out.stem + ".json")
    sweep.write_text(json.dumps(config))
    subprocess.run([cli, "record", "--config", str(sweep), "--out", str(out), "--quiet", "--force"], check=True)


def write_hand_values(path: Path) -> None:
    """two-seeds' evaluations: valid loss lowest at row 10 (best + (r − 10)²/64), the gap constant but in the last
    two rows (the last tenth's mean ∓ 1/16), train loss = valid − gap, the test split valid + 1/8 and the run's
    test accuracy — all exact."""
    with h5py.File(path, "r+") as trace:
        for run in trace["runs"].values():
            preset, seed = str(run.attrs["preset"]), int(run.attrs["seed"])
            best, gap_best, gap_tail, accuracy = HAND[(preset, seed)]
            evals = run["evals"][...]
            assert len(evals) == ROWS, f"{run.name}: {len(evals)} evaluations (expected {ROWS})"
            for row in range(ROWS):
                valid = best + (row - BEST_ROW) ** 2 / 64
                # The last tenth's two gaps differ, so that its mean is not any one row's.
                gap = {ROWS - 2: gap_tail - 0.0625, ROWS - 1: gap_tail + 0.0625}.get(row, gap_best)
                evals[row]["valid_loss"], evals[row]["gap"], evals[row]["train_loss"] = valid, gap, valid - gap
                evals[row]["test_loss"], evals[row]["test_accuracy"] = valid + 0.125, accuracy
            run["evals"][...] = evals


def repack(path: Path) -> None:
    """Contiguous datasets in the newest file format: the same trace in about half the bytes (a chunk index per
    dataset is most of a tiny trace)."""
    packed = path.with_suffix(".packed.h5")
    subprocess.run(["h5repack", "-L", "-l", "CONTI", str(path), str(packed)], check=True)
    packed.replace(path)


def analysis(cli: str, traces: List[Path], group_by: Optional[List[str]]) -> Dict[str, Any]:
    """What the fixture's expected.json holds of ``normscope analyze --format json``, for one grouping."""
    options = ["--group-by", ",".join(group_by)] if group_by else []
    result = subprocess.run([cli, "analyze", *map(str, traces), "--format", "json", "--baseline", BASELINE,
                             *options], check=True, capture_output=True, text=True, cwd=traces[0].parent)
    doc = json.loads(result.stdout)
    assert not doc["damaged"] and not doc["missing"], (doc["damaged"], doc["missing"])
    groups = {g["group"]: {"preset": g["preset"], "runs": [r["name"] for r in doc["runs"] if r["group"] == g["group"]]}
              for g in doc["groups"]}
    comparisons = {}
    for c in doc["comparisons"]:
        estimates = {}
        for quantity in ("best_valid_loss", "gap_at_best", "gap_last_tenth", "test_loss_at_best",
                         "test_accuracy_at_best", "test_bits_per_character_at_best"):
            e = c.get(quantity)
            if e is None:
                continue
            estimates[quantity] = {
                **{k: e[k] for k in ESTIMATE_KEYS},
                "interval": {k: e["interval"][k] for k in ("lower", "upper", "reason")},
                "welch": {k: e["welch"][k] for k in ("t", "degrees_of_freedom", "p", "reason")}}
        comparisons[c["group"]] = {"baseline_group": c["baseline_group"], "estimates": estimates}
    return {"group_by": group_by, "keys": doc["grouping"]["keys"], "groups": groups, "comparisons": comparisons,
            "uncompared_groups": doc["uncompared_groups"]}


def main(cli: str) -> None:
    for name, fixture in FIXTURES.items():
        folder = HERE / name
        folder.mkdir(exist_ok=True)   # its traces and expected.json are replaced; nothing else there is touched
        traces = []
        with tempfile.TemporaryDirectory() as scratch:
            for file, config in fixture["traces"].items():
                path = folder / file
                record(cli, config, path, Path(scratch))
                if name == "two-seeds":
                    write_hand_values(path)
                repack(path)
                traces.append(path)
        expected = {"traces": list(fixture["traces"]), "baseline": BASELINE, "recorded_with": fixture["traces"],
                    "analyses": [analysis(cli, traces, group_by) for group_by in fixture["analyses"]]}
        (folder / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
        print(folder, sum(p.stat().st_size for p in folder.iterdir()), "bytes")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_fixtures.py path/to/normscope")
    np.seterr(all="raise")
    main(sys.argv[1])
