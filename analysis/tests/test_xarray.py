"""``Trace.to_xarray`` and ``normscope.to_xarray`` on every kind of trace the recorder writes: several seeds per
preset, a grid (layers and widths that differ), runs with and without Φ or raw samples, runs of different lengths
and bins, shards merged by run, and a live trace read while it is written.

Each test checks the joined Dataset against every run's own ``Run.to_xarray``: the run's values where it has them,
NaN where it has none."""

from __future__ import annotations

import json
import subprocess
import warnings

import numpy as np
import pytest

import normscope

from conftest import record, wait_for

xr = pytest.importorskip("xarray")


def assert_holds_every_run(ds, traces):
    """Every run of ``traces`` is in ``ds`` with its own values (``Run.to_xarray``) and NaN wherever it has none; a
    run is found by its id, or as ``<file>:<id>`` where traces recorded apart share ids; one given twice, once."""
    names = list(ds["run"].values)
    found = []
    for trace in traces:
        for run in trace:
            name = next((n for n in (run.id, f"{trace.path}:{run.id}") if n in names and n not in found), None)
            if name is None:
                continue
            found.append(name)
            own = run.to_xarray()
            joined = ds.sel(run=name)
            for variable_name in ds.data_vars:
                got = joined[variable_name]
                if variable_name not in own:
                    assert np.isnan(got.values).all(), (name, variable_name)
                    continue
                inside = got.sel({dim: own[dim].values for dim in own[variable_name].dims})
                assert np.array_equal(inside.values, own[variable_name].values, equal_nan=True), (name, variable_name)
                assert np.isnan(got.values).sum() == np.isnan(inside.values).sum() + got.size - inside.size, \
                    (name, variable_name, "values outside the run's own labels")
            positions = [list(ds["layer"].values).index(layer) for layer in run.layers]
            assert positions == sorted(positions), (name, "layers out of model order")
    assert found == names


@pytest.fixture(scope="module")
def seeds_trace(cli, tmp_path_factory):
    """The demo's shape: three presets (one with Φ) × two seeds."""
    out = tmp_path_factory.mktemp("xr-seeds") / "seeds.h5"
    return record(cli, out, {"steps": 8, "hidden": [8, 8], "eval_every": 4, "phi_every": 2, "seeds": 2,
                             "presets": ["layernorm", "adanorm", "none"]})


GRID = {"steps": 6, "eval_every": 3, "phi_every": 2, "seeds": 2, "grid": {"hidden": [[8], [6, 8]]},
        "presets": ["layernorm", {"preset": "adanorm", "adanorm_scale": 1, "raw_every": 3},
                    {"preset": "adanorm", "adanorm_scale": 2}, {"preset": "none", "steps": 4}]}


@pytest.fixture(scope="module")
def grid_trace(cli, tmp_path_factory):
    """A grid over the layers (one of 8, or 6 then 8), AdaNorm at C = 1 (with raw samples) and C = 2 (other Φ
    bins), and runs 4 steps long beside 6."""
    return record(cli, tmp_path_factory.mktemp("xr-grid") / "grid.h5", GRID)


def test_two_seeds_per_preset(seeds_trace):
    with normscope.open_trace(seeds_trace) as trace:
        ds = trace.to_xarray()
        assert ds.sizes["run"] == 6 and list(ds["preset"].values) == ["adanorm"] * 2 + ["layernorm"] * 2 + ["none"] * 2
        assert ds["phi_hist"].dims == ("run", "layer", "phi_step", "bin")
        assert ds["bin_lower"].dims == ("bin",) and np.isneginf(ds["bin_lower"].values[0])   # one set of bins
        assert np.isnan(ds["phi_mean"].sel(run="layernorm-s1")).all()
        assert not np.isnan(ds["phi_mean"].sel(run="adanorm-s1")).any()
        assert_holds_every_run(ds, [trace])


def test_grid_of_layers_lengths_and_bins(grid_trace):
    with normscope.open_trace(grid_trace) as trace:
        ds = trace.to_xarray()
        assert ds.sizes["run"] == 16 and list(ds["layer"].values) == ["hidden1.norm", "hidden2.norm"]
        assert list(ds["part"].values) == ["total", "direct", "recenter", "rescale"]
        assert ds.sizes["step"] == 6 and ds.sizes["feature"] == 8
        short = [r for r in ds["run"].values if r.startswith("none-")]
        assert np.isnan(ds["loss"].sel(run=short[0], step=5)) and not np.isnan(ds["loss"].sel(run=short[0], step=3))
        # C = 1 and C = 2 have other Φ bins: the edges are per run then, NaN for runs without Φ.
        assert ds["bin_upper"].dims == ("run", "bin")
        scale1 = [r for r in ds["run"].values if "adanorm_scale1" in r][0]
        scale2 = [r for r in ds["run"].values if "adanorm_scale2" in r][0]
        assert ds["bin_upper"].sel(run=scale1, bin=40) == 2 and ds["bin_upper"].sel(run=scale2, bin=40) == 4
        assert np.isnan(ds["bin_upper"].sel(run=short[0])).all()
        assert ds["hidden"].dims == ("run",) and set(ds["hidden"].values) == {"[8]", "[6, 8]"}
        assert_holds_every_run(ds, [trace])
        assert "raw_parts" not in trace.to_xarray(raw=False)


def test_shards_merged_by_run(cli, grid_trace, tmp_path):
    sweep = tmp_path / "grid.json"
    sweep.write_text(json.dumps(GRID))
    shards = []
    for index in range(2):
        out = tmp_path / f"shard-{index}.h5"
        result = subprocess.run([cli, "record", "--config", str(sweep), "--shard", f"{index}/2", "--out", str(out),
                                 "--quiet"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        shards.append(out)
    merged = normscope.to_xarray(shards)
    with normscope.open_trace(grid_trace) as whole:
        ds = whole.to_xarray()
    assert sorted(merged["run"].values) == sorted(ds["run"].values)
    # The same runs, recorded apart: the same values but the wall-clock seconds.
    assert merged.sortby("run").drop_vars("seconds").equals(ds.sortby("run").drop_vars("seconds"))
    assert merged.attrs["format_version"] == 2 and "shard" not in merged.attrs   # "0/2" and "1/2" differ
    with pytest.warns(UserWarning, match="repeats run"):
        again = normscope.to_xarray([shards[0], str(shards[0]), shards[1]])  # a run met again is kept once
    assert again.sizes["run"] == ds.sizes["run"]


def test_format1_and_format2_files_together(reference, seeds_trace):
    with normscope.open_trace(seeds_trace) as new, normscope.open_trace(reference) as old:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # other settings: no run of one is a repeat of the other's
            ds = normscope.to_xarray([new, old])
        assert ds.sizes["run"] == len(new.runs) + len(old.runs)
        assert_holds_every_run(ds, [new, old])
        assert new.h5.id.valid and old.h5.id.valid   # open Traces given are left open


def test_traces_recorded_apart(cli, tmp_path):
    """Two traces of the same presets and seeds at two learning rates: every run is kept (ids repeat, settings
    differ), named by its file, with its own lr along ``run``, as analyze reads them."""
    config = {"steps": 4, "hidden": [8], "eval_every": 2, "seeds": 2, "presets": ["layernorm", "adanorm"]}
    slow = record(cli, tmp_path / "slow.h5", {**config, "lr": 0.001})
    fast = record(cli, tmp_path / "fast.h5", {**config, "lr": 0.01})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = normscope.to_xarray([slow, fast])
    assert ds.sizes["run"] == 8
    assert f"{fast}:layernorm-s1" in ds["run"].values
    assert sorted(set(ds["lr"].values.tolist())) == [0.001, 0.01]
    with normscope.open_trace(slow) as a, normscope.open_trace(fast) as b:
        assert_holds_every_run(ds, [a, b])


def test_live_trace_while_written(cli, tmp_path):
    sweep = tmp_path / "live.json"
    sweep.write_text(json.dumps({"steps": 1000000, "hidden": [8], "seeds": 2, "eval_every": 20,
                                 "presets": ["layernorm", {"preset": "adanorm", "raw_every": 5}]}))
    out = tmp_path / "live.h5"
    process = subprocess.Popen([cli, "record", "--config", str(sweep), "--out", str(out), "--quiet", "--live",
                                "--flush-every", "5", "--jobs", "2"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=tmp_path)
    try:
        def written():
            with normscope.open_trace(out, swmr=True) as trace:
                return sum(len(run.steps) > 0 for run in trace) >= 2

        wait_for(written, what="two runs with rows in the live trace")
        with normscope.open_trace(out, swmr=True) as trace:
            ds = trace.to_xarray()
            assert ds.sizes["run"] == 4 and set(ds["status"].values) == {"running"}
            assert (~np.isnan(ds["loss"])).sum() > 0
        ds = normscope.to_xarray(out, swmr=True)
        assert ds.sizes["run"] == 4
    finally:
        process.kill()
        process.wait(timeout=30)
