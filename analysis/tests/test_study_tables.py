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


# claim_tables.py and tables.py's verdicts, in process, from small documents shaped like analyze's (ANALYZE_JSON.md:
# Comparison, Estimate, Layer's `late`, GroupGradients). documents.better reads `higher` as better for a classifier's
# test accuracy and `lower` as better for a language model's test bpc; these tests pin that reading in every table.

STUDY = REPO / "analysis" / "study"
sys.path.insert(0, str(STUDY))
UNDRAWN = "(not drawn in this run)"


def estimate(difference, lower, upper, verdict, count=3, baseline_count=3):
    return {"difference": difference, "mean": 0.5 + difference, "baseline_mean": 0.5, "count": count,
            "baseline_count": baseline_count, "interval": {"lower": lower, "upper": upper},
            "verdict": verdict}


def tie(count=3, baseline_count=3):
    return estimate(0.001, -0.002, 0.004, f"not distinguishable at n = {count}/{baseline_count}", count,
                    baseline_count)


def analysis(language_model, estimates, baseline="layernorm", groups=(), layers=None, gradients=None):
    """An analyze document against `baseline`: `estimates` maps a group to its Estimate of the test metric, or to
    a dict of quantity → Estimate."""
    metric = "test_bits_per_character_at_best" if language_model else "test_accuracy_at_best"
    names = [baseline] + [g for g in list(groups) + list(estimates) if g != baseline]
    runs = [{"id": f"{g}-s{s}", "group": g, "preset": g.split()[0], "is_language_model": language_model,
             "settings": {"lr": 0.001}} for g in names for s in range(3)]
    comparisons = [{"group": g, "preset": g.split()[0], "baseline": baseline, "baseline_group": baseline,
                    **({metric: e} if "verdict" in e else e)} for g, e in estimates.items()]
    return {"schema": "normscope-analyze/2", "runs": runs, "comparisons": comparisons,
            "groups": [{"group": g, "preset": g.split()[0], "runs": 3, "diverged": 0} for g in names],
            "layers": layers or {}, "gradients": gradients or []}


def task(folder, name, language_model, estimates, **others):
    from documents import Task
    (folder / f"{name}.vs-layernorm.json").write_text(json.dumps(analysis(language_model, estimates, **others)))
    return Task(folder, name)


def test_rmsnorm_and_dyt_hold_when_better_than_layernorm_in_the_metric_s_own_direction(tmp_path):
    from claim_tables import challenger_lines
    digits = task(tmp_path, "digits-mlp", False, {"rmsnorm": estimate(0.004, 0.001, 0.007, "higher"),
                                                   "dyt": estimate(-0.004, -0.007, -0.001, "lower")})
    char = task(tmp_path, "char-lm", True, {"rmsnorm": estimate(-0.02, -0.03, -0.01, "lower"),
                                             "dyt": estimate(0.02, 0.01, 0.03, "higher")})
    deep = task(tmp_path, "deep-post-lm", True, {"rmsnorm": tie(3, 2)})
    text = "\n".join(challenger_lines(tmp_path, [digits, char, deep]))
    figure = "`figures/{}/summary.png` " + UNDRAWN
    # A classifier's higher test accuracy is better: RMSNorm's "no cost" holds; lower refutes DyT's "matches".
    assert (f"| digits-mlp | RMSNorm | +0.40 [+0.10, +0.70], higher | **holds** | {figure.format('digits-mlp')} |"
            in text)
    assert "| digits-mlp | DyT | -0.40 [-0.70, -0.10], lower | **does not hold** |" in text
    # A language model's lower test bpc is better; higher refutes the claim.
    assert "| char-lm | RMSNorm | -0.020 [-0.030, -0.010], lower | **holds** |" in text
    assert "| char-lm | DyT | +0.020 [+0.010, +0.030], higher | **does not hold** |" in text
    # A tie proves nothing either way; a variant not run has no row.
    assert ("| deep-post-lm | RMSNorm | +0.001 [-0.002, +0.004], not distinguishable at n = 3/2 | "
            "**not distinguishable at n = 3/2** |") in text
    assert "| deep-post-lm | DyT |" not in text


def late(**values):
    return {"layer": "norm0", "index": 0, "width": 8, "late": values}


def test_the_engines_side_by_side_disagree_only_on_opposite_directions(tmp_path):
    from claim_tables import engine_lines
    swift = task(tmp_path, "digits-mlp", False,
                 {"rmsnorm": estimate(0.004, 0.001, 0.007, "higher"), "dyt": estimate(0.004, 0.001, 0.007, "higher"),
                  "scalenorm": estimate(-0.004, -0.007, -0.001, "lower")},
                 layers={"rmsnorm-s0": [late(recentering_share=0.1), late(recentering_share=0.3)],
                         "rmsnorm-s1": [late(recentering_share=0.2, abs_mean_over_std=0.05)]})
    assert engine_lines(tmp_path, swift, None)[-2] == "No torch-twin.vs-layernorm.json: run its part for this table."
    torch = task(tmp_path, "torch-twin", False,
                 {"rmsnorm": estimate(-0.004, -0.007, -0.001, "lower", 2, 2), "dyt": tie(2, 2),
                  "scalenorm": estimate(-0.002, -0.003, -0.001, "lower", 2, 2)})
    rows = {line.split(" | ")[0]: line for line in engine_lines(tmp_path, swift, torch) if line.startswith("| ")}
    # Opposite directions: the engines disagree.
    assert rows["| RMSNorm"].startswith("| RMSNorm | better (n = 3/3) | worse (n = 2/2) | no | 0.1 … 0.3 | — | ")
    # ≈ beside a direction: same or weaker, not a disagreement.
    assert rows["| DyT"].startswith("| DyT | better (n = 3/3) | ≈ (n = 2/2) | same or weaker | — | — |")
    assert rows["| ScaleNorm"].startswith("| ScaleNorm | worse (n = 3/3) | worse (n = 2/2) | yes |")
    assert rows["| LayerNorm"].startswith("| LayerNorm | — | — | — |")
    # the forward |μ|/σ range is only over the runs that recorded it
    assert rows["| RMSNorm"].endswith("| 0.05 … 0.05 | — |")


def test_the_forward_pass_s_recentering_per_task_from_the_gradients(tmp_path):
    from claim_tables import forward_lines
    gradients = [{"group": "layernorm", "abs_mean_over_std": {"mean": 0.1234, "standard_deviation": 0.01,
                                                              "count": 3}},
                 {"group": "rmsnorm", "abs_mean_over_std": {"mean": 0.5, "standard_deviation": None, "count": 1}},
                 {"group": "dyt", "abs_mean_over_std": {"mean": None, "standard_deviation": None, "count": 0}},
                 {"group": "scalenorm"}]
    digits = task(tmp_path, "digits-mlp", False, {}, gradients=gradients[:1])
    char = task(tmp_path, "char-lm", True, {}, gradients=gradients)
    rows = [line for line in forward_lines(tmp_path, [digits, char]) if line.startswith("| ") and "---" not in line]
    figure = "`figures/{}/forward-recentering.png` " + UNDRAWN
    assert rows == ["| task | variant | late \\|μ\\|/σ | figure |",
                    f"| digits-mlp | LayerNorm | 0.123 ± 0.010 (3) | {figure.format('digits-mlp')} |",
                    f"| char-lm | LayerNorm | 0.123 ± 0.010 (3) | {figure.format('char-lm')} |",
                    f"| char-lm | RMSNorm | 0.500 (1) | {figure.format('char-lm')} |"]
    empty = task(tmp_path, "deep-post-lm", True, {}, gradients=gradients[2:])
    assert forward_lines(tmp_path, [empty])[2] == ("No analysis holds `abs_mean_over_std` (traces recorded before "
                                                   "it read NaN): no table.")


def test_the_claims_verdicts_follow_each_metric_s_direction_and_the_claim_s(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("study_tables", STUDY / "tables.py")
    tables_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables_module)
    better_accuracy = estimate(0.004, 0.001, 0.007, "higher")
    worse_accuracy = estimate(-0.004, -0.007, -0.001, "lower")
    better_bpc, worse_bpc = estimate(-0.02, -0.03, -0.01, "lower"), estimate(0.02, 0.01, 0.03, "higher")
    lower, higher = estimate(-0.01, -0.02, -0.005, "lower"), estimate(0.01, 0.005, 0.02, "higher")
    digits = task(tmp_path, "digits-mlp", False,
                  {"layernorm-simple": better_accuracy,
                   "adanorm adanorm_scale=1": {"test_accuracy_at_best": tie(), "best_valid_loss": lower,
                                               "gap_at_best": lower},
                   "adanorm adanorm_scale=2": {"test_accuracy_at_best": worse_accuracy, "best_valid_loss": higher,
                                               "gap_at_best": lower}})
    (tmp_path / "digits-mlp.vs-none.json").write_text(
        json.dumps(analysis(False, {"detachnorm": worse_accuracy}, baseline="none")))
    (tmp_path / "digits-mlp.vs-detachnorm.json").write_text(
        json.dumps(analysis(False, {"layernorm-simple": tie(2, 3)}, baseline="detachnorm")))
    char = task(tmp_path, "char-lm", True, {"layernorm-simple": worse_bpc})
    (tmp_path / "char-lm.vs-none.json").write_text(json.dumps(analysis(True, {"detachnorm": better_bpc},
                                                                       baseline="none")))
    from documents import Task
    digits, char = Task(tmp_path, "digits-mlp"), Task(tmp_path, "char-lm")
    text = "\n".join(tables_module.claims(tmp_path, [digits, char]))
    # "LayerNorm-simple ≈ or better than LayerNorm": higher accuracy holds it, higher bpc refutes it.
    assert "  - digits-mlp: LayerNorm-simple − LayerNorm: Δ +0.40 [+0.10, +0.70], higher → **holds** (" in text
    assert ("  - char-lm: LayerNorm-simple − LayerNorm: Δ +0.020 [+0.010, +0.030], higher → **does not hold** ("
            in text)
    # "DetachNorm is no better than w/o Norm" (wanted: not better): worse accuracy holds it, lower bpc refutes it.
    assert "  - digits-mlp: DetachNorm − w/o Norm: Δ -0.40 [-0.70, -0.10], lower → **holds** (" in text
    assert "  - char-lm: DetachNorm − w/o Norm: Δ -0.020 [-0.030, -0.010], lower → **does not hold** (" in text
    # A tie, and a comparison not made, are not distinguishable at their n.
    assert ("  - digits-mlp: LayerNorm-simple − DetachNorm: Δ +0.10 [-0.20, +0.40], not distinguishable at n = 2/3 "
            "→ **not distinguishable at n = 2/3** (") in text
    assert "  - char-lm: LayerNorm-simple − DetachNorm: Δ — → **not distinguishable at n = 0** (" in text
    assert "  - digits-mlp: AdaNorm C = 1 − LayerNorm: Δ +0.10 [-0.20, +0.40], not distinguishable at n = 3/3" in text
    assert "  - digits-mlp: AdaNorm C = 2 − LayerNorm: Δ -0.40 [-0.70, -0.10], lower → **does not hold** (" in text
    # AdaNorm's lower validation loss and gap: both lower holds; a higher validation loss refutes it.
    assert "digits-mlp, C = 1: best valid loss Δ -0.0100 [-0.0200, -0.0050], lower; gap at best Δ " in text
    assert "[-0.0200, -0.0050], lower → **holds** (`figures/digits-mlp/gap.png` (not drawn in this run))" in text
    assert "digits-mlp, C = 2: best valid loss Δ +0.0100 [+0.0050, +0.0200], higher; " in text
    assert "lower → **does not hold** (`figures/digits-mlp/gap.png`" in text
    assert "char-lm, C = 1" not in text
