"""tables.py lays out the frontier from analyze's documented fields (ANALYZE_JSON.md: Stability, FrontierCell,
StabilityGroup, Comparison), says in one line when an analysis has no `stability`, and runs on the parts present."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO

TABLES = REPO / "analysis" / "study" / "tables.py"


def cell(preset, layers, largest, edge):
    return {"cell": f"{preset} layers={layers} placement=post", "preset": preset,
            "settings": {"layers": layers, "placement": "post"}, "learning_rates": [0.001, 0.01],
            "stable_learning_rates": [] if largest is None else [largest], "largest_stable_lr": largest,
            "at_grid_edge": edge}


def group(preset, layers, lr, diverged, stalled, step=None):
    return {"group": f"{preset} layers={layers} lr={lr} placement=post", "preset": preset,
            "settings": {"layers": layers, "placement": "post", "lr": lr}, "lr": lr, "runs": 3,
            "diverged": diverged, "stalled": stalled, "stable": 3 - diverged - stalled, "unfinished": 0,
            "median_divergence_step": step, "stable_best_valid_loss": {"mean": 2.0, "standard_deviation": 0.1,
                                                                       "count": 3 - diverged - stalled}}


def document(stability=None, comparisons=()):
    runs = [{"id": "layernorm-s0", "group": "layernorm", "is_language_model": True, "settings": {}}]
    doc = {"schema": "normscope-analyze/2", "groups": [], "runs": runs, "layers": {}, "comparisons": list(comparisons)}
    if stability is not None:
        doc["stability"] = stability
    return doc


def tables(folder):
    return subprocess.run([sys.executable, str(TABLES), str(folder)], capture_output=True, text=True, timeout=60)


def test_frontier_tables_from_stability_and_the_detach_comparison(tmp_path):
    stability = {"stall_fraction": 0.95,
                 "groups": [group("layernorm", 24, 0.001, 0, 0), group("layernorm", 24, 0.01, 0, 3),
                            group("none", 24, 0.01, 2, 0, step=41.5)],
                 "frontier": [cell("layernorm", 24, 0.001, False), cell("none", 24, None, False),
                              cell("rmsnorm", 24, 0.01, True)]}
    (tmp_path / "frontier.vs-layernorm.json").write_text(json.dumps(document(stability)))
    estimate = {"difference": 0.4, "verdict": "higher", "count": 3, "baseline_count": 3,
                "interval": {"lower": 0.2, "upper": 0.6}}
    comparison = {"group": "detach-std layers=24 lr=0.001 placement=post", "preset": "detach-std",
                  "baseline": "detach-mean", "settings": {"layers": 24, "placement": "post", "lr": 0.001},
                  "test_bits_per_character_at_best": estimate}
    (tmp_path / "frontier.vs-detach-mean.json").write_text(json.dumps(document(comparisons=[comparison])))
    result = tables(tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "| variant | 24 blocks, post-norm |" in text
    assert "| LayerNorm | 0.001 |" in text and "| w/o Norm | none |" in text and "| RMSNorm | ≥ 0.01 |" in text
    assert "| LayerNorm | 24 | post | 0 + 0 of 3 | 0 + 3 of 3 |" in text
    assert "| w/o Norm | 24 | post | — | 2 + 0 of 3 (step 41.5) |" in text
    assert "| 24 | post | 0.001 | +0.400 [+0.200, +0.600], higher | **holds** |" in text
    assert "`figures/frontier/frontier.png` (not drawn in this run)" in text


def test_an_analysis_without_stability_is_said_in_one_line(tmp_path):
    (tmp_path / "frontier.vs-layernorm.json").write_text(json.dumps(document()))
    result = tables(tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if "`stability`" in line] == [
        "frontier.vs-layernorm.json has no `stability` (an analyze older than the frontier rule, ANALYZE_JSON.md): "
        "no stability tables."]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = tables(empty)
    assert result.returncode == 1 and result.stderr == (f"tables.py: no <part>.vs-layernorm.json in {empty}: run a "
                                                        "part of the study first\n")


def test_the_engines_disagree_only_on_opposite_directions():
    sys.path.insert(0, str(REPO / "analysis" / "study"))
    from claim_tables import _agreement
    assert _agreement("better", "worse") == "no" and _agreement("worse", "better") == "no"
    assert _agreement("≈", "better") == "same or weaker" and _agreement("worse", "≈") == "same or weaker"
    assert _agreement("≈", "≈") == "yes" and _agreement("—", "better") == "—"
