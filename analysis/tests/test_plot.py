"""normscope-plot: the figures it writes, its options and errors, colours shared across figures, and its bootstrap
summary against ``normscope analyze --format json``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, record

ANALYSIS = REPO / "analysis"
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF-"}
# Traces recorded now hold abs_mean_over_std, so forward-recentering is drawn for them (not for the format-1
# reference trace).
BASE = ["loss", "gap", "grad-parts", "ratios", "forward-recentering", "summary"]


def plot(*args):
    """``python -m normscope.plot ARGS`` in a child process, the package from this checkout."""
    env = {**os.environ, "PYTHONPATH": str(ANALYSIS), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "normscope.plot", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120)


def plot_here(capsys, *args):
    """``normscope.plot.main(ARGS)`` in this process (faster: matplotlib is imported once): (status, out, err)."""
    from normscope.plot import main

    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, status, captured.out, captured.err)


@pytest.fixture(scope="session")
def demo_trace(cli, tmp_path_factory):
    """Format 2, demo-like: three presets × two seeds (layernorm, adanorm with Φ, none), short."""
    out = tmp_path_factory.mktemp("plot") / "demo.h5"
    return record(cli, out, {"steps": 80, "hidden": [16, 16], "eval_every": 20, "seeds": 2,
                             "presets": ["layernorm", "adanorm", "none"]})


def analysis_json(cli, trace: Path, name: str) -> Path:
    """``normscope analyze TRACE --format json`` written beside the trace as ``name``."""
    result = subprocess.run([cli, "analyze", str(trace), "--format", "json"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    path = trace.with_name(name)
    path.write_text(result.stdout)
    return path


@pytest.fixture(scope="session")
def demo_analysis(cli, demo_trace):
    return analysis_json(cli, demo_trace, "analysis.json")


def _check(path: Path, fmt: str):
    data = path.read_bytes()
    assert len(data) > 1000, path
    if fmt == "svg":
        assert b"<svg" in data[:2000], path
    else:
        assert data.startswith(MAGIC[fmt]), path


def test_writes_every_figure_in_every_format(demo_trace, tmp_path):
    result = plot(demo_trace, "--out", tmp_path / "figs", "--format", "png,pdf,svg", "--dpi", "40")
    assert result.returncode == 0, result.stderr
    names = BASE[:4] + ["phi-adanorm", "forward-recentering", "summary"]
    expected = [str(tmp_path / "figs" / f"{n}.{fmt}") for n in names for fmt in ("png", "pdf", "svg")]
    assert result.stdout.split() == expected
    for name in names:
        for fmt in ("png", "pdf", "svg"):
            _check(tmp_path / "figs" / f"{name}.{fmt}", fmt)
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == sorted(Path(p).name for p in expected)


def test_default_formats_and_groups_subset(demo_trace, tmp_path, capsys):
    result = plot_here(capsys, demo_trace, "--out", tmp_path, "--groups", "layernorm,none", "--dpi", "40")
    assert result.returncode == 0, result.stderr
    written = sorted(Path(p).name for p in result.stdout.split())
    assert written == sorted(f"{n}.{f}" for n in BASE for f in ("png", "pdf"))   # no phi-adanorm without adanorm
    for name in written:
        _check(tmp_path / name, name.rsplit(".", 1)[1])
    only_baseline = plot_here(capsys, demo_trace, "--out", tmp_path / "b", "--groups", "layernorm",
                              "--format", "png", "--dpi", "40")
    assert only_baseline.returncode == 0, only_baseline.stderr
    assert [Path(p).name for p in only_baseline.stdout.split()] == [f"{n}.png" for n in BASE[:5]]
    assert "no summary figure" in only_baseline.stderr


@pytest.mark.parametrize("args, message", [
    (["--groups", "layernorm,nosuch"], "--groups: no group nosuch in the trace(s)"),
    (["--baseline", "nosuch"], "--baseline nosuch: no such preset"),
    (["--format", "gif"], "--format gif: expected"),
])
def test_bad_options_one_line(demo_trace, tmp_path, args, message, capsys):
    result = plot_here(capsys, demo_trace, "--out", tmp_path, *args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("normscope-plot: "), result.stderr
    assert message in result.stderr
    assert not list(tmp_path.iterdir())


def test_bad_input_one_line(tmp_path):
    (tmp_path / "notes.txt").write_text("not a trace\n")
    for path, message in ((tmp_path / "missing.h5", "missing.h5: no such file"),
                          (tmp_path / "notes.txt", "is not an HDF5 file")):
        result = plot(path, "--out", tmp_path / "out")
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("normscope-plot: "), result.stderr
        assert message in result.stderr
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    result = plot(REPO / "notebooks-data" / "digits-reference.h5", "--out", tmp_path / "out", "--analysis", bad_json)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "bad.json: is not JSON" in result.stderr


def _colours(fig, prefix):
    out = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            gid = line.get_gid() or ""
            if gid.startswith(prefix):
                out[gid.rsplit(":", 1)[-1]] = line.get_color()
    return out


def test_one_colour_per_preset_across_figures(demo_trace):
    from normscope import _figures, _palette
    from normscope.plot import make_figures

    data = _figures.load([demo_trace])
    assert data.colours == {"adanorm": "#d55e00", "layernorm": "#0072b2", "none": "#999999"}
    figures = dict(make_figures(data, ["adanorm", "layernorm", "none"], "layernorm")[0])
    loss = _colours(figures["loss"], "valid:")
    gap = _colours(figures["gap"], "")
    ratios = _colours(figures["ratios"], "rescale_ratio:hidden2.norm:")
    summary = {gid.split(":")[2]: c for gid, c in _colours_full(figures["summary"]).items()}
    assert loss == {p: data.colours[p] for p in ("adanorm", "layernorm", "none")}
    assert {p: gap[p] for p in loss} == loss
    assert ratios == loss
    assert summary == {"adanorm": loss["adanorm"], "none": loss["none"]}
    # gradient parts: the preset's colour, parts by line style
    parts = [l for ax in figures["grad-parts"].axes for l in ax.get_lines()
             if (l.get_gid() or "").startswith("layernorm:hidden1.norm:")]
    assert {l.get_color() for l in parts} == {data.colours["layernorm"]}
    assert {l.get_gid().rsplit(":", 1)[1]: l.get_linestyle() for l in parts} == {
        "direct": "-", "recenter": "--", "rescale": ":", "total": "-."}
    # t equals d where c and s are 0 (none), and the panel's note says why its line is unseen; not where they are not
    notes = {ax.get_title(): " ".join(t.get_text() for t in ax.texts if t.get_gid() == "parts-note")
             for ax in figures["grad-parts"].axes if ax.get_visible()}
    assert "t = d throughout" in notes["none · hidden1.norm"] and "c, s: 0 throughout" in notes["none · hidden1.norm"]
    assert notes["layernorm · hidden1.norm"] == ""
    assert _colours(figures["phi-adanorm"], "phi-mean:") == {"hidden1.norm": "#d55e00", "hidden2.norm": "#d55e00"}
    # a subset keeps each preset's colour
    sub = dict(make_figures(data, ["none"], "layernorm")[0])
    assert _colours(sub["loss"], "valid:") == {"none": data.colours["none"]}
    # the colour is the preset's whichever presets a trace holds: adanorm alone, or beside others
    alone = _figures.load([demo_trace]).subset(["adanorm"])
    assert _colours(dict(make_figures(alone, ["adanorm"], "layernorm")[0])["loss"], "valid:") == {
        "adanorm": _palette.PRESET_COLOURS["adanorm"]}


def test_preset_colours_are_fixed_and_unknown_presets_hashed():
    from normscope import _palette, preset_colours

    assert preset_colours(["none", "layernorm"]) == {"layernorm": "#0072b2", "none": "#999999"}
    assert preset_colours(["adanorm"])["adanorm"] == preset_colours(["layernorm", "rmsnorm", "adanorm"])["adanorm"]
    assert len(set(_palette.PRESET_COLOURS.values())) == len(_palette.PRESET_COLOURS) == 10
    # FNV-1a's published test vectors, then an unknown preset: the same colour every time, one of the table's
    assert _palette._fnv1a("") == 0x811C9DC5 and _palette._fnv1a("a") == 0xE40C292C
    assert _palette.preset_colour("my-norm") == _palette.preset_colour("my-norm")
    assert _palette.preset_colour("my-norm") in _palette.PRESET_COLOURS.values()


def _colours_full(fig):
    return {l.get_gid(): l.get_color() for ax in fig.axes for l in ax.get_lines() if l.get_gid()}


def test_bootstrap_summary_agrees_with_analyze(demo_trace, demo_analysis):
    """Computed here, the summary's differences and intervals are analyze's to the last bit: one rule, the same
    draws (METHODS.md, "Comparing groups"; analysis/tests/conformance checks the rest of it)."""
    from normscope import _figures
    from normscope.plot import json_comparisons, python_comparisons

    data = _figures.load([demo_trace])
    ours = {(c.preset, c.quantity): c for c in python_comparisons(data, ["adanorm", "none"], "layernorm")}
    theirs = {(c.preset, c.quantity): c for c in json_comparisons(str(demo_analysis), ["adanorm", "none"],
                                                                  "layernorm")}
    assert set(ours) == set(theirs) == {
        (p, q) for p in ("adanorm", "none")
        for q in ("best_valid_loss", "gap_at_best", "gap_last_tenth", "test_accuracy_at_best")}
    for key, mine in ours.items():
        assert (mine.difference, mine.lower, mine.upper, mine.count, mine.baseline_count) == (
            theirs[key].difference, theirs[key].lower, theirs[key].upper, theirs[key].count,
            theirs[key].baseline_count), key
        assert mine.lower < mine.upper


def test_adanorm_variants_and_bits_per_character(cli, tmp_path):
    """A char-LM sweep with AdaNorm at C = 1 beside LayerNorm: groups named as analyze names them, each compared
    with layernorm, the test split in bits per character, the loss figure in bits per character."""
    from normscope import _figures
    from normscope.plot import json_comparisons, python_comparisons

    trace = record(cli, tmp_path / "variants.h5", {
        "model": "char-lm", "dataset": "devils-dictionary", "steps": 30, "eval_every": 10, "width": 16, "ffn": 32, "heads": 2, "layers": 1,
        "batch": 8, "context": 16, "seeds": 2, "presets": ["layernorm", {"preset": "adanorm", "adanorm_scale": 1}]})
    data = _figures.load([trace])
    assert data.language_model and list(data.groups) == ["adanorm adanorm_scale=1", "layernorm"]
    ours = python_comparisons(data, None, "layernorm")
    assert {c.quantity for c in ours} == {"best_valid_loss", "gap_at_best", "gap_last_tenth",
                                          "test_bits_per_character_at_best"}
    assert all(c.group == "adanorm adanorm_scale=1" and c.baseline_group == "layernorm" for c in ours)
    analysis = analysis_json(cli, trace, "variants.json")
    theirs = {c.quantity: c for c in json_comparisons(str(analysis), None, "layernorm")}
    mine = {c.quantity: c for c in ours}
    bpc = "test_bits_per_character_at_best"
    assert theirs[bpc].group == "adanorm adanorm_scale=1"
    assert (mine[bpc].difference, mine[bpc].lower, mine[bpc].upper) == (theirs[bpc].difference, theirs[bpc].lower,
                                                                          theirs[bpc].upper)
    # nats per byte, as the report's charts; bits per character on the right axis
    figure = _figures.loss_figure(data)
    assert figure.axes[0].get_ylabel() == "loss (nats per byte)"
    assert "bits per character" in [c.get_ylabel() for ax in figure.axes for c in ax.child_axes]


def test_summary_from_analysis_json(demo_trace, demo_analysis, tmp_path, capsys):
    result = plot_here(capsys, demo_trace, "--out", tmp_path, "--analysis", demo_analysis, "--format", "png",
                       "--dpi", "40", "--groups", "adanorm,layernorm")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "summary.png").stat().st_size > 1000
    other = plot_here(capsys, demo_trace, "--out", tmp_path, "--analysis", demo_analysis, "--baseline", "none")
    assert other.returncode == 1 and "compares against layernorm, not none" in other.stderr


def test_reference_trace_format1(reference, tmp_path, capsys):
    result = plot_here(capsys, reference, "--out", tmp_path, "--format", "png", "--dpi", "30",
                       "--groups", "adanorm,layernorm")
    assert result.returncode == 0, result.stderr
    # format 1 predates abs_mean_over_std: no forward-recentering figure
    assert [Path(p).name for p in result.stdout.split()] == [f"{n}.png" for n in BASE[:4] + ["phi-adanorm",
                                                                                         "summary"]]


def test_phi_heat_map_pools_the_seeds(demo_trace):
    """The Φ heat map of a group with two seeds adds both runs' counts (same steps and edges), and says so."""
    import numpy as np

    from normscope import open_trace
    from normscope._figures import load, phi_figure

    data = load([demo_trace])
    figure = phi_figure(data, "adanorm")
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert titles and all("2 runs pooled" in t for t in titles), titles
    with open_trace(demo_trace) as trace:
        layer = trace.run("adanorm-s0").layers[0]
        counts = sum(trace.run(f"adanorm-s{seed}").phi_histogram(layer).counts for seed in (0, 1))
    inner = counts[:, 1:-1].astype(float)
    expected = inner / counts.sum(axis=1, keepdims=True)
    mesh = next(child for child in figure.axes[0].get_children() if hasattr(child, "get_array")
                and getattr(child, "get_array")() is not None and child.get_array().size == expected.size)
    assert np.allclose(np.asarray(mesh.get_array()).reshape(expected.T.shape), expected.T)


# -- groups of a grid sweep: as normscope analyze forms and names them ------------------------------------------------

GRID = {"steps": 40, "eval_every": 20, "seeds": 2, "hidden": [16, 16], "presets": ["layernorm", "adanorm"],
        "grid": {"lr": [0.001, 0.0003]}}
GRID_GROUPS = ["adanorm lr=0.0003", "adanorm lr=0.001", "layernorm lr=0.0003", "layernorm lr=0.001"]


@pytest.fixture(scope="session")
def grid_trace(cli, tmp_path_factory):
    """Format 2: layernorm and adanorm × 2 seeds × lr 0.001 and 0.0003."""
    return record(cli, tmp_path_factory.mktemp("grid") / "grid.h5", GRID)


@pytest.fixture(scope="session")
def grid_analysis(cli, grid_trace):
    return analysis_json(cli, grid_trace, "grid-analysis.json")


def _lines(fig, prefix):
    return {l.get_gid()[len(prefix):]: l for ax in fig.axes for l in ax.get_lines()
            if l.get_gid() and l.get_gid().startswith(prefix)}


def test_grid_sweep_gives_a_group_per_setting(grid_trace, grid_analysis, tmp_path, capsys):
    """Each learning rate of a preset is a group of its own (its 2 seeds), named as analyze names it, with its own
    curve in every figure and its own Φ heat map; the old grouping pooled both rates into one curve per preset."""
    from normscope import _figures
    from normscope.plot import make_figures

    doc = json.loads(grid_analysis.read_text())
    analyze_groups = {run["id"]: run["group"] for run in doc["runs"]}
    data = _figures.load([grid_trace])
    assert list(data.groups) == GRID_GROUPS
    assert {r.id: r.group for r in data.runs} == analyze_groups
    assert all(len(runs) == 2 and {r.seed for r in runs} == {0, 1} for runs in data.groups.values())
    assert data.grouping.keys == ("lr",)
    figures = dict(make_figures(data, ["adanorm", "layernorm"])[0])
    assert sorted(_lines(figures["loss"], "valid:")) == GRID_GROUPS
    assert sorted(_lines(figures["gap"], "")) == GRID_GROUPS
    assert sorted(_lines(figures["ratios"], "rescale_ratio:hidden1.norm:")) == GRID_GROUPS
    assert {gid.split(":")[0] for gid in _lines(figures["grad-parts"], "")} == set(GRID_GROUPS)
    gap = _lines(figures["gap"], "")
    assert not np.allclose(gap["adanorm lr=0.001"].get_ydata(), gap["adanorm lr=0.0003"].get_ydata())
    result = plot_here(capsys, grid_trace, "--out", tmp_path, "--format", "png", "--dpi", "30")
    assert result.returncode == 0, result.stderr
    assert [Path(p).name for p in result.stdout.split()] == [
        f"{n}.png" for n in BASE[:4] + ["phi-adanorm_lr=0.0003", "phi-adanorm_lr=0.001", "frontier",
                                                    "forward-recentering", "summary"]]
    assert "groups: preset + lr (settings that differ between the runs)" in result.stderr


def test_group_by_chooses_the_keys(grid_trace, tmp_path, capsys):
    from normscope import _figures

    assert list(_figures.load([grid_trace], group_by=["lr"]).groups) == GRID_GROUPS
    pooled = _figures.load([grid_trace], group_by=["preset"])
    assert list(pooled.groups) == ["adanorm", "layernorm"] and pooled.grouping.keys == ()
    assert all(len(runs) == 4 for runs in pooled.groups.values())
    assert list(_figures.load([grid_trace], group_by=["hidden", "lr"]).groups) == [
        "adanorm hidden=[16,16] lr=0.0003", "adanorm hidden=[16,16] lr=0.001",
        "layernorm hidden=[16,16] lr=0.0003", "layernorm hidden=[16,16] lr=0.001"]
    result = plot_here(capsys, grid_trace, "--out", tmp_path, "--format", "png", "--dpi", "30",
                       "--group-by", "preset")
    assert result.returncode == 0, result.stderr
    assert [Path(p).name for p in result.stdout.split()] == [f"{n}.png" for n in BASE[:4] + ["phi-adanorm",
                                                                                         "forward-recentering", "summary"]]


def test_group_by_unknown_key_one_line(grid_trace, tmp_path, capsys):
    result = plot_here(capsys, grid_trace, "--out", tmp_path / "out", "--group-by", "lr,nosuch")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(
        "normscope-plot: error: --group-by nosuch: no such setting (the runs have activation, ")
    assert ", lr, " in result.stderr and ", preset, " in result.stderr
    assert not (tmp_path / "out").exists()


def test_groups_option_takes_presets_and_labels(grid_trace, tmp_path, capsys):
    result = plot_here(capsys, grid_trace, "--out", tmp_path, "--format", "png", "--dpi", "30",
                       "--groups", "adanorm lr=0.001,layernorm")
    assert result.returncode == 0, result.stderr
    assert [Path(p).name for p in result.stdout.split()] == [
        f"{n}.png" for n in BASE[:4] + ["phi-adanorm_lr=0.001", "frontier", "forward-recentering", "summary"]]
    from normscope import _figures
    from normscope.plot import make_figures

    data = _figures.load([grid_trace])
    figures = dict(make_figures(data, ["adanorm lr=0.001", "layernorm"])[0])
    assert sorted(_lines(figures["gap"], "")) == ["adanorm lr=0.001", "layernorm lr=0.0003", "layernorm lr=0.001"]
    assert {gid.split(":")[1] for gid in _lines(figures["summary"], "summary:")} == {"adanorm lr=0.001"}
    wrong = plot_here(capsys, grid_trace, "--out", tmp_path / "x", "--groups", "adanorm lr=0.1")
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1
    assert wrong.stderr.startswith(
        "normscope-plot: error: --groups: no group adanorm lr=0.1 in the trace(s) (they have "
        "the presets adanorm, layernorm; the groups adanorm lr=0.0003; "), wrong.stderr


def test_same_preset_groups_share_colour_and_differ_by_marker(grid_trace, demo_trace):
    """One colour per preset; its groups by marker shape, the same in every figure; a preset with one group keeps
    plain lines (the figures of a seeds-only sweep do not change)."""
    from normscope import _figures
    from normscope.plot import make_figures

    data = _figures.load([grid_trace])
    figures = dict(make_figures(data, ["adanorm", "layernorm"])[0])
    colours = {"adanorm": "#d55e00", "layernorm": "#0072b2"}
    markers = {"adanorm lr=0.0003": "o", "adanorm lr=0.001": "s", "layernorm lr=0.0003": "o",
               "layernorm lr=0.001": "s"}
    drawn = {"loss": _lines(figures["loss"], "valid:"), "train": _lines(figures["loss"], "train:"),
             "gap": _lines(figures["gap"], ""), "ratios": _lines(figures["ratios"], "recenter_ratio:hidden2.norm:"),
             "grad-parts": {g: l for g, l in _lines(figures["grad-parts"], "").items() if g.endswith(":total")},
             "summary": _lines(figures["summary"], "summary:best_valid_loss:")}
    for name, lines in drawn.items():
        for gid, line in lines.items():
            group = gid.split(":")[0]
            assert line.get_color() == colours[group.split(" ")[0]], (name, gid)
            assert line.get_marker() == markers[group], (name, gid)
    for lr, marker in (("0.0003", "o"), ("0.001", "s")):
        phi = _lines(figures[f"phi-adanorm_lr={lr}"], "phi-mean:")
        assert {(l.get_color(), l.get_marker()) for l in phi.values()} == {("#d55e00", marker)}
    # the legend shows the marker too, so the entries differ in more than their text
    handles = figures["gap"].legends[0].legend_handles
    assert [h.get_marker() for h in handles] == ["o", "s", "o", "s"]
    # a subset keeps each group's marker, as it keeps colours
    sub = dict(make_figures(data, ["adanorm lr=0.001"])[0])
    assert _lines(sub["gap"], "")["adanorm lr=0.001"].get_marker() == "s"
    # one group per preset: no markers, the lines as they always were
    plain = dict(make_figures(_figures.load([demo_trace]), ["adanorm", "layernorm", "none"])[0])
    assert {l.get_marker() for l in _lines(plain["gap"], "").values()} == {"None"}


def test_summary_pairs_groups_at_the_same_settings(cli, grid_trace, grid_analysis, tmp_path, capsys):
    """adanorm lr=x is compared with layernorm lr=x, as analyze compares them; a group whose settings the baseline
    lacks is left out with a note, never compared with a baseline group at other settings."""
    from normscope import _figures
    from normscope._comparison import run_values
    from normscope.plot import json_comparisons, python_comparisons

    data = _figures.load([grid_trace])
    ours = {(c.group, c.quantity): c for c in python_comparisons(data, ["adanorm"], "layernorm")}
    assert {g for g, _ in ours} == {"adanorm lr=0.0003", "adanorm lr=0.001"}
    groups = data.groups
    for lr in ("0.0003", "0.001"):
        best = {p: [run_values(r.evals)["best_valid_loss"] for r in groups[f"{p} lr={lr}"]]
                for p in ("adanorm", "layernorm")}
        c = ours[(f"adanorm lr={lr}", "best_valid_loss")]
        assert c.baseline_group == f"layernorm lr={lr}" and (c.count, c.baseline_count) == (2, 2)
        assert c.difference == pytest.approx(np.mean(best["adanorm"]) - np.mean(best["layernorm"]))
    doc = json.loads(grid_analysis.read_text())
    for comparison in doc["comparisons"]:
        mine = ours[(comparison["group"], "best_valid_loss")]
        assert mine.baseline_group == comparison["baseline_group"]
        assert mine.difference == comparison["best_valid_loss"]["difference"]
    from_json = json_comparisons(str(grid_analysis), ["adanorm"], "layernorm")
    assert {(c.group, c.baseline_group, c.marker) for c in from_json} == {
        ("adanorm lr=0.0003", "layernorm lr=0.0003", "o"), ("adanorm lr=0.001", "layernorm lr=0.001", "s")}
    # an adanorm run at a learning rate layernorm was not run at
    extra = record(cli, tmp_path / "extra.h5", {**GRID, "seeds": 1, "presets": ["adanorm"], "grid": {"lr": [0.01]}})
    result = plot_here(capsys, grid_trace, extra, "--out", tmp_path / "figs", "--format", "png", "--dpi", "30")
    assert result.returncode == 0, result.stderr
    assert "not in the summary (no layernorm run at the same settings): adanorm lr=0.01" in result.stderr
    both = _figures.load([grid_trace, extra])
    assert {c.group for c in python_comparisons(both, ["adanorm"], "layernorm")} == {"adanorm lr=0.0003",
                                                                                     "adanorm lr=0.001"}


def test_figures_section_grid_example_runs_as_written(cli, tmp_path):
    """PYTHON.md's "Figures" shell blocks other than the first (the reference trace's) run as written."""
    text = (ANALYSIS / "PYTHON.md").read_text()
    section = text.split("## Figures", 1)[1].split("\n## ", 1)[0]
    blocks = section.split("```sh\n")[2:]
    assert blocks, "no grid example in PYTHON.md's Figures section"
    script = "\n".join(["set -e", f"normscope() {{ '{cli}' \"$@\"; }}",
                        f"normscope-plot() {{ '{sys.executable}' -m normscope.plot \"$@\"; }}"]
                       + [block.split("```", 1)[0] for block in blocks])
    env = {**os.environ, "PYTHONPATH": str(ANALYSIS), "MPLBACKEND": "Agg"}
    result = subprocess.run(["bash", "-c", script], cwd=tmp_path, capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "grid-figures" / "phi-adanorm_lr=0.001.png").exists()
    assert (tmp_path / "grid-figures" / "phi-adanorm_lr=0.0003.png").exists()
    assert sorted(p.name for p in (tmp_path / "grid-some").iterdir() if p.name.startswith("phi-")) == [
        "phi-adanorm_lr=0.001.png"]
    assert (tmp_path / "grid-pooled" / "phi-adanorm.png").exists()


# -- traces recorded apart: read together, as normscope analyze reads them -------------------------------------------

APART = {"steps": 10, "eval_every": 5, "hidden": [8], "presets": ["layernorm", "adanorm"]}


@pytest.fixture(scope="session")
def apart_traces(cli, tmp_path_factory):
    """Two traces of the same presets and seed recorded apart, at lr 0.001 and 0.01: their run ids are the same."""
    directory = tmp_path_factory.mktemp("apart")
    return [record(cli, directory / f"lr{lr}.h5", {**APART, "lr": lr}) for lr in (0.001, 0.01)]


def test_traces_recorded_apart_are_drawn_together(cli, apart_traces, tmp_path, capsys):
    """Runs that differ in a setting are different runs whatever their ids (they used to be dropped as duplicates of
    the first file's); a label names a file's runs; a run given twice is counted once, said first, as analyze says
    it."""
    from normscope import _figures

    small, large = apart_traces
    data = _figures.load([f"{small}:small", str(large)])
    assert list(data.groups) == ["adanorm lr=0.001", "adanorm lr=0.01", "layernorm lr=0.001", "layernorm lr=0.01"]
    assert sorted(r.name for r in data.runs) == sorted(
        [f"small:{p}-s0" for p in ("adanorm", "layernorm")] + [f"{large}:{p}-s0" for p in ("adanorm", "layernorm")])
    assert not any(n.startswith("duplicate") for n in data.notes)
    result = plot_here(capsys, f"{small}:small", large, "--out", tmp_path / "figs", "--format", "svg")
    assert result.returncode == 0, result.stderr

    copy = small.with_name("copy.h5")
    copy.write_bytes(small.read_bytes())
    twice = _figures.load([small, copy, small])
    assert len(twice.runs) == 2
    analyzed = subprocess.run([cli, "analyze", str(small), str(copy), str(small)], capture_output=True, text=True,
                              timeout=120)
    assert analyzed.returncode == 0, analyzed.stderr
    assert twice.notes[:2] == [
        f"duplicate: {copy} repeats 2 runs of {small} (same preset, seed and settings): adanorm-s0, layernorm-s0; "
        f"each counted once, from {small}",
        f"duplicate: {small} is given twice; its runs are counted once: adanorm-s0, layernorm-s0"]
    assert analyzed.stdout.split("\n\n")[0].splitlines() == twice.notes[:2]


def test_trace_arguments_and_run_names():
    from normscope._plotdata import run_names, trace_input

    assert trace_input("a.h5:lr sweep") == ("a.h5", "lr sweep")
    assert trace_input("a.h5:") == ("a.h5:", None) and trace_input(":b") == (":b", None)
    assert trace_input("host:/data/a.h5") == ("host:/data/a.h5", None)
    assert trace_input(Path("x:y")) == ("x:y", None)
    existing = str(Path(__file__))  # an existing path is taken whole
    assert trace_input(existing) == (existing, None)
    assert run_names([("r", "a.h5", None), ("q", "a.h5", None), ("r", "b.h5", None), ("r", "c.h5", "x")]) == [
        "a.h5:r", "q", "b.h5:r", "x:r"]
    assert run_names([("r", "a.h5", "x"), ("r", "b.h5", "x")]) == ["x:r (a.h5)", "x:r (b.h5)"]


def test_main_in_process_gives_ctrl_c_back(capsys, tmp_path):
    """main() replaces Python's Ctrl-C handler only while it runs: a notebook or test calling it keeps Ctrl-C."""
    import signal

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    result = plot_here(capsys, tmp_path / "missing.h5", "--out", tmp_path / "figures")
    assert result.returncode != 0
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
