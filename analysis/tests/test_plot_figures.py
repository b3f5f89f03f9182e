"""normscope-plot's figures as print needs them: widths of ``--size``, per-step series smoothed by ``--smooth``,
legends that name every style, a flat panel noted instead of magnified, each preset's one colour, and the frontier,
depth-shares and forward-recentering figures of a learning-rate × depth grid (constructed: a tiny recorded grid,
its runs' ``prior_loss``, status and ``abs_mean_over_std`` set with h5py)."""

from __future__ import annotations

import json
import subprocess

import h5py
import numpy as np
import pytest

from conftest import REFERENCE, record
from normscope import _figures, _palette, _stability
from normscope._layout import Style
from normscope._sizes import SIZES
from normscope.plot import make_figures, main

GRID = {"model": "char-lm", "dataset": "devils-dictionary", "steps": 8, "eval_every": 4, "width": 8, "ffn": 16,
        "heads": 1, "batch": 4, "context": 8, "seeds": 1, "presets": ["layernorm", "rmsnorm"],
        "grid": {"lr": [0.001, 0.01], "layers": [1, 2]}}


@pytest.fixture(scope="module")
def reference_data():
    return _figures.load([REFERENCE])


@pytest.fixture(scope="module")
def grid_trace(cli, tmp_path_factory):
    """layernorm and rmsnorm at lr 0.001/0.01 × 1/2 layers. rmsnorm at lr 0.01, 2 layers diverged at step 5;
    layernorm at lr 0.01, 1 layer stalled (its prior_loss below its loss); the others stable; layernorm's runs at
    1 layer record abs_mean_over_std = 0.25 · (layer position + 1)."""
    out = record(cli, tmp_path_factory.mktemp("grid") / "grid.h5", GRID)
    with h5py.File(out, "r+") as f:
        for name, run in f["runs"].items():
            run.attrs["prior_loss"] = 1.0 if name == "layernorm-s0-layers1-lr0.01" else 100.0
            if name == "rmsnorm-s0-layers2-lr0.01":
                run.attrs["status"], run.attrs["diverged_step"] = "diverged", 5
            if name.startswith("layernorm-s0-layers1-"):
                for position, layer in enumerate(json.loads(run.attrs["norm_layers"])):
                    table = run[f"norms/{layer}/grad"][()]
                    table["abs_mean_over_std"] = 0.25 * (position + 1)
                    run[f"norms/{layer}/grad"][...] = table
    return out


@pytest.mark.parametrize("size", ["one-column", "two-column"])
def test_every_figure_fits_its_width(reference_data, size):
    """Five presets × two layers: the figures grow rows, never width (the old loss figure was 12.6 in wide)."""
    style = Style(SIZES[size])
    figures = dict(make_figures(reference_data, style=style)[0])
    assert {"loss", "gap", "grad-parts", "ratios", "phi-adanorm", "summary"} <= set(figures)
    for name, fig in figures.items():
        assert fig.get_size_inches()[0] == pytest.approx(SIZES[size].width), name
    assert figures["grad-parts"].get_size_inches()[1] > figures["gap"].get_size_inches()[1]


def _line(fig, gid):
    return next(l for ax in fig.axes for l in ax.get_lines() if l.get_gid() == gid)


def test_per_step_series_are_smoothed_with_the_stated_window(reference_data):
    run = reference_data.groups["layernorm"][0]
    raw = run.grads["hidden2.norm"]["rescale_ratio"]
    gid = "rescale_ratio:hidden2.norm:layernorm"
    smoothed = _figures.ratios_figure(reference_data, Style(smooth=9))
    expected = raw.rolling(9, center=True, min_periods=1).mean().to_numpy()
    np.testing.assert_allclose(_line(smoothed, gid).get_ydata(), expected)
    assert "centred moving mean over 9 recorded steps" in smoothed._suptitle.get_text().replace("\n", " ")
    unsmoothed = _figures.ratios_figure(reference_data, Style(smooth=0))
    np.testing.assert_array_equal(_line(unsmoothed, gid).get_ydata(), raw.to_numpy())
    assert "raw per-step values" in unsmoothed._suptitle.get_text().replace("\n", " ")
    # evaluations are not smoothed
    loss = _figures.loss_figure(reference_data, Style(smooth=9))
    np.testing.assert_array_equal(_line(loss, "valid:layernorm").get_ydata(), run.evals["valid_loss"].to_numpy())


def test_smoothing_options(tmp_path, capsys):
    assert main([str(REFERENCE), "--out", str(tmp_path), "--format", "png", "--dpi", "20", "--smooth", "-1"]) == 1
    assert "--smooth -1: expected a number of recorded steps" in capsys.readouterr().err
    assert main([str(REFERENCE), "--out", str(tmp_path), "--format", "png", "--dpi", "20", "--raw", "--groups",
                 "none", "--size", "one-column"]) == 0


def test_phi_legend_names_each_quantile(reference_data):
    fig = _figures.phi_figure(reference_data, "adanorm")
    entries = {t.get_text(): h for t, h in zip(fig.legends[0].get_texts(), fig.legends[0].legend_handles)}
    quantiles = [name for name in entries if name.endswith("quantile")]
    assert len(quantiles) == 5 and "mean Φ" in entries
    assert len({_dashes(entries[name]) for name in quantiles}) == 5
    drawn = {l.get_gid().split(":")[0]: _dashes(l) for l in fig.axes[0].get_lines() if l.get_gid()}
    assert {drawn[f"phi-{q}"] for q in ("q01", "q05", "q50", "q95", "q99")} == {_dashes(entries[name])
                                                                               for name in quantiles}


def _dashes(line):
    """A line's dash pattern (get_linestyle says "--" for every custom pattern)."""
    offset, pattern = line._unscaled_dash_pattern
    return line.get_linestyle(), offset, tuple(pattern or ())


def test_a_panel_of_agreeing_values_is_drawn_flat_with_a_note(reference_data):
    """rescale_ratio of the first layer lies within 1.8e-4 of 1 for every preset: noted, on an axis of ±5%, not
    one from 0.99982 to 1; the second layer's differ and are drawn as they are."""
    fig = _figures.ratios_figure(reference_data)
    panels = {ax.get_title().replace("\n", " "): ax for ax in fig.axes}
    flat = panels["rescale_ratio · hidden1.norm"]
    notes = [t.get_text() for t in flat.texts if t.get_gid() == "flat-note"]
    assert notes == ["all groups\nwithin 0.001 of 1"]
    assert flat.get_ylim() == pytest.approx((0.95, 1.05))
    assert not [t for t in panels["rescale_ratio · hidden2.norm"].texts if t.get_gid() == "flat-note"]


def test_preset_colours_in_the_grid_figures(grid_trace):
    data = _figures.load([grid_trace])
    figures = dict(make_figures(data, style=Style(SIZES["one-column"]))[0])
    assert {"frontier", "depth-shares", "forward-recentering"} <= set(figures)
    for name in ("frontier", "depth-shares", "forward-recentering", "loss", "ratios"):
        colours = {}
        for ax in figures[name].axes:
            for artist in list(ax.get_lines()) + list(ax.collections):
                gid = artist.get_gid() or ""
                preset = next((p for p in ("layernorm", "rmsnorm") if p in gid.split(":")[-1].split(" ")[0]
                               or f":{p}" in gid or gid.startswith(p)), None)
                if preset is None:
                    continue
                colour = artist.get_edgecolor()[0] if name == "frontier" and artist in ax.collections else \
                    artist.get_color()
                colours.setdefault(preset, set()).add(_hex(colour))
        assert colours, name
        for preset, seen in colours.items():
            if name == "forward-recentering":   # layers shade from light to the preset's colour
                assert _palette.PRESET_COLOURS[preset] in seen, (name, preset, seen)
            else:
                assert seen == {_palette.PRESET_COLOURS[preset]}, (name, preset, seen)


def _hex(colour) -> str:
    from matplotlib.colors import to_hex
    return to_hex(colour)


def test_frontier_of_a_recorded_grid(grid_trace, tmp_path, capsys):
    data = _figures.load([grid_trace])
    stability = _stability.stability(data)
    groups = {g.group: (g.runs, g.diverged, g.stalled, g.stable) for g in stability.groups}
    assert groups["layernorm layers=1 lr=0.01"] == (1, 0, 1, 0)
    assert groups["rmsnorm layers=2 lr=0.01"] == (1, 1, 0, 0)
    cells = {c.cell: (c.largest_stable_lr, c.at_grid_edge) for c in stability.frontier}
    assert cells == {"layernorm layers=1": (0.001, False), "layernorm layers=2": (0.01, True),
                     "rmsnorm layers=1": (0.01, True), "rmsnorm layers=2": (0.001, False)}
    fig = drawn(data, "frontier")
    counts = {t.get_text() for ax in fig.axes for t in ax.texts}
    assert {"1/0/0", "0/1/0", "0/0/1"} <= counts
    largest = _line(fig, "largest-stable:layernorm")
    # at each depth, nudged sideways a little so that variants sharing a rate do not hide each other
    assert list(largest.get_xdata()) == pytest.approx([1.0, 2.0], abs=0.05)
    assert list(largest.get_xdata()) != list(_line(fig, "largest-stable:rmsnorm").get_xdata())
    assert list(largest.get_ydata()) == [0.001, 0.01]
    # the depth shares: one line per depth, as many points as the depth has norm layers (3 and 5)
    shares = drawn(data, "depth-shares")
    assert sorted(len(l.get_xdata()) for l in shares.axes[0].get_lines()) == [3, 3, 5, 5]
    # forward re-centering over a depth grid: late in training per layer, a line per depth, at the grid's smallest
    # lr (a panel per group and depth would be dozens); layernorm at 1 layer holds the values set above
    forward = drawn(data, "forward-recentering")
    lines = {l.get_gid(): l for ax in forward.axes for l in ax.get_lines()}
    assert sorted(lines) == [f"abs_mean_over_std:{preset} layers={depth} lr=0.001"
                             for preset in ("layernorm", "rmsnorm") for depth in (1, 2)]
    assert len(forward.axes) == 2
    assert list(lines["abs_mean_over_std:layernorm layers=1 lr=0.001"].get_ydata()) == pytest.approx(
        [0.25, 0.5, 0.75])


def drawn(data, name, **options):
    """The one figure ``name`` of ``data``, drawn alone (``plan_figures``: the others are not drawn)."""
    from normscope.plot import plan_figures

    return dict(plan_figures(data, **options)[0])[name]()


def test_frontier_from_analysis_json(cli, grid_trace, tmp_path, capsys):
    """With --analysis holding a ``stability`` key, the frontier draws it (here altered, to tell it apart)."""
    result = subprocess.run([cli, "analyze", str(grid_trace), "--format", "json"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    mine = _stability.stability(_figures.load([grid_trace])).as_json()
    mine["groups"][0]["stable"], mine["groups"][0]["stalled"] = 0, 7
    document["stability"] = mine
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps(document))
    status = main([str(grid_trace), "--out", str(tmp_path / "figs"), "--format", "png", "--dpi", "20",
                   "--analysis", str(path), "--figures", "frontier"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert f"frontier: stability normscope analyze: {path.name}" in captured.err
    assert (tmp_path / "figs" / "frontier.png").stat().st_size > 1000
    texts = {t.get_text() for ax in drawn(_figures.load([grid_trace]), "frontier", analysis=str(path)).axes
             for t in ax.texts}
    assert "0/7/0" in texts


def test_figures_option_draws_the_named_ones(tmp_path, capsys):
    """--figures phi,gap: only those files (phi: every phi-…); an unknown name is one line and exit status 1."""
    status = main([str(REFERENCE), "--out", str(tmp_path), "--format", "png", "--dpi", "20", "--figures", "phi,gap"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gap.png", "phi-adanorm.png"]
    assert main([str(REFERENCE), "--out", str(tmp_path / "x"), "--figures", "los"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--figures los: expected a comma-separated list of loss, gap," in err
    assert main([str(REFERENCE), "--out", str(tmp_path / "y"), "--figures", "frontier"]) == 1
    assert "the trace(s) give none of these figures" in capsys.readouterr().err
