"""Reading every table of format-2 traces the CLI records and of the format-1 reference trace."""

from __future__ import annotations

import json
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

import normscope
from normscope.trace import EVAL_FIELDS, EVAL_LATER_FIELDS, GRAD_FIELDS, GRAD_LATER_FIELDS, PHI_FIELDS, STEP_FIELDS

from conftest import wait_for


def check_run_tables(run, expect_raw):
    """Every table of a run, against the file as h5py reads it."""
    f = run.trace.h5
    base = f"runs/{run.id}"
    steps = run.steps
    assert steps.index.name == "step" and list(steps.columns) == list(STEP_FIELDS[1:])
    assert len(steps) == run.completed_steps
    assert np.array_equal(steps.index.to_numpy(), f[f"{base}/step"][()])
    assert np.array_equal(steps["loss"].to_numpy(), f[f"{base}/steps"]["loss"])
    evals = run.evals
    columns = list(EVAL_FIELDS[1:]) + list(EVAL_LATER_FIELDS)
    assert evals.index.name == "step" and list(evals.columns) == columns and len(evals) > 0
    assert np.allclose(evals["gap"], evals["valid_loss"] - evals["train_loss"])
    stored = f[f"{base}/evals"].dtype.names
    for name in EVAL_LATER_FIELDS:
        # Measured where the table has the column (traces since the test split), NaN where it is older.
        if name in stored:
            assert np.array_equal(evals[name].to_numpy(), f[f"{base}/evals"][name])
        else:
            assert evals[name].isna().all()
    assert run.layers == json.loads(f[base].attrs["norm_layers"])
    assert set(run.grads) == set(run.layers)
    for index, layer in enumerate(run.layers):
        grad = run.grad(layer)
        assert list(grad.columns) == list(GRAD_FIELDS[1:]) + list(GRAD_LATER_FIELDS) and grad.index.equals(steps.index)
        assert (grad["width"] == run.layer_attrs(layer)["width"]).all() and run.layer_attrs(layer)["index"] == index
        if run.has_phi(layer):
            phi = run.phi(layer)
            assert list(phi.columns) == list(PHI_FIELDS[1:]) and phi.index.name == "step"
            counts, edges, hsteps = run.phi_histogram(layer)
            assert counts.shape == (len(phi), len(edges) + 1) and np.array_equal(hsteps, phi.index.to_numpy())
            assert np.all(np.diff(edges) > 0)
            rows_width = grad.loc[hsteps, "rows"].to_numpy() * grad.loc[hsteps, "width"].to_numpy()
            assert np.array_equal(counts.sum(axis=1), rows_width)          # a row counts every element
            histogram = run.phi_histogram(layer)
            assert np.array_equal(histogram.bin_lower, f[f"{base}/norms/{layer}/phi_bin"][()])
            assert histogram.inner.shape[1] == len(edges) - 1
        if expect_raw:
            values, rsteps, parts = run.raw_parts(layer)
            assert parts == ("total", "direct", "recenter", "rescale")
            assert values.dtype == np.float32 and values.shape[:2] == (len(rsteps), 4) and len(rsteps) > 0
            assert values.shape[3] == run.layer_attrs(layer)["width"]
            split = values[:, 0] - values[:, 1:].sum(axis=1)             # t = d + c + s
            assert float(np.abs(split).max()) <= 1e-4 * max(1.0, float(np.abs(values).max()))
        else:
            assert not run.has_raw_parts(layer)


def test_format2_mlp_every_table(mlp_trace):
    with normscope.open_trace(mlp_trace) as trace:
        assert trace.format_version == 2 and trace.tool_version
        assert trace.config["presets"] == ["layernorm", "adanorm"]
        runs = trace.runs
        assert list(runs.index) == ["adanorm-s0", "layernorm-s0"] and runs.index.name == "run"
        assert (runs["status"] == "completed").all() and (runs["completed_steps"] == 60).all()
        assert runs["lr"].dtype == np.float64 and runs["seed"].dtype == np.int64
        assert runs["norm_detach_mean"].dtype == bool and runs.loc["adanorm-s0", "hidden"] == (32, 32)
        assert runs.loc["adanorm-s0", "norm_adanorm_scale"] == 2.0
        assert np.isnan(runs.loc["layernorm-s0", "norm_adanorm_scale"])      # not written where it does not exist
        assert "config" not in runs.columns
        ada, ln = trace.run("adanorm-s0"), trace.run("layernorm-s0")
        assert ada.layers == ["hidden1.norm", "hidden2.norm"] and ada.status == "completed"
        assert ada.diverged_step is None and ada.settings["momentum"] == 0.9 and ada.config["preset"] == "adanorm"
        assert all(ada.has_phi(layer) for layer in ada.layers) and not ln.has_phi("hidden1.norm")
        check_run_tables(ada, expect_raw=True)
        check_run_tables(ln, expect_raw=True)
        assert ada.evals["test_loss"].gt(0).all() and ada.evals["test_accuracy"].between(0, 1).all()
        assert [run.id for run in trace] == trace.run_ids and "adanorm-s0" in trace


def test_format2_char_lm_layers_in_model_order(lm_trace):
    with normscope.open_trace(lm_trace) as trace:
        run = trace.run("adanorm-s0")
        assert run.layers == ["block1.attn_norm", "block1.ffn_norm", "final_norm"]
        assert trace.runs.loc["adanorm-s0", "model"] == "char-lm"
        check_run_tables(run, expect_raw=True)


def test_format1_reference_reads_like_format2(reference):
    with normscope.open_trace(reference) as trace:
        assert trace.format_version == 1
        runs = trace.runs
        assert len(runs) == 5 and (runs["completed_steps"] == 600).all()
        # Format 1's text settings come out typed, as format 2 stores them.
        assert runs["momentum"].dtype == np.float64 and (runs["momentum"] == 0.9).all()
        assert runs["heads"].dtype == np.int64 and runs["norm_detach_mean"].dtype == bool
        assert runs.loc["detachnorm-s0", "norm_detach_mean"] and not runs.loc["layernorm-s0", "norm_detach_mean"]
        assert runs.loc["adanorm-s0", "hidden"] == (128, 128)
        assert runs.loc["adanorm-s0", "norm_adanorm_scale"] == 2.0
        assert np.isnan(runs.loc["layernorm-s0", "norm_adanorm_scale"])      # format 1's '' is "not set"
        for run in trace:
            check_run_tables(run, expect_raw=False)
        # Recorded before the test split was measured: the columns are there, all NaN.
        assert trace.run("adanorm-s0").evals["test_loss"].isna().all()


def test_same_sweep_same_columns_in_both_formats(reference, mlp_trace):
    with normscope.open_trace(reference) as old, normscope.open_trace(mlp_trace) as new:
        shared = [c for c in old.runs.columns if c in new.runs.columns]
        for column in shared:
            assert old.runs[column].dtype == new.runs[column].dtype, column


def test_to_xarray_run_and_trace(mlp_trace, reference):
    xr = pytest.importorskip("xarray")
    with normscope.open_trace(mlp_trace) as trace:
        run = trace.run("adanorm-s0")
        ds = run.to_xarray()
        assert isinstance(ds, xr.Dataset)
        assert ds["loss"].dims == ("step",) and ds["train_loss"].dims == ("eval_step",)
        assert ds["rescale_ratio"].dims == ("layer", "step") and list(ds["layer"].values) == run.layers
        assert ds["phi_mean"].dims == ("layer", "phi_step")
        assert ds["phi_hist"].dims == ("layer", "phi_step", "bin") and ds["bin_lower"].dims == ("bin",)
        assert ds["raw_parts"].dims == ("layer", "raw_step", "part", "row", "feature")
        assert list(ds["part"].values) == ["total", "direct", "recenter", "rescale"]
        assert np.array_equal(ds["rescale_ratio"].sel(layer="hidden2.norm").values,
                              run.grad("hidden2.norm")["rescale_ratio"].to_numpy())
        assert ds.attrs["preset"] == "adanorm" and ds.attrs["lr"] == 0.001
        assert "raw_parts" not in run.to_xarray(raw=False)
        everything = trace.to_xarray()
        assert everything.sizes["run"] == 2 and list(everything["preset"].values) == ["adanorm", "layernorm"]
        assert everything["run_width"].dims == ("run",)                     # the setting beside the grad field
        assert np.isnan(everything["phi_mean"].sel(run="layernorm-s0")).all()
    with normscope.open_trace(reference) as trace:
        ds = trace.to_xarray()
        assert ds.sizes["run"] == 5 and ds["grad_norm"].dims == ("run", "step") and "raw_parts" not in ds


def test_live_trace_with_swmr(live_recorder):
    process, path = live_recorder

    def has_rows():
        with normscope.open_trace(path, swmr=True) as trace:
            return len(trace.run("adanorm-s0").steps) >= 10

    wait_for(has_rows, what="the live recorder to flush 10 steps")
    with normscope.open_trace(path, swmr=True) as trace:
        run = trace.run("adanorm-s0")
        assert run.status == "running"
        first = len(run.steps)
        assert len(run.grad("hidden1.norm")) >= first - 5                # appended together, read a moment apart
        wait_for(lambda: len(run.steps) > first, what="more rows in the same open trace")
        assert run.phi_histogram("hidden1.norm").counts.shape[1] == 42
    # A plain open refuses a file that is open for writing, in one line that says what to do.
    with pytest.raises(normscope.TraceError, match="swmr=True"):
        normscope.open_trace(path)
    process.kill()
    process.wait(timeout=30)
    with normscope.open_trace(path, swmr=True) as trace:                  # a dead live recorder's file
        assert len(trace.run("adanorm-s0").steps) >= 10


def test_inspect_prints_runs(mlp_trace):
    result = subprocess.run([sys.executable, "-m", "normscope.inspect", str(mlp_trace)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "format 2" in result.stdout and "adanorm-s0" in result.stdout and "layernorm-s0" in result.stdout
