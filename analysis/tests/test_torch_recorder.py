"""normscope.torch.Recorder: the traces it writes are read by the Swift side unchanged (inspect --data passes,
analyze lists nothing damaged and Theorem 1 holds at every step of every layer, report and normscope-plot draw
them), its rows are the model's, its run ends as completed, interrupted or diverged, and a refused argument
writes nothing."""

from __future__ import annotations

import json
import math
import os
import subprocess

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: more threads only contend for this machine's cores

import normscope  # noqa: E402
import normscope.torch as nst  # noqa: E402
from normscope import _schema  # noqa: E402


def _model(norm=None, seed=0):
    torch.manual_seed(seed)
    norm = norm or (lambda: torch.nn.LayerNorm(12))
    return torch.nn.Sequential(torch.nn.Linear(6, 12), norm(), torch.nn.ReLU(), torch.nn.Linear(12, 12), norm(),
                               torch.nn.Linear(12, 3))


def _data(seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(20, 6, generator=generator), torch.randint(0, 3, (20,), generator=generator)


def _train(path, model, run, steps=8, settings=None, **options):
    """A few SGD steps of ``model`` recorded as ``run``; evaluations every 4 steps."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    x, y = _data()
    base = {"seed": 0, "phi_every": 2, "raw_every": 4}
    with nst.Recorder(path, model, run=run, settings={**base, **(settings or {})}, optimizer=optimizer,
                      **options) as rec:
        for step in range(steps):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            rec.step(loss=loss)
            optimizer.step()
            if step % 4 == 3:
                model.eval()
                with torch.no_grad():
                    valid = torch.nn.functional.cross_entropy(model(x), y).item()
                model.train()
                rec.evaluate(train_loss=loss.item(), valid_loss=valid, valid_accuracy=0.5)
    return path


def _analyze(cli, *paths):
    result = subprocess.run([cli, "analyze", *map(str, paths), "--format", "json"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_traces_read_by_the_swift_side(cli, tmp_path):
    """Every declared preset (two seeds of one, in one file by append; the others one file each, as shards) and
    layers kept as they are (preset=None: torch's LayerNorm without bias, RMSNorm): inspect --data passes on each
    file; analyze of all of them lists nothing damaged or missing and every Theorem 1 check holds at every step
    (ScaleNorm's ‖t‖ ≤ ‖d‖ among them), and shows DyT's α and saturated share; report and normscope-plot draw them;
    the Python reader reads them."""
    shared = tmp_path / "presets.h5"
    model = _model()
    nst.instrument(model, preset="layernorm")
    _train(shared, model, "layernorm-s0")
    model = _model(seed=1)
    nst.instrument(model, preset="layernorm")
    _train(shared, model, "layernorm-s1", settings={"seed": 1}, append=True)
    files = [shared]
    for preset in [name for name in _schema.PRESETS if name != "layernorm"]:
        model = _model()
        nst.instrument(model, preset=preset)
        if preset == "dyt":
            with torch.no_grad():  # inputs large enough that some of tanh's are saturated (|α·x| > 2)
                model[0].weight.mul_(10)
        files.append(_train(tmp_path / f"{preset}.h5", model, f"{preset}-s0"))
    for name, norm in (("kept-ln", lambda: torch.nn.LayerNorm(12, bias=False)),
                       ("kept-rms", lambda: torch.nn.RMSNorm(12, eps=1e-6))):
        model = _model(norm)
        assert nst.instrument(model) == ["1", "4"]
        files.append(_train(tmp_path / f"{name}.h5", model, name))
    for path in files:
        result = subprocess.run([cli, "inspect", "--data", "--no-attributes", str(path)], capture_output=True,
                                text=True, timeout=120)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr
        assert "structure valid: trace format v2" in result.stdout
    summary = _analyze(cli, *files)
    assert summary["damaged"] == [] and summary["missing"] == []
    checks = summary["theorem_checks"]
    measured = {(check["group"].split()[0], check["measure"]) for check in checks}
    for expected in [("layernorm", "recenter_ratio = 0"), ("layernorm", "rescale_ratio ≤ 1"),
                     ("detachnorm", "recenter_ratio = 1"), ("detachnorm", "rescale_ratio = 1"),
                     ("detach-mean", "recenter_ratio = 1"), ("detach-std", "rescale_ratio = 1"),
                     ("adanorm", "|mean(Φ) − C|"), ("layernorm-simple", "rescale_ratio ≤ 1"),
                     ("scalenorm", "total_norm / direct_norm ≤ 1"), ("rmsnorm", "total_norm / direct_norm ≤ 1")]:
        assert expected in measured, (expected, measured)
    assert not any(group.startswith("dyt") for group, _ in measured)  # a diagonal Jacobian: no identity to check
    for check in checks:
        assert check["steps"] > 0 and check["steps_holding"] == check["steps"], check
    assert len(summary["runs"]) == len(files) + 1 and summary["duplicates"] == []
    # The layers torch.nn had are recorded as the presets they are: LayerNorm(bias=False) as layernorm with a gain
    # only, RMSNorm(eps=1e-6) as rmsnorm with its ε.
    with normscope.open_trace(tmp_path / "kept-ln.h5") as trace:
        run = trace.run("kept-ln")
        assert run.settings["preset"] == "layernorm" and run.settings["norm_affine"] == "gain-only"
        assert run.config["affine"] == "gain-only"  # so analyze does not take it for layernorm-s0 recorded twice
        assert run.layers == ["1", "4"] and len(run.grad("4")) == 8 and run.status == "completed"
    with normscope.open_trace(tmp_path / "kept-rms.h5") as trace:
        settings = trace.run("kept-rms").settings
        assert settings["preset"] == "rmsnorm" and settings["epsilon"] == 1e-6 and settings["norm_epsilon"] == 1e-6
    # ScaleNorm and DyT are recorded as the Swift recorder records them: their norm_* settings, g as |g| and g,
    # DyT's α and saturated share in every grad row, its re-centering and re-scaling parts exactly 0.
    with normscope.open_trace(tmp_path / "scalenorm.h5") as trace:
        run = trace.run("scalenorm-s0")
        assert (run.settings["norm_spread"], run.settings["norm_affine"], run.settings["norm_convention"]) == \
            ("norm", "scalar-gain", "paper")
        grad = run.grad("1")
        g = grad.iloc[0]  # |g| and g, starting at √H
        assert g["gain_norm"] == pytest.approx(math.sqrt(12)) and g["gain_mean"] == g["gain_norm"]
        assert np.all(grad["recenter_norm"] == 0) and np.all(grad["rescale_norm"] > 0)
    with normscope.open_trace(tmp_path / "dyt.h5") as trace:
        run = trace.run("dyt-s0")
        assert run.settings["preset"] == "dyt" and run.settings["norm_transform"] == "dynamic-tanh"
        assert run.settings["norm_dyt_alpha"] == 0.5 and run.settings["norm_normalizes"] is False
        assert "epsilon" not in run.settings and "affine" not in run.settings  # the preset's own: no override
        grad = run.grad("1")
        assert grad["alpha"].iloc[0] == 0.5 and grad["alpha"].iloc[-1] != 0.5
        assert np.all((grad["saturated_share"] > 0) & (grad["saturated_share"] < 1))
        assert np.all(grad["recenter_norm"] == 0) and np.all(grad["rescale_norm"] == 0)
        assert np.array_equal(grad["direct_norm"], grad["total_norm"])
    dyt_layers = summary["layers"]["dyt-s0"]
    assert [layer["dynamic_tanh"]["early_alpha"] for layer in dyt_layers] == [0.5, 0.5]
    assert dyt_layers[0]["dynamic_tanh"]["late_saturated_share"] > 0
    table = subprocess.run([cli, "analyze", str(tmp_path / "dyt.h5")], capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "DyT per layer" in table.stdout, table.stderr
    with normscope.open_trace(tmp_path / "adanorm.h5") as trace:
        run = trace.run("adanorm-s0")
        assert len(run.phi("1")) == 4 and run.phi_histogram("1").counts.shape == (4, 42)
        raw = run.raw_parts("1")
        assert raw.values.shape == (2, 4, 4, 12) and list(raw.steps) == [0, 4]
        split = raw.part("total") - raw.part("direct") - raw.part("recenter") - raw.part("rescale")
        assert np.abs(split).max() < 1e-5
    report = subprocess.run([cli, "report", *map(str, files[:3]), "--out", str(tmp_path / "report.html")],
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0 and (tmp_path / "report.html").exists(), report.stderr
    from normscope import plot
    assert plot.main([str(files[0]), str(tmp_path / "adanorm.h5"), "--out", str(tmp_path / "figures"), "--format",
                      "png", "--dpi", "40"]) in (0, None)
    assert (tmp_path / "figures" / "phi-adanorm.png").exists()


def test_rows_are_the_models(tmp_path):
    """The steps rows hold the loss, the optimizer's learning rate and the gradient norm torch computes; evals hold
    what was given, NaN for the rest, and gap = valid − train; the run is completed with its steps counted."""
    model = _model()
    nst.instrument(model, preset="adanorm")
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    x, y = _data()
    losses, norms, rates = [], [], []
    path = tmp_path / "rows.h5"
    with nst.Recorder(path, model, run="rows", settings={"seed": 0, "lr": 0.05, "hidden": [12, 12],
                                                         "note": "from pytest"}, optimizer=optimizer) as rec:
        for _ in range(5):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            rec.step(loss=loss)
            losses.append(loss.item())
            norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)))
            rates.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        rec.evaluate(train_loss=0.5, valid_loss=torch.tensor(0.75), test_accuracy=1.0)
    with h5py.File(path, "r") as f:
        run = f["runs/rows"]
        steps = run["steps"][()]
        assert list(steps["step"]) == [0, 1, 2, 3, 4]
        assert np.allclose(steps["loss"], losses, rtol=1e-7) and np.allclose(steps["grad_norm"], norms, rtol=1e-6)
        assert list(steps["learning_rate"]) == rates and np.all(np.diff(steps["seconds"]) >= 0)
        evals = run["evals"][()]
        assert evals["step"][0] == 4 and evals["gap"][0] == 0.25 and evals["test_accuracy"][0] == 1.0
        assert math.isnan(evals["train_accuracy"][0]) and math.isnan(evals["test_loss"][0])
        assert run.attrs["status"] == "completed" and run.attrs["completed_steps"] == 5
        assert run.attrs["diverged_step"] == -1
        # Settings typed as declared: lr float64, hidden int64[], a caller's own as given; the model's norm_*.
        assert run.attrs["lr"].dtype == np.float64 and run.attrs["hidden"].dtype == np.int64
        assert run.attrs["note"] == "from pytest" and run.attrs["preset"] == "adanorm"
        assert run.attrs["norm_detach_mean"] is np.False_ and run.attrs["norm_adanorm_scale"] == 2.0
        assert json.loads(run.attrs["config"])["note"] == "from pytest"
        grad = run["norms/1/grad"][()]
        assert list(grad["rows"]) == [20] * 5 and list(grad["width"]) == [12] * 5
        assert np.all(np.isnan(grad["gain_norm"])) and np.all(np.isnan(grad["alpha"]))
        assert np.allclose(run["norms/1/phi"]["mean"], 2.0, rtol=1e-9)
    assert not any(name.startswith(".") for name in os.listdir(tmp_path))  # no temporary, no lock left


def test_one_transfer_per_step(tmp_path, monkeypatch):
    """No layer moves a value to the host on its own: a training step with four instrumented calls, then
    rec.step(), moves data once (one .cpu() of one vector on this CPU-only machine; one per device), and reads no
    tensor's value in between."""
    model = _model()
    nst.instrument(model, preset="adanorm")
    x, y = _data()
    calls = []
    for name in ("cpu", "item", "tolist", "numpy", "__bool__", "__float__", "__int__"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(torch.Tensor, name, counted)
    with nst.Recorder(tmp_path / "sync.h5", model, run="r", settings={"seed": 0, "phi_every": 1,
                                                                       "raw_every": 1}) as rec:
        for _ in range(2):
            calls.clear()
            loss = torch.nn.functional.cross_entropy(model(x), y) + torch.nn.functional.cross_entropy(model(x), y)
            model.zero_grad()
            loss.backward()
            rec.step(loss=loss, learning_rate=0.1)
            assert calls == ["cpu", "numpy"], calls  # the one transfer, then its host copy read as NumPy
    monkeypatch.undo()
    with h5py.File(tmp_path / "sync.h5", "r") as f:
        assert list(f["runs/r/norms/1/grad"]["rows"]) == [40, 40]  # both calls of each layer, reduced together


def test_an_exception_marks_the_run_interrupted(tmp_path):
    model = _model()
    nst.instrument(model)
    x, y = _data()
    with pytest.raises(KeyboardInterrupt):
        with nst.Recorder(tmp_path / "stop.h5", model, run="stop", settings={"seed": 0}) as rec:
            for _ in range(3):
                model(x).sum().backward()
                rec.step(loss=1.0, learning_rate=0.1)
            raise KeyboardInterrupt
    with normscope.open_trace(tmp_path / "stop.h5") as trace:
        run = trace.run("stop")
        assert run.status == "interrupted" and run.completed_steps == 3 and len(run.steps) == 3


def test_a_divergence_ends_the_run(cli, tmp_path):
    """A loss above 1000 × the first is the divergence's step: step() returns False, the run is diverged with its
    reason and refuses more steps; the trace passes inspect --data."""
    model = _model()
    nst.instrument(model)
    x, _ = _data()
    path = tmp_path / "diverged.h5"
    with nst.Recorder(path, model, run="up", settings={"seed": 0}) as rec:
        for loss in (1.0, 2.0, 5000.0):
            model(x).sum().backward()
            going = rec.step(loss=loss, learning_rate=0.1)
        assert going is False and rec.diverged
        with pytest.raises(nst.RecorderError, match="diverged at step 2"):
            rec.step(loss=1.0, learning_rate=0.1)
    with h5py.File(path, "r") as f:
        run = f["runs/up"]
        assert run.attrs["status"] == "diverged" and run.attrs["diverged_step"] == 2
        assert run.attrs["diverged_reason"] == ("the loss 5000 is above the divergence threshold 1000 (1000 × the "
                                                "first step's loss)")
        assert run["steps"].shape == (3,)
    # A NaN loss from NaN activations (AdaNorm's Φ(y) NaN too: its histogram counts them below the bins).
    model = _model()
    nst.instrument(model, preset="adanorm")
    with nst.Recorder(path, model, run="nan", settings={"seed": 0, "phi_every": 1}, append=True) as rec:
        model(x).sum().backward()
        assert rec.step(loss=1.0, learning_rate=0.1)
        broken = model(x * math.nan).sum()
        broken.backward()
        assert rec.step(loss=broken, learning_rate=0.1) is False
    with h5py.File(path, "r") as f:
        run = f["runs/nan"]
        assert run.attrs["status"] == "diverged" and run.attrs["diverged_reason"] == "the loss is NaN"
        assert run["norms/1/phi_hist"][1].sum() == 20 * 12
    result = subprocess.run([cli, "inspect", "--data", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]


def test_a_removed_trace_stops_the_recording(tmp_path):
    """The file must still be the one the recorder claimed at every flush: removed, it says so, once and again."""
    model = _model()
    nst.instrument(model)
    path = tmp_path / "gone.h5"
    with pytest.raises(nst.RecorderError, match="closing the trace failed"):
        with nst.Recorder(path, model, run="r", settings={"seed": 0}) as rec:
            model(_data()[0]).sum().backward()
            rec.step(loss=1.0, learning_rate=0.1)
            os.unlink(path)
            for _ in range(2):
                with pytest.raises(nst.RecorderError, match="was removed or replaced while being written"):
                    rec.flush()
    assert sorted(os.listdir(tmp_path)) == []


def _refusals(tmp_path):
    existing = tmp_path / "existing.h5"
    folder = tmp_path / "folder"
    return [
        ("bad run id", dict(run="a/b"), "contains '/'"),
        ("no instrumented layer", dict(model=torch.nn.Linear(2, 2)), "call normscope.torch.instrument"),
        ("reserved setting", dict(settings={"seed": 0, "status": "x"}), "writes itself"),
        ("mistyped setting", dict(settings={"seed": 0, "lr": "0.1"}), "declares it a float64"),
        ("word outside the vocabulary", dict(settings={"seed": 0, "optimizer": 3}), "declares it a string"),
        ("preset the model is not", dict(settings={"seed": 0, "preset": "adanorm"}), "the model's layers are"),
        ("norm setting", dict(settings={"seed": 0, "norm_epsilon": 1.0}), "read from the model"),
        ("phi_every 0", dict(settings={"seed": 0, "phi_every": 0}), "phi_every"),
        ("negative seed", dict(settings={"seed": -1}), "'seed'"),
        ("flush_every 0", dict(flush_every=0), "flush_every"),
        ("missing folder", dict(path=tmp_path / "nowhere" / "t.h5"), "does not exist"),
        ("a folder", dict(path=folder), "is a folder"),
        ("existing file", dict(path=existing), "exists; pass force=True"),
        ("append to nothing", dict(path=tmp_path / "new.h5", append=True), "no such trace"),
        ("append to a non-trace", dict(path=existing, append=True), "is not an HDF5 file"),
        ("append with force", dict(path=existing, append=True, force=True), "neither force"),
        ("prior_loss not finite", dict(prior_loss=math.inf), "prior_loss must be a finite loss"),
        ("prior_loss 0", dict(prior_loss=0.0), "prior_loss must be a finite loss"),
        ("prior_loss not a number", dict(prior_loss="1.1"), "prior_loss must be a number"),
        ("prior_loss twice", dict(settings={"seed": 0, "prior_loss": 1.0}, prior_loss=1.0),
         "give it as Recorder(prior_loss=…)"),
    ]


def test_refused_arguments_write_nothing(tmp_path):
    """Each refusal is one RecorderError line, and the folder is as it was: no trace, no temporary, no lock; an
    existing file is untouched."""
    (tmp_path / "existing.h5").write_bytes(b"not a trace")
    (tmp_path / "folder").mkdir()
    for what, changes, message in _refusals(tmp_path):
        model = _model()
        nst.instrument(model)
        arguments = {"path": tmp_path / "t.h5", "model": model, "run": "r", "settings": {"seed": 0}, **changes}
        before = sorted(os.listdir(tmp_path))
        with pytest.raises(nst.RecorderError) as raised:
            nst.Recorder(arguments.pop("path"), arguments.pop("model"), **arguments)
        assert message in str(raised.value) and "\n" not in str(raised.value), (what, str(raised.value))
        assert sorted(os.listdir(tmp_path)) == before, what
    assert (tmp_path / "existing.h5").read_bytes() == b"not a trace"
    # Values a trace cannot hold are refused before anything is recorded.
    model = _model()
    nst.instrument(model)
    with nst.Recorder(tmp_path / "t.h5", model, run="r", settings={"seed": 0}) as rec:
        with pytest.raises(nst.RecorderError, match="step\\(\\) has no learning rate"):
            rec.step(loss=1.0)
        with pytest.raises(nst.RecorderError, match="call step\\(\\) first"):
            rec.evaluate(train_loss=1.0)
        model(_data()[0]).sum().backward()
        rec.step(loss=1.0, learning_rate=0.1)
        with pytest.raises(nst.RecorderError, match="an accuracy is a share"):
            rec.evaluate(valid_accuracy=1.5)
        with pytest.raises(nst.RecorderError, match="loss ≥ 0"):
            rec.evaluate(train_loss=-1.0)
    with h5py.File(tmp_path / "t.h5", "r") as f:
        assert f["runs/r/evals"].shape == (0,) and f["runs/r/steps"].shape == (1,)


def test_prior_loss_is_a_float64_run_attribute(tmp_path):
    """prior_loss= is stored on the run's group as float64 (METHODS.md, "Stability over a learning-rate grid"), kept
    out of the run's config; a run recorded without it has no such attribute."""
    models = [_model(), _model()]
    for model in models:
        nst.instrument(model)
    path = _train(tmp_path / "prior.h5", models[0], "with", steps=2, prior_loss=np.float32(1.0986))
    _train(path, models[1], "without", steps=2, append=True)
    with h5py.File(path, "r") as f:
        stored = f["runs/with"].attrs["prior_loss"]
        assert stored.dtype == np.float64 and stored == float(np.float32(1.0986))
        assert "prior_loss" not in json.loads(f["runs/with"].attrs["config"])
        assert "prior_loss" not in f["runs/without"].attrs


def test_abs_mean_over_std_in_every_row(tmp_path):
    """Each step's grad row holds the forward pass's mean |μ|/σ over every row the layer saw that step (both calls
    of it), the value NumPy computes from the layer's inputs (population σ, no ε)."""
    model = _model()
    nst.instrument(model, preset="rmsnorm")
    inputs, expected = [], []
    model[1].register_forward_pre_hook(lambda module, args: inputs.append(args[0].detach().clone()))
    x, y = _data()
    with nst.Recorder(tmp_path / "c.h5", model, run="r", settings={"seed": 0}) as rec:
        for _ in range(2):
            inputs.clear()
            loss = (torch.nn.functional.cross_entropy(model(x), y)
                    + torch.nn.functional.cross_entropy(model(x[:7]), y[:7]))
            model.zero_grad()
            loss.backward()
            rec.step(loss=loss, learning_rate=0.1)
            rows = np.concatenate([t.numpy().astype(np.float64) for t in inputs])
            expected.append(np.mean(np.abs(rows.mean(axis=1)) / rows.std(axis=1)))
    with h5py.File(tmp_path / "c.h5", "r") as f:
        recorded = f["runs/r/norms/1/grad"]["abs_mean_over_std"]
    assert len(inputs) == 2 and recorded == pytest.approx(expected, rel=1e-12)
